import { everyNth } from '../sample.js';
import fc from 'fast-check';
import katex from 'katex';
import { Fraction, rational, surd } from '../../src/rational.js';
import { describe, expect, it } from 'vitest';
import { expand } from '../../src/model/expand.js';
import { formula, rawFormula } from '../../src/model/term-formula.js';
import * as N from '../../src/formula/nodes.js';
import type { Expr } from '../../src/formula/nodes.js';
import { symbols } from '../../src/formula/notation.js';
import { FormulaError, parseFormula } from '../../src/formula/parse-formula.js';
import { printExpr } from '../../src/formula/print.js';
import { smallArchitecture } from '../arbitraries.js';

const index = fc.integer({ min: 0, max: 12 });
const leaf = (side: 'kernel' | 'feature') =>
  fc.tuple(fc.constantFrom(...symbols.filter(s => s.side === side)), index, index).map(([s, l, h]) => s.make(l, h));

const kernel: fc.Arbitrary<Expr> = fc.letrec<{ k: Expr }>(tie => ({
  k: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf('kernel'),
    fc.array(tie('k'), { minLength: 2, maxLength: 3 }).map(N.kprod),
    fc.tuple(tie('k'), tie('k')).map(([a, b]) => N.face(a, b)),
  ),
})).k;

const feature: fc.Arbitrary<Expr> = fc.letrec<{ f: Expr }>(tie => ({
  f: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf('feature'),
    fc.array(tie('f'), { minLength: 2, maxLength: 3 }).map(N.fprod),
    leaf('feature').map(N.transpose),
    fc.tuple(index, fc.boolean(), tie('f'), tie('f')).map(([l, s, a, b]) => N.bilinearOf(l, s, a, b)),
  ),
})).f;

// rationals, and q·√r such as a block's output scale makes them (1/√8, -3/√2, 2√3/5)
const coefficient = fc.oneof(
  fc.tuple(fc.integer({ min: -50, max: 50 }), fc.integer({ min: 1, max: 9 })).map(([n, d]) => rational(n, d)),
  fc
    .tuple(fc.integer({ min: -50, max: 50 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 2, max: 30 }))
    .map(([n, d, r]) => surd(new Fraction(n, d), new Fraction(r))),
);

const expression: fc.Arbitrary<Expr> = fc.letrec<{ e: Expr; body: Expr }>(tie => ({
  body: fc.oneof(
    { depthSize: 'small' },
    fc.tuple(kernel, feature).map(([k, f]) => N.kron(k, f)),
    fc.tuple(tie('body'), tie('body')).map(([op, arg]) => N.apply(op, arg)),
    fc.tuple(index, fc.boolean(), tie('e'), tie('e')).map(([l, s, a, b]) => N.pair(l, s, a, b)),
  ),
  e: fc.oneof(
    { depthSize: 'small' },
    tie('body'),
    fc.tuple(coefficient, tie('body')).map(([c, b]) => N.term(c, b)),
    fc
      .array(
        fc.tuple(coefficient, tie('body')).map(([c, b]) => N.term(c, b)),
        { minLength: 2, maxLength: 3 },
      )
      .map(N.sum),
  ),
})).e;

describe('formula text is a language', () => {
  it('print then parse gives the same node, for random expressions', () => {
    fc.assert(
      fc.property(expression, e => {
        expect(parseFormula(printExpr(e))).toBe(e);
      }),
      { numRuns: 500 },
    );
  });

  it('print then parse gives the same node, for a spread of the terms of random models, raw and simplified', () => {
    fc.assert(
      fc.property(smallArchitecture(2), arch => {
        for (const t of everyNth([...expand(arch, { maxDegree: 3 })], 60)) {
          for (const e of [formula(t, arch), rawFormula(t, arch)]) expect(parseFormula(printExpr(e))).toBe(e);
        }
      }),
      { numRuns: 25 },
    );
  });

  it('every LaTeX string renders with KaTeX', () => {
    fc.assert(
      fc.property(expression, e => {
        expect(() => katex.renderToString(printExpr(e, 'latex'), { throwOnError: true })).not.toThrow();
      }),
      { numRuns: 60 },
    );
  });

  it.each([
    ['A ⊗ W_E', 2, "'A' needs an index: layer.head, e.g. ^{0.1}"],
    ['Id ⊗ W_X', 6, "'W_X' is not a feature tensor (see docs/notation.md)"],
    ['Q ⊗ W_E', 1, "'Q' is not a position kernel (see docs/notation.md)"],
    ['A^{0} ⊗ W_E', 4, "'A' is indexed by layer.head, e.g. ^{0.1}"],
    ['Id ⊗ W_E^{0}', 11, "'W_E' takes no index"],
    ['Id ⊗ W_OV^{0.1}(W_E, W_E)', 6, "'W_OV' takes no arguments; only B and B_sym do"],
    ['Id ⊗', 5, 'the formula ends too early'],
    ['Id ⊗ W_E +', 11, 'the formula ends too early'],
    ['Id ⊗ ⊗', 6, "unexpected '⊗'"],
    ['3/0 · Id ⊗ W_E', 3, 'a coefficient cannot have denominator 0'],
    ['Id ⊗ W_E $', 10, "unexpected character '$'"],
  ])('%s is an error at column %i', (text, col, reason) => {
    let caught: unknown;
    try {
      parseFormula(text);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(FormulaError);
    expect({ col: (caught as FormulaError).col, reason: (caught as FormulaError).reason }).toEqual({ col, reason });
  });
});
