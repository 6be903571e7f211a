// Truncation laws: the rank-k layer's Q_{e_o} is exactly the rank-k part of the original's; at full
// rank the truncated model is the model (forward pass, any architecture); the kept share rises to 1;
// `score` is the mean cross-entropy and accuracy at the last position.
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { bilinearForm, formDimension } from '../../src/analysis/bilinear.js';
import { lowRank } from '../../src/analysis/eigen.js';
import { interactionMatrix } from '../../src/analysis/interaction.js';
import { score } from '../../src/analysis/score.js';
import { keptShare, outputEigenbasis, truncatedForm, withBilinearLayer } from '../../src/analysis/truncation.js';
import { useBackend } from '../../src/numeric/backend.js';
import { forward, forwardOne, disposeFrozen } from '../../src/numeric/forward.js';
import { disposeWeights, randomWeights } from '../../src/numeric/weights.js';
import type { Architecture } from '../../src/language/architecture.js';
import { smallArchitecture } from '../arbitraries.js';

beforeAll(async () => {
  await useBackend(process.env.PATHSUM_TEST_BACKEND === 'cpu' ? 'cpu' : 'wasm');
});

/** Small architectures with at least one bilinear block, and the index of one of them. */
const withBilinear = smallArchitecture(2)
  .filter(a => a.layers.some(l => l.bilinear))
  .chain(a => fc.tuple(fc.constant(a), fc.constantFrom(...a.layers.flatMap((l, i) => (l.bilinear ? [i] : [])))));

const unit = (d: number, o: number) => Float64Array.from({ length: d }, (_, i) => (i === o ? 1 : 0));

describe('low-rank truncation of a bilinear layer', () => {
  it("the rank-k layer's Q_{e_o} is the top-k eigencomponents of the original's; at full rank, the original", () => {
    fc.assert(
      fc.property(
        withBilinear,
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 1, max: 6 }),
        ([arch, layer], seed, k) => {
          const weights = randomWeights(arch, seed);
          const form = bilinearForm(arch, weights, layer);
          disposeWeights(weights);
          const basis = outputEigenbasis(form);
          const truncated = truncatedForm(form, basis, k);
          expect(truncated.output.rows).toBe(arch.width * Math.min(k, formDimension(form)));
          for (let o = 0; o < arch.width; o++) {
            const q = interactionMatrix(truncated, unit(arch.width, o));
            const expected =
              k >= formDimension(form) ? interactionMatrix(form, unit(arch.width, o)) : lowRank(basis[o]!, k);
            q.data.forEach((x, i) => {
              expect(Math.abs(x - expected.data[i]!)).toBeLessThan(1e-12 * (1 + Math.abs(expected.data[i]!)));
            });
          }
          const shares = [1, 2, 3, 4, 5].map(r => keptShare(basis, r));
          for (let r = 1; r < shares.length; r++) expect(shares[r]!).toBeGreaterThanOrEqual(shares[r - 1]! - 1e-15);
          expect(keptShare(basis, formDimension(form))).toBeCloseTo(1, 12);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('at full rank the model with the truncated layer has the forward pass of the original (float32)', () => {
    fc.assert(
      fc.property(
        withBilinear,
        fc.integer({ min: 0, max: 10_000 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 3 }),
        ([arch, layer], seed, tokens) => {
          const weights = randomWeights(arch, seed);
          const form = bilinearForm(arch, weights, layer);
          const model = withBilinearLayer(
            arch,
            weights,
            truncatedForm(form, outputEigenbasis(form), formDimension(form)),
          );
          const [expected, found] = tf.tidy(() => {
            const input = tf.tensor2d([tokens], [1, tokens.length], 'int32');
            return [
              forward(arch, weights, input).logits.arraySync()[0]!,
              forward(model.arch, model.weights, input).logits.arraySync()[0]!,
            ];
          });
          for (const t of model.created) t.dispose();
          disposeWeights(weights);
          const size = Math.max(1, ...expected.flat().map(Math.abs));
          expected.forEach((row, t) => {
            row.forEach((x, c) => {
              expect(Math.abs(found[t]![c]! - x)).toBeLessThan(1e-3 * size);
            });
          });
        },
      ),
      { numRuns: 60 },
    );
  });

  it('score is the mean next-token cross-entropy and argmax accuracy at the last position', () => {
    const arch: Architecture = {
      name: 'm',
      vocab: 5,
      context: 4,
      width: 3,
      positional: true,
      layers: [{ attention: { heads: 1, headSize: 2, bias: false }, bilinear: { hidden: 4, bias: true } }],
      unembed: { bias: true },
      renames: new Map(),
    };
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1000 }),
        fc.array(
          fc.tuple(
            fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 4 }),
            fc.integer({ min: 0, max: 4 }),
          ),
          { minLength: 1, maxLength: 8 },
        ),
        (seed, examples) => {
          const weights = randomWeights(arch, seed);
          let loss = 0;
          let correct = 0;
          for (const [tokens, target] of examples) {
            const { logits, frozen } = forwardOne(arch, weights, tokens);
            const last = logits.arraySync()[tokens.length - 1]!;
            const max = Math.max(...last);
            loss -= last[target]! - max - Math.log(last.reduce((s, x) => s + Math.exp(x - max), 0));
            if (last.indexOf(max) === target) correct++;
            logits.dispose();
            disposeFrozen(frozen);
          }
          const found = score(arch, weights, { tokens: examples.map(e => e[0]), targets: examples.map(e => e[1]) });
          disposeWeights(weights);
          expect(found.loss).toBeCloseTo(loss / examples.length, 4);
          expect(found.accuracy).toBeCloseTo(correct / examples.length, 10);
        },
      ),
      { numRuns: 30 },
    );
  });
});
