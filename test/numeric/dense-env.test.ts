// The float64 route: every term's simplified formula, evaluated by the reference evaluator on the
// real weights and the frozen quantities, adds up to the tfjs forward pass (float32).
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { expand } from '../../src/model/expand.js';
import { DenseEvaluator } from '../../src/formula/evaluate-dense.js';
import { formula, rawFormula } from '../../src/model/term-formula.js';
import { useBackend } from '../../src/numeric/backend.js';
import { denseEnvOf } from '../../src/numeric/dense-env.js';
import { disposeFrozen, forwardOne } from '../../src/numeric/forward.js';
import { disposeWeights, randomWeights } from '../../src/numeric/weights.js';
import { smallArchitecture } from '../arbitraries.js';
import { termsAtMost } from '../sample.js';

beforeAll(async () => {
  await useBackend('cpu');
});

describe('formulas on real weights (float64) = forward pass (float32)', () => {
  // models of at most 1,000 terms, so a run takes seconds (`npm run bench -- sum-of-terms`: larger ones)
  it('Σ formula values = logits, simplified and raw', () => {
    fc.assert(
      fc.property(
        smallArchitecture(2).filter(termsAtMost(1000)),
        fc.integer({ min: 0, max: 1000 }),
        fc.boolean(),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 3 }),
        (arch, seed, simplified, tokens) => {
          const weights = randomWeights(arch, seed);
          const { logits, frozen } = forwardOne(arch, weights, tokens);
          const evaluator = new DenseEvaluator(denseEnvOf(arch, weights, tokens, frozen));
          const total = new Float64Array(logits.size);
          const mass = new Float64Array(logits.size);
          for (const term of expand(arch, { symmetrize: simplified })) {
            const value = evaluator.value(simplified ? formula(term, arch) : rawFormula(term, arch));
            expect([value.rows, value.cols]).toEqual([tokens.length, arch.vocab]);
            value.data.forEach((v, i) => {
              total[i]! += v;
              mass[i]! += Math.abs(v);
            });
          }
          const expected = logits.dataSync();
          total.forEach((v, i) => {
            expect(Math.abs(v - expected[i]!)).toBeLessThan(2e-5 * Math.max(1, mass[i]!));
          });
          disposeFrozen(frozen);
          disposeWeights(weights);
          logits.dispose();
        },
      ),
      { numRuns: 40 },
    );
  });
});
