// The law of score terms (docs/design.md §1): with earlier patterns and norm scales frozen, a head's score terms
// add up to the forward pass's pre-softmax scores at every query and key position, on random architectures
// with and without rotary attention, biases and norms. Each term is also evaluated a second, independent way:
// its formula through the float64 reference evaluator.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { DenseEvaluator } from '../../src/formula/evaluate-dense.js';
import type { Architecture, Layer } from '../../src/language/architecture.js';
import { expandScores, rawScoreFormula, scoreFormula, type ScoreTarget } from '../../src/model/scores.js';
import { maxAbsDifference } from '../../src/linalg/matrix.js';
import { simplifyWithTrace } from '../../src/simplify/rewrite.js';
import { useBackend } from '../../src/numeric/backend.js';
import { disposeFrozen, forwardOne } from '../../src/numeric/forward.js';
import { evaluateScores } from '../../src/numeric/scores.js';
import { disposeWeights, randomWeights } from '../../src/numeric/weights.js';
import { frozenEnv } from '../../src/verify/laws.js';
import { smallLayer } from '../arbitraries.js';

// float32 forward pass against float64 sums of float32 projections: rounding scales with Σ|term|
const FLOAT32_RELATIVE = 1e-4;
const FLOAT64_AGAINST_FLOAT32 = 1e-4;

const attentionLayer: fc.Arbitrary<Layer> = fc
  .record({
    heads: fc.integer({ min: 1, max: 2 }),
    headSize: fc.constantFrom(2, 4),
    bias: fc.boolean(),
    norm: fc.constantFrom(undefined, 'rms' as const, 'layer' as const),
    rotary: fc.option(fc.record({ base: fc.constantFrom(10_000, 10) }), { nil: undefined }),
  })
  .map(
    a => ({ attention: Object.fromEntries(Object.entries(a).filter(([, v]) => v !== undefined)) }) as unknown as Layer,
  );

/** Random earlier layers, then a layer whose attention is the target. */
const withTarget: fc.Arbitrary<{ arch: Architecture; target: ScoreTarget }> = fc
  .record({ before: fc.array(smallLayer, { maxLength: 1 }), last: attentionLayer, positional: fc.boolean() })
  .chain(({ before, last, positional }) =>
    fc.integer({ min: 0, max: last.attention!.heads - 1 }).map(head => ({
      arch: {
        name: 'random',
        vocab: 4,
        context: 3,
        width: 4,
        positional,
        layers: [...before, last],
        unembed: {},
        renames: new Map(),
      } as unknown as Architecture,
      target: { layer: before.length, head },
    })),
  );

const tokensOf = fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 3 });

beforeAll(async () => {
  await useBackend('cpu');
});

describe('Σ score terms = forward scores', () => {
  it('at every query and key position, each term evaluated on its own', () => {
    fc.assert(
      fc.property(withTarget, fc.integer(), tokensOf, ({ arch, target }, seed, tokens) => {
        const weights = randomWeights(arch, seed);
        try {
          const terms = expandScores(arch, target);
          const values = evaluateScores(arch, weights, tokens, target, terms);
          const n = tokens.length;
          for (let i = 0; i < n; i++)
            for (let j = 0; j < n; j++) {
              const each = values.at(i, j);
              const total = each.reduce((s, x) => s + x, 0);
              const mass = each.reduce((s, x) => s + Math.abs(x), 0);
              expect(Math.abs(total - values.forward[i * n + j]!)).toBeLessThan(FLOAT32_RELATIVE * Math.max(1, mass));
              // totals() gathers the same terms per query path
              expect(Math.abs(values.totals().sum[i * n + j]! - total)).toBeLessThan(1e-9 * Math.max(1, mass));
            }
        } finally {
          disposeWeights(weights);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('each term equals its formula through the float64 reference evaluator', () => {
    fc.assert(
      fc.property(withTarget, fc.integer(), tokensOf, fc.nat(), ({ arch, target }, seed, tokens, offset) => {
        const weights = randomWeights(arch, seed);
        const { logits, frozen } = forwardOne(arch, weights, tokens);
        try {
          const evaluator = new DenseEvaluator(frozenEnv({ arch, weights, tokens }, frozen));
          const terms = expandScores(arch, target, { maxDegree: 2 });
          const values = evaluateScores(arch, weights, tokens, target, terms);
          const n = tokens.length;
          sampled(terms.length, offset).forEach(t => {
            const term = terms[t]!;
            // every rewrite step from the raw score to its normal form keeps the value (float64)
            for (const step of simplifyWithTrace(rawScoreFormula(term, arch, target)).trace) {
              const [before, after] = [evaluator.value(step.before), evaluator.value(step.after)];
              const scale = Math.max(1, ...before.data.map(Math.abs));
              expect(maxAbsDifference(before, after), step.rule).toBeLessThan(1e-9 * scale);
            }
            const dense = evaluator.value(scoreFormula(term, arch, target));
            expect([dense.rows, dense.cols]).toEqual([n, n]);
            for (let i = 0; i < n; i++)
              for (let j = 0; j < n; j++) {
                const numeric = values.at(i, j)[t]!;
                expect(Math.abs(dense.data[i * n + j]! - numeric)).toBeLessThan(
                  FLOAT64_AGAINST_FLOAT32 * Math.max(1, Math.abs(numeric)),
                );
              }
          });
        } finally {
          disposeFrozen(frozen);
          logits.dispose();
          disposeWeights(weights);
        }
      }),
      { numRuns: 25 },
    );
  });
});

/**
 * At most SAMPLED_TERMS term indices, evenly spread from a random offset: a target after a full layer has up to
 * ~5,600 score terms and ~100,000 rewrite steps, each evaluated densely, which would take minutes per case. Every
 * term of every head is checked by verify's score laws (test/verify/laws.test.ts).
 */
function sampled(count: number, offset: number): number[] {
  const stride = Math.max(1, Math.ceil(count / SAMPLED_TERMS));
  const first = offset % stride;
  return Array.from({ length: Math.ceil((count - first) / stride) }, (_, k) => first + k * stride);
}
const SAMPLED_TERMS = 40;
