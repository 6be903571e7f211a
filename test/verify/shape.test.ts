// The shape checker (src/formula/shape.ts) against its two independent routes: the expansion, whose every
// formula is well-shaped by construction, and the dense evaluator, which fails on a product whose sizes
// do not match. Sizes are chosen pairwise distinct (n 4, d 5, V 7, d_head 2, m 3), so that the
// evaluator throws on as many ill-shaped products as it can.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DenseEvaluator } from '../../src/formula/evaluate-dense.js';
import * as N from '../../src/formula/nodes.js';
import type { Expr } from '../../src/formula/nodes.js';
import { symbols } from '../../src/formula/notation.js';
import { parseFormula } from '../../src/formula/parse-formula.js';
import { printExpr } from '../../src/formula/print.js';
import { printShape, type Shape, ShapeError, type Space, shapeOf, termSpace } from '../../src/formula/shape.js';
import type { Architecture } from '../../src/language/architecture.js';
import { expand } from '../../src/model/expand.js';
import { formula, rawFormula } from '../../src/model/term-formula.js';
import { rational } from '../../src/rational.js';
import { randomDenseEnv, smallArchitecture } from '../arbitraries.js';

describe('every formula the expansion produces is well-shaped', () => {
  it('raw and simplified, ordered and symmetrized, for random small architectures: n×V logits', () => {
    fc.assert(
      fc.property(smallArchitecture(2), fc.boolean(), (arch, symmetrize) => {
        const terms = [...expand(arch, { maxDegree: 2, symmetrize })];
        const stride = Math.ceil(terms.length / 150); // an even sample of the large expansions
        for (let i = 0; i < terms.length; i += stride) {
          expect(termSpace(formula(terms[i]!, arch))).toBe('V');
          expect(termSpace(rawFormula(terms[i]!, arch))).toBe('V');
        }
      }),
      { numRuns: 12 },
    );
  });
});

const arch: Architecture = {
  name: 'shapes',
  vocab: 7,
  context: 4,
  width: 5,
  positional: true,
  layers: [0, 1].map(() => ({
    attention: { heads: 2, headSize: 2, bias: true, norm: 'layer' as const },
    bilinear: { hidden: 3, bias: true, norm: 'rms' as const },
  })),
  unembed: { bias: true, norm: 'layer' },
  renames: new Map(),
} as unknown as Architecture;

const sizes: Record<string, number> = { d: 5, V: 7 };
const sizeOf = (s: Space) => sizes[s] ?? 2; // d_head^{l.h}

// Leaves weighted toward what fits (n×n kernels, d×d maps before a tensor), so that about half the
// formulas are well-shaped and half are not.
const index = fc.integer({ min: 0, max: 1 });
const leaf = (pick: (s: (typeof symbols)[number]) => boolean) =>
  fc.tuple(fc.constantFrom(...symbols.filter(pick)), index, index).map(([s, l, h]) => s.make(l, h));
const squareKernel = leaf(s => s.side === 'kernel' && s.text !== '1');
const anyKernel = leaf(s => s.side === 'kernel');
const square = ['W_OV', 'W_QK', 'G_ln1', 'G_ln2', 'G_final', 'C'];
const squareMap = leaf(s => square.includes(s.text));
const anyMap = leaf(s => s.side === 'feature' && /^(W_[QKVOU]|W_OV|W_QK|G_|C)/.test(s.text));
const tensor = fc.oneof(
  { arbitrary: leaf(s => s.text === 'W_E' || s.text === 'W_pos'), weight: 4 },
  { arbitrary: leaf(s => s.side === 'feature' && /^(b_|1)/.test(s.text)), weight: 1 },
);
const anyFeature = leaf(s => s.side === 'feature');

const kernel: fc.Arbitrary<Expr> = fc.letrec<{ k: Expr }>(tie => ({
  k: fc.oneof(
    { depthSize: 'small' },
    { arbitrary: squareKernel, weight: 4 },
    { arbitrary: anyKernel, weight: 1 },
    { arbitrary: fc.array(tie('k'), { minLength: 2, maxLength: 3 }).map(N.kprod), weight: 2 },
    { arbitrary: fc.tuple(tie('k'), tie('k')).map(([a, b]) => N.face(a, b)), weight: 1 },
  ),
})).k;

const map = fc.oneof(
  { arbitrary: squareMap, weight: 2 },
  { arbitrary: anyMap, weight: 2 },
  { arbitrary: anyMap.map(N.transpose), weight: 1 },
);

const feature: fc.Arbitrary<Expr> = fc.letrec<{ f: Expr }>(tie => ({
  f: fc.oneof(
    { depthSize: 'small' },
    { arbitrary: tensor, weight: 3 },
    {
      arbitrary: fc.tuple(fc.array(map, { minLength: 1, maxLength: 2 }), tie('f')).map(([m, t]) => N.fprod([...m, t])),
      weight: 3,
    },
    {
      arbitrary: fc.tuple(index, fc.boolean(), tie('f'), tie('f')).map(([l, s, a, b]) => N.bilinearOf(l, s, a, b)),
      weight: 1,
    },
    { arbitrary: fc.array(anyFeature, { minLength: 2, maxLength: 3 }).map(N.fprod), weight: 1 },
    { arbitrary: anyFeature.map(N.transpose), weight: 1 },
  ),
})).f;

const term: fc.Arbitrary<Expr> = fc.letrec<{ t: Expr }>(tie => ({
  t: fc.oneof(
    { depthSize: 'small', maxDepth: 3 },
    { arbitrary: fc.tuple(kernel, feature).map(([k, f]) => N.kron(k, f)), weight: 6 },
    { arbitrary: fc.tuple(squareKernel, map, tie('t')).map(([k, f, x]) => N.apply(N.kron(k, f), x)), weight: 2 },
    { arbitrary: fc.tuple(tie('t'), tie('t')).map(([op, x]) => N.apply(op, x)), weight: 1 },
    {
      arbitrary: fc.tuple(index, fc.boolean(), tie('t'), tie('t')).map(([l, s, a, b]) => N.pair(l, s, a, b)),
      weight: 1,
    },
    {
      arbitrary: fc.tuple(fc.integer({ min: -3, max: 3 }), tie('t')).map(([c, x]) => N.term(rational(c), x)),
      weight: 1,
    },
    { arbitrary: fc.array(tie('t'), { minLength: 2, maxLength: 3 }).map(N.sum), weight: 1 },
  ),
})).t;

function verdicts<T>(e: Expr, seed: number, check: (e: Expr) => T) {
  let space: T | undefined;
  try {
    space = check(e);
  } catch (error) {
    if (!(error instanceof ShapeError)) throw error;
  }
  try {
    return { space, value: new DenseEvaluator(randomDenseEnv(arch, seed, 4)).value(e) };
  } catch {
    return { space, value: undefined };
  }
}

describe('the checker and the dense evaluator agree on random products', () => {
  it('what the evaluator throws on is rejected; what is accepted evaluates to n × the space', () => {
    const seen = { accepted: 0, thrown: 0 };
    fc.assert(
      fc.property(term, fc.nat(), (e, seed) => {
        const { space, value } = verdicts(e, seed, termSpace);
        if (space) seen.accepted++;
        if (!value) {
          seen.thrown++;
          expect(space, `accepted ${printExpr(e)}`).toBeUndefined();
        }
        if (space) {
          expect(value?.rows).toBe(4);
          expect(value?.cols).toBe(sizeOf(space));
        }
      }),
      { numRuns: 1000 },
    );
    // both kinds are common enough for the property to mean something
    expect(seen.accepted).toBeGreaterThan(150);
    expect(seen.thrown).toBeGreaterThan(150);
  });
});

/** Columns of a shape in the evaluator, where every input is one of the n positions. */
function columns(s: Shape): number {
  if (s.kind === 'kernel') return 4 ** s.inputs;
  if (s.kind === 'tensor') return 4 ** s.inputs.length;
  return s.kind === 'map' ? sizeOf(s.cols) : 1;
}

const rows = (s: Shape) => (s.kind === 'kernel' ? 4 : s.kind === 'map' || s.kind === 'tensor' ? sizeOf(s.rows) : 0);

describe('the checker and the dense evaluator agree on random products of symbols', () => {
  it.each([
    [
      'features',
      fc
        .array(fc.oneof(anyFeature, anyMap.map(N.transpose)), { minLength: 2, maxLength: 4 })
        .map(N.fprod)
        // `I 1` is `1`, the homogeneous coordinate: meaningful only inside a bilinear map, not a product
        .filter(e => !(e.kind === 'vector' && e.name === 'one')),
    ],
    [
      'kernels',
      fc
        .array(
          fc.oneof(
            anyKernel,
            fc.tuple(anyKernel, anyKernel).map(([a, b]) => N.face(a, b)),
          ),
          { minLength: 2, maxLength: 4 },
        )
        .map(N.kprod),
    ],
  ])('%s: what the evaluator throws on is rejected; what is accepted has the evaluated size', (_, products) => {
    const seen = { accepted: 0, thrown: 0 };
    fc.assert(
      fc.property(products, fc.nat(), (e, seed) => {
        const { space: shape, value } = verdicts(e, seed, shapeOf);
        if (shape) seen.accepted++;
        if (!value) {
          seen.thrown++;
          expect(shape, `accepted ${printExpr(e)}`).toBeUndefined();
        }
        if (shape && shape.kind !== 'coordinate') {
          expect(value?.rows).toBe(rows(shape));
          expect(value?.cols).toBe(columns(shape));
        }
      }),
      { numRuns: 1000 },
    );
    expect(seen.accepted).toBeGreaterThan(100);
    expect(seen.thrown).toBeGreaterThan(100);
  });
});

describe('shapes by hand', () => {
  it.each([
    ['Id', 'n×n'],
    ['1', 'n×1'],
    ['A^{0.1} (A^{1.0} • D_ln1^{0})', 'n×n²'],
  ])('kernel %s is %s', (text, shape) => {
    expect(printShape(shapeOf(kernelOf(text)))).toBe(shape);
  });

  it.each([
    ['W_E', 'd×V'],
    ['W_pos', 'd×n'],
    ['W_U W_OV^{0.1} W_E', 'V×V'],
    ['W_Q^{0.1}ᵀ W_K^{0.1}', 'd×d'],
    ['W_V^{1.0} G_ln2^{0}', 'd_head^{1.0}×d'],
    ['B^{0}(W_E, B_sym^{1}(W_pos, W_E))', 'd×V·n·V'],
    ['B^{0}(1, W_E)', 'd×V'],
    ['b_O^{1}', 'd×1'],
    ['b_U', 'V×1'],
  ])('feature %s is %s', (text, shape) => {
    expect(printShape(shapeOf(featureOf(text)))).toBe(shape);
  });

  it('a bilinear pair takes residual-stream terms and the coordinate term 1 ⊗ 1', () => {
    expect(termSpace(parseFormula('B^{0}(Id ⊗ W_E + 1 ⊗ 1, 2 · (1 ⊗ 1))'))).toBe('d');
  });
});

/** The kernel of `K ⊗ W_E`, parsed. */
function kernelOf(text: string): Expr {
  const e = parseFormula(`${text} ⊗ W_E`);
  if (e.kind !== 'kron') throw new Error('not a term');
  return e.kernel;
}

function featureOf(text: string): Expr {
  const e = parseFormula(`Id ⊗ ${text}`);
  if (e.kind !== 'kron') throw new Error('not a term');
  return e.feature;
}
