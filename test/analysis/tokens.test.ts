// Token space: bounded top-k equals sorting; the pair table's top entries equal brute force; and the
// token inputs (embedding, and `via ov` through the heads) rebuild the forward pass's logit for a
// one-token sequence, where every head attends to the only token with weight 1.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { bilinearForm } from '../../src/analysis/bilinear.js';
import { interactionMatrix } from '../../src/analysis/interaction.js';
import { dot, quadratic, row, zeros } from '../../src/linalg/matrix.js';
import { outputDirection } from '../../src/analysis/direction.js';
import { tokenInputs, tokenPairs, topBy } from '../../src/analysis/tokens.js';
import { useBackend } from '../../src/numeric/backend.js';
import { disposeFrozen, forwardOne } from '../../src/numeric/forward.js';
import { disposeWeights, randomWeights } from '../../src/numeric/weights.js';
import type { Architecture } from '../../src/language/architecture.js';

beforeAll(async () => {
  await useBackend(process.env.PATHSUM_TEST_BACKEND === 'cpu' ? 'cpu' : 'wasm');
});

describe('token space', () => {
  it('topBy keeps the k best by score, best first', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -50, max: 50 })), fc.integer({ min: 1, max: 8 }), (xs, k) => {
        const expected = [...xs].sort((a, b) => b - a).slice(0, k);
        expect(topBy(xs, k, x => x).map(s => s.value)).toEqual(expected);
      }),
    );
  });

  it('the pair table T[a,b] = x̃_aᵀ Q x̃_b: its top entries by value and |value| are the brute-force ones', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 66, maxLength: 66 }),
        (V, n, xs) => {
          const inputs = {
            matrix: { rows: V, cols: n, data: Float64Array.from({ length: V * n }, (_, i) => xs[i]!) },
            notes: [],
          };
          const q = zeros(n, n);
          for (let i = 0; i < n; i++)
            for (let j = 0; j <= i; j++) q.data[i * n + j] = q.data[j * n + i] = xs[30 + i * 5 + j]!;
          const all = [];
          for (let a = 0; a < V; a++)
            for (let b = a; b < V; b++) all.push(quadratic(q, row(inputs.matrix, a), row(inputs.matrix, b)));
          const { top, topAbs } = tokenPairs(inputs, q, 3);
          expect(top.map(p => p.value)).toEqual(
            [...all]
              .sort((x, y) => y - x)
              .slice(0, 3)
              .map(v => expect.closeTo(v, 10)),
          );
          expect(topAbs.map(p => Math.abs(p.value))).toEqual(
            [...all]
              .map(Math.abs)
              .sort((x, y) => y - x)
              .slice(0, 3)
              .map(v => expect.closeTo(v, 10)),
          );
          for (const p of top) expect(p.a).toBeLessThanOrEqual(p.b);
        },
      ),
    );
  });

  it('ordered pairs (b read from other inputs) among the first tokens: the brute-force top entries', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 90, maxLength: 90 }),
        (V, among, n, xs) => {
          const make = (offset: number) => ({
            matrix: { rows: V, cols: n, data: Float64Array.from({ length: V * n }, (_, i) => xs[offset + i]!) },
            notes: [],
          });
          const [left, right] = [make(0), make(30)];
          const q = zeros(n, n);
          for (let i = 0; i < n; i++)
            for (let j = 0; j <= i; j++) q.data[i * n + j] = q.data[j * n + i] = xs[60 + i * 4 + j]!;
          const m = Math.min(V, among);
          const all = [];
          for (let a = 0; a < m; a++)
            for (let b = 0; b < m; b++)
              all.push({ a, b, value: quadratic(q, row(left.matrix, a), row(right.matrix, b)) });
          const { top } = tokenPairs(left, q, 4, { right, among });
          expect(top.map(p => p.value)).toEqual(
            all
              .map(p => p.value)
              .sort((x, y) => y - x)
              .slice(0, 4)
              .map(v => expect.closeTo(v, 10)),
          );
          for (const p of top) expect(Math.max(p.a, p.b)).toBeLessThan(m);
        },
      ),
    );
  });

  it('embedding + heads rebuild the logit of a one-token sequence: x = W_E[a] + Σ_h W_E[a] W_V W_O', () => {
    const arch = (H: number, bias: boolean): Architecture => ({
      name: 'one',
      vocab: 6,
      context: 2,
      width: 4,
      positional: false,
      layers: [{ attention: { heads: H, headSize: 2, bias: false }, bilinear: { hidden: 5, bias } }],
      unembed: { bias: false },
      renames: new Map(),
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 0, max: 5 }),
        (H, bias, seed, a, c) => {
          const model = arch(H, bias);
          const weights = randomWeights(model, seed);
          const { logits, frozen } = forwardOne(model, weights, [a]);
          const form = bilinearForm(model, weights, 0);
          const { u } = outputDirection(model, weights, 0, { kind: 'token', token: c });
          const q = interactionMatrix(form, u);
          const direct = row(tokenInputs(model, weights, form).matrix, a);
          const heads = row(tokenInputs(model, weights, form, { via: { kind: 'ov' } }).matrix, a);
          const perHead = Array.from({ length: H }, (_, h) =>
            row(tokenInputs(model, weights, form, { via: { kind: 'ov', head: h } }).matrix, a),
          );
          const d = model.width;
          perHead
            .reduce((sum, x) => sum.map((s, i) => s + x[i]!), new Float64Array(d))
            .forEach((s, i) => {
              expect(s).toBeCloseTo(heads[i]!, 10);
            });
          const x = Float64Array.from({ length: form.input.rows }, (_, i) => (i < d ? direct[i]! + heads[i]! : 1));
          const expected = dot(x.subarray(0, d), u) + quadratic(q, x) + (bias ? dot(form.outputBias, u) : 0);
          const found = logits.arraySync()[0]![c]!;
          logits.dispose();
          disposeFrozen(frozen);
          disposeWeights(weights);
          expect(Math.abs(found - expected)).toBeLessThan(1e-4 * (1 + Math.abs(expected)));
        },
      ),
      { numRuns: 60 },
    );
  });
});
