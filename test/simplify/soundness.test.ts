// Every rewrite rule is a theorem: replay every step the simplifier takes on random models and
// compare the values of both sides in float64 (the numeric hook of docs/design.md §1 "Identities").
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expand, type Term } from '../../src/model/expand.js';
import { DenseEvaluator, maxAbsDifference } from '../../src/formula/evaluate-dense.js';
import { formula, rawFormula } from '../../src/model/term-formula.js';
import * as N from '../../src/formula/nodes.js';
import { Rewriter, simplifyWithTrace } from '../../src/simplify/rewrite.js';
import { rules } from '../../src/simplify/rules.js';
import { simplifySum } from '../../src/simplify/sum.js';
import type { Architecture } from '../../src/language/architecture.js';
import { compile } from '../../src/language/index.js';
import { randomDenseEnv, smallArchitecture } from '../arbitraries.js';

const TOLERANCE = 1e-9;
const sumOf = (terms: readonly Term[], arch: Architecture, simplified: boolean) =>
  N.sum(terms.map(t => (simplified ? formula(t, arch) : rawFormula(t, arch))));

describe('rewrite rules are sound', () => {
  it('every step of every trace preserves the value', () => {
    const fired = new Set<string>();
    const replay = (arch: Architecture, symmetrize: boolean, seed: number) => {
      const evaluator = new DenseEvaluator(randomDenseEnv(arch, seed));
      for (const term of expand(arch, { symmetrize, maxDegree: 2 })) {
        const { result, trace } = simplifyWithTrace(rawFormula(term, arch));
        for (const step of trace) {
          fired.add(step.rule);
          expect(maxAbsDifference(evaluator.value(step.before), evaluator.value(step.after)), step.rule).toBeLessThan(
            TOLERANCE,
          );
        }
        expect(maxAbsDifference(evaluator.value(rawFormula(term, arch)), evaluator.value(result))).toBeLessThan(
          TOLERANCE,
        );
      }
    };
    fc.assert(fc.property(smallArchitecture(2), fc.boolean(), fc.integer(), replay), { numRuns: 12 });
    // a model with every feature (biases, positions, LayerNorms, two layers), so every rule fires whatever the draws
    replay(
      compile(
        'model all { vocab 4; context 3; width 3; embed positional\n layers 2 { norm layer; attention heads 2 size 2 bias; norm layer; bilinear hidden 3 bias }\n norm layer; unembed bias }\n',
      )[0]!,
      true,
      1,
    );
    const expected = rules.map(r => r.name).filter(n => n !== 'fuse-qk');
    expect([...fired].sort()).toEqual(expect.arrayContaining(expected));
  });

  it('W_Qᵀ W_K = W_QK', () => {
    const arch = {
      name: 'qk',
      vocab: 4,
      context: 3,
      width: 3,
      positional: false,
      layers: [],
      unembed: { bias: false },
      renames: new Map(),
    };
    const e = N.fprod([N.transpose(N.weight('W_Q', 0, 1)), N.weight('W_K', 0, 1)]);
    const { result, trace } = simplifyWithTrace(e);
    expect(result).toBe(N.weight('W_QK', 0, 1));
    expect(trace.map(s => s.rule)).toEqual(['fuse-qk']);
    const evaluator = new DenseEvaluator(randomDenseEnv(arch, 7));
    expect(maxAbsDifference(evaluator.value(e), evaluator.value(result))).toBeLessThan(TOLERANCE);
  });

  it('the memoized step-by-step formula is the simplified raw formula', () => {
    fc.assert(
      fc.property(smallArchitecture(2), fc.boolean(), (arch, symmetrize) => {
        const rewriter = new Rewriter();
        for (const term of expand(arch, { symmetrize, maxDegree: 3 }))
          expect(formula(term, arch)).toBe(rewriter.simplify(rawFormula(term, arch)));
      }),
      { numRuns: 40 },
    );
  });

  it('simplification is idempotent', () => {
    fc.assert(
      fc.property(smallArchitecture(2), arch => {
        const rewriter = new Rewriter();
        for (const term of expand(arch, { maxDegree: 2 })) {
          const once = formula(term, arch);
          expect(rewriter.simplify(once)).toBe(once);
        }
      }),
      { numRuns: 40 },
    );
  });
});

describe('laws on sums', () => {
  const asMap = (terms: readonly Term[]) => new Map(terms.map(t => [t.path, t.coefficient.toFraction()]));

  it('simplifying the ordered expansion gives exactly the symmetrized expansion', () => {
    fc.assert(
      fc.property(smallArchitecture(2), arch => {
        expect(asMap(simplifySum([...expand(arch, { symmetrize: false })]))).toEqual(asMap([...expand(arch)]));
      }),
      { numRuns: 60 },
    );
  });

  it('the symmetrized sum has the value of the ordered sum', () => {
    fc.assert(
      fc.property(smallArchitecture(2), fc.integer(), (arch, seed) => {
        const evaluator = new DenseEvaluator(randomDenseEnv(arch, seed));
        const ordered = evaluator.value(sumOf([...expand(arch, { symmetrize: false, maxDegree: 2 })], arch, false));
        const symmetrized = evaluator.value(sumOf([...expand(arch, { maxDegree: 2 })], arch, true));
        expect(maxAbsDifference(ordered, symmetrized)).toBeLessThan(1e-8);
      }),
      { numRuns: 30 },
    );
  });

  it('symmetrization never merges terms that are not mirror pairs: any sub-sum keeps its value', () => {
    fc.assert(
      fc.property(smallArchitecture(1), fc.integer(), fc.infiniteStream(fc.boolean()), (arch, seed, keep) => {
        const subset = [...expand(arch, { symmetrize: false })].filter(() => keep.next().value);
        fc.pre(subset.length > 0);
        const evaluator = new DenseEvaluator(randomDenseEnv(arch, seed));
        const before = evaluator.value(sumOf(subset, arch, false));
        const after = evaluator.value(sumOf(simplifySum(subset), arch, true));
        expect(maxAbsDifference(before, after)).toBeLessThan(1e-8);
      }),
      { numRuns: 60 },
    );
  });
});
