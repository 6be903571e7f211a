// Weight-only circuits (Elhage et al. 2021) and composition scores (TransformerLens): the factored routes of
// src/analysis/circuits.ts against brute force (every d × d and V × V matrix formed), and the copying score on
// constructed weights.
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { circuits, compositionScores, eigenSummary, type HeadWeights } from '../../src/analysis/circuits.js';
import { eigenDecomposition } from '../../src/analysis/eigen.js';
import { eigenvalues } from '../../src/linalg/eigenvalues.js';
import { frobeniusSquared, type Matrix, matrix, multiply, transpose } from '../../src/linalg/matrix.js';
import { compile } from '../../src/model/spec.js';
import { useBackend } from '../../src/numeric/backend.js';
import { disposeWeights, randomWeights } from '../../src/numeric/weights.js';
import { rng } from '../arbitraries.js';

beforeAll(async () => {
  await useBackend('cpu');
});

const gaussian = (random: () => number, rows: number, cols: number) => matrix(rows, cols, () => random() * 2 - 1);
const frobenius = (m: Matrix) => Math.sqrt(frobeniusSquared(m));

/** TransformerLens, row convention, with every d × d matrix formed. */
function bruteForce(a: HeadWeights, b: HeadWeights) {
  const ov = (w: HeadWeights) => multiply(w.W_V, w.W_O);
  const qk = (w: HeadWeights) => multiply(w.W_Q, transpose(w.W_K));
  const score = (x: Matrix, y: Matrix) => frobenius(multiply(x, y)) / (frobenius(x) * frobenius(y));
  return { q: score(ov(a), qk(b)), k: score(ov(a), transpose(qk(b))), v: score(ov(a), ov(b)) };
}

const head = (random: () => number, d: number, dh: number): HeadWeights => ({
  W_Q: gaussian(random, d, dh),
  W_K: gaussian(random, d, dh),
  W_V: gaussian(random, d, dh),
  W_O: gaussian(random, dh, d),
});

describe('composition scores', () => {
  it('match the d × d brute force on random weights', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 2, max: 9 }), fc.integer({ min: 1, max: 5 }), (seed, d, dh) => {
        const random = rng(seed);
        const [a, b] = [head(random, d, dh), head(random, d, dh)];
        const factored = compositionScores(a, b);
        const brute = bruteForce(a, b);
        for (const k of ['q', 'k', 'v'] as const) expect(factored[k]).toBeCloseTo(brute[k], 10);
      }),
      { numRuns: 100 },
    );
  });

  it('are listed for every pair of heads in different layers', () => {
    const arch = compile(
      'model m {\n vocab 6\n context 4\n width 8\n embed\n layers 3 { attention heads 2 size 4 }\n unembed\n}\n',
    )[0]!;
    const weights = randomWeights(arch, 1);
    try {
      const result = circuits(arch, weights);
      expect(result.heads).toHaveLength(6);
      // 2 heads × 4 later heads from layer 0, 2 × 2 from layer 1
      expect(result.composition).toHaveLength(12);
      expect(result.composition.every(c => c.from.layer < c.to.layer)).toBe(true);
    } finally {
      disposeWeights(weights);
    }
  });
});

describe('eigenvalues of a circuit', () => {
  it('sum to the trace and, for a symmetric matrix, are those of the symmetric solver', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 24 }), (seed, n) => {
        const random = rng(seed);
        const m = gaussian(random, n, n);
        const values = eigenvalues(m);
        let trace = 0;
        for (let i = 0; i < n; i++) trace += m.data[i * n + i]!;
        expect(values.reduce((s, v) => s + v[0], 0)).toBeCloseTo(trace, 9);
        expect(Math.abs(values.reduce((s, v) => s + v[1], 0))).toBeLessThan(1e-9);
        const symmetric = multiply(m, transpose(m));
        const ours = eigenvalues(symmetric)
          .map(v => v[0])
          .sort((a, b) => a - b);
        const reference = [...eigenDecomposition(symmetric).values].sort((a, b) => a - b);
        ours.forEach((v, i) => {
          expect(v).toBeCloseTo(reference[i]!, 8);
        });
      }),
      { numRuns: 100 },
    );
  });

  it('a rotation by 90° has eigenvalues ±i', () => {
    const values = eigenvalues({ rows: 2, cols: 2, data: Float64Array.from([0, -1, 1, 0]) });
    const sorted = values
      .map(v => [Math.round(v[0] * 1e12) / 1e12, Math.round(v[1] * 1e12) / 1e12])
      .sort((a, b) => a[1]! - b[1]!);
    expect(sorted).toEqual([
      [0, -1],
      [0, 1],
    ]);
    expect(eigenSummary({ rows: 2, cols: 2, data: Float64Array.from([0, -1, 1, 0]) }).copying).toBeCloseTo(0, 12);
  });
});

describe('copying score', () => {
  // d = V = d_head, W_V = W_O = I and W_U = W_Eᵀ: the OV circuit W_E W_Eᵀ is positive semi-definite, so every
  // eigenvalue is ≥ 0 and the copying score is 1; with W_O = −I every eigenvalue is ≤ 0 and it is −1.
  const arch = compile(
    'model m {\n vocab 5\n context 4\n width 5\n embed\n layers 1 { attention heads 1 size 5 }\n unembed\n}\n',
  )[0]!;
  const constructed = (sign: number) => {
    const weights = new Map(randomWeights(arch, 3));
    const E = weights.get('embed.W_E')!;
    const identity = tf.eye(5);
    weights.set('blocks.0.attn.W_V', tf.reshape(identity, [1, 5, 5]));
    weights.set('blocks.0.attn.W_O', tf.reshape(tf.mul(identity, sign), [1, 5, 5]));
    weights.set('unembed.W_U', tf.transpose(E));
    return weights;
  };

  for (const [sign, expected] of [
    [1, 1],
    [-1, -1],
  ] as const) {
    it(`is ${expected} for W_OV = ${sign > 0 ? '' : '−'}I with W_U = W_Eᵀ`, () => {
      const weights = constructed(sign);
      try {
        expect(circuits(arch, weights).heads[0]!.ov.copying).toBeCloseTo(expected, 10);
      } finally {
        disposeWeights(weights);
      }
    });
  }
});
