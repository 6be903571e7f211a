// Every rewrite rule is a theorem: replay the steps the simplifier takes on random models and
// compare the values of both sides in float64 (the numeric hook of docs/design.md §1 "Identities").
// The suite replays a sample: 300 terms spread over each model's expansion and, of their traces, a few
// steps of every rule on every shape of redex it fired on; `npm run bench -- soundness` replays every step.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expand, type Term } from '../../src/model/expand.js';
import { DenseEvaluator } from '../../src/formula/evaluate-dense.js';
import { maxAbsDifference } from '../../src/linalg/matrix.js';
import { formula, rawFormula } from '../../src/model/term-formula.js';
import * as N from '../../src/formula/nodes.js';
import { Rewriter, simplifyWithTrace, type Step } from '../../src/simplify/rewrite.js';
import { rules } from '../../src/simplify/rules.js';
import { simplifySum } from '../../src/simplify/sum.js';
import type { Architecture } from '../../src/language/architecture.js';
import { compile } from '../../src/model/spec.js';
import { randomDenseEnv, smallArchitecture } from '../arbitraries.js';
import { everyNth, termsAtMost } from '../sample.js';
import { redexShape, sampleSteps } from './steps.js';

const TOLERANCE = 1e-9;
/** Terms replayed per model, and steps checked per rule and shape of redex. */
const TERMS = 300;
const STEPS_PER_SHAPE = 4;

/** Every feature (biases, positions, LayerNorms, two layers), so every rule but fuse-qk fires whatever the draws. */
const ALL_FEATURES = compile(
  'model all { vocab 4; context 3; width 3; embed positional\n' +
    ' layers 2 { norm layer; attention heads 2 size 2 bias; norm layer; bilinear hidden 3 bias }\n' +
    ' norm layer; unembed bias }\n',
)[0]!;

const sumOf = (terms: readonly Term[], arch: Architecture, simplified: boolean) =>
  N.sum(terms.map(t => (simplified ? formula(t, arch) : rawFormula(t, arch))));

describe('rewrite rules are sound', () => {
  it('sampled steps of every rule, on every shape of redex, preserve the value', () => {
    const fired = new Set<string>();
    const replay = (arch: Architecture, symmetrize: boolean, seed: number) => {
      const evaluator = new DenseEvaluator(randomDenseEnv(arch, seed));
      const trace: Step[] = [];
      const rewriter = new Rewriter(rules, trace);
      for (const term of everyNth([...expand(arch, { symmetrize, maxDegree: 2 })], TERMS)) {
        const raw = rawFormula(term, arch);
        expect(maxAbsDifference(evaluator.value(raw), evaluator.value(rewriter.simplify(raw)))).toBeLessThan(TOLERANCE);
      }
      for (const step of sampleSteps(trace, STEPS_PER_SHAPE)) {
        fired.add(step.rule);
        const error = maxAbsDifference(evaluator.value(step.before), evaluator.value(step.after));
        expect(error, `${step.rule} on ${redexShape(step.before)}`).toBeLessThan(TOLERANCE);
      }
    };
    fc.assert(fc.property(smallArchitecture(2), fc.boolean(), fc.integer(), replay), { numRuns: 12 });
    replay(ALL_FEATURES, true, 1);
    // fuse-qk and the rules of score formulas fire on score terms only (test/numeric/scores.test.ts, verify)
    const scoreOnly = ['fuse-qk', 'score-split', 'transpose-product', 'symmetric-transpose'];
    const expected = rules.map(r => r.name).filter(n => !scoreOnly.includes(n));
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
        for (const term of everyNth([...expand(arch, { symmetrize, maxDegree: 3 })], TERMS))
          expect(formula(term, arch)).toBe(rewriter.simplify(rawFormula(term, arch)));
      }),
      { numRuns: 40 },
    );
  });

  it('simplification is idempotent', () => {
    fc.assert(
      fc.property(smallArchitecture(2), arch => {
        const rewriter = new Rewriter();
        for (const term of everyNth([...expand(arch, { maxDegree: 2 })], TERMS)) {
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
      { numRuns: 25 },
    );
  });

  it('the symmetrized sum has the value of the ordered sum', () => {
    fc.assert(
      fc.property(smallArchitecture(2).filter(termsAtMost(2000, 2)), fc.integer(), (arch, seed) => {
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
