// The weight view (src/numeric/weight-view.ts): each derived quantity against the weights multiplied out
// here by hand in float64, the tfjs and float64 routes against each other, and the laws that tie a map to
// its pull-back (⟨N x, u⟩ = ⟨x, Nᵀ u⟩ for a frozen norm N, and through W_U for a logit direction).
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import type { Architecture, NormKind } from '../../src/language/architecture.js';
import { HOMOGENEOUS, site } from '../../src/language/site.js';
import { useBackend } from '../../src/numeric/backend.js';
import { W_U, WeightView } from '../../src/numeric/weight-view.js';
import { disposeWeights, randomWeights, type Weights } from '../../src/numeric/weights.js';
import { rng } from '../arbitraries.js';

beforeAll(async () => {
  await useBackend('cpu');
});

type M = number[][];
const matmul = (a: M, b: M): M => a.map(r => b[0]!.map((_, j) => r.reduce((s, x, k) => s + x * b[k]![j]!, 0)));
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, x, i) => s + x * b[i]!, 0);
const get = (w: Weights, key: string) => w.get(key)!.arraySync() as M;
const headOf = (w: Weights, key: string, h: number) => (w.get(key)!.arraySync() as M[])[h]!;

/** Entries agree to float32 rounding, relative to the larger of 1 and the entry. */
function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-5) {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++)
    expect(Math.abs(actual[i]! - expected[i]!), `entry ${i}`).toBeLessThan(
      tolerance * Math.max(1, Math.abs(expected[i]!)),
    );
}

const norm = fc.constantFrom<NormKind | undefined>(undefined, 'rms', 'layer');

/** One layer with every norm site and every bias, norms of the kinds drawn. */
const architecture = fc.record({ ln1: norm, ln2: norm, final: norm }).map(
  (n): Architecture => ({
    name: 'view',
    vocab: 5,
    context: 3,
    width: 4,
    positional: true,
    layers: [
      {
        attention: { heads: 2, headSize: 3, bias: true, ...(n.ln1 ? { norm: n.ln1 } : {}) },
        bilinear: { hidden: 3, bias: true, ...(n.ln2 ? { norm: n.ln2 } : {}) },
      },
    ],
    unembed: { bias: true, ...(n.final ? { norm: n.final } : {}) },
    renames: new Map(),
  }),
);

function withView(arch: Architecture, seed: number, f: (view: WeightView, w: Weights) => void) {
  const weights = randomWeights(arch, seed);
  const view = new WeightView(arch, weights);
  try {
    f(view, weights);
  } finally {
    view.dispose();
    disposeWeights(weights);
  }
}

const seed = fc.integer({ min: 0, max: 10_000 });

describe('the weight view against the weights multiplied out by hand', () => {
  it('W_OV per head, in tfjs and in float64, is W_V^h W_O^h', () => {
    fc.assert(
      fc.property(architecture, seed, fc.integer({ min: 0, max: 1 }), (arch, s, h) =>
        withView(arch, s, (view, w) => {
          const expected = matmul(headOf(w, 'blocks.0.attn.W_V', h), headOf(w, 'blocks.0.attn.W_O', h)).flat();
          expectClose(view.ov(0, h).dataSync(), expected);
          expectClose(view.ov64(0, h).data, expected, 1e-12);
          expect(view.head('W_V', 0, h).arraySync()).toEqual(headOf(w, 'blocks.0.attn.W_V', h));
        }),
      ),
      { numRuns: 10 },
    );
  });

  it('the attention output bias folds in the value biases: b_O + Σ_h b_V^h W_O^h; other biases are as stored', () => {
    fc.assert(
      fc.property(architecture, seed, (arch, s) =>
        withView(arch, s, (view, w) => {
          const b_V = get(w, 'blocks.0.attn.b_V');
          const folded = (w.get('blocks.0.attn.b_O')!.arraySync() as number[]).map((b, i) =>
            [0, 1].reduce((acc, h) => acc + matmul([b_V[h]!], headOf(w, 'blocks.0.attn.W_O', h))[0]![i]!, b),
          );
          expectClose(view.bias64(site('attn', 0, 'b_O')), folded, 1e-12);
          expectClose(view.bias(site('attn', 0, 'b_O')).dataSync(), folded);
          const b_out = site('mlp', 0, 'b_out');
          expect(view.bias(b_out)).toBe(w.get('blocks.0.mlp.b_out'));
          expect(Array.from(view.bias64(b_out))).toEqual(Array.from(w.get('blocks.0.mlp.b_out')!.dataSync()));
        }),
      ),
      { numRuns: 10 },
    );
  });

  it('a frozen norm on rows: centred (LayerNorm), times the scale of its position, times the gain', () => {
    fc.assert(
      fc.property(architecture, seed, (arch, s) =>
        withView(arch, s, (view, w) => {
          const random = rng(s);
          const x = Array.from({ length: 3 }, () => Array.from({ length: 4 }, () => random() * 2 - 1));
          const scale = [0.5 + random(), 0.5 + random(), 0.5 + random()];
          const norm = view.norm('ln2', 0);
          const g = norm ? (w.get('blocks.0.ln2.w')!.arraySync() as number[]) : [1, 1, 1, 1];
          const expected = x.flatMap((r, t) => {
            const mean = norm?.kind === 'layer' ? r.reduce((a, b) => a + b, 0) / r.length : 0;
            return r.map((v, i) => (v - mean) * (norm ? scale[t]! : 1) * g[i]!);
          });
          const normed = tf.tidy(() => view.normed(norm, tf.tensor2d(x), tf.tensor1d(scale)).dataSync());
          expectClose(normed, expected);
          const unscaled = x.flatMap(r => Array.from(view.normed64(norm, r)));
          expectClose(
            unscaled.map((v, k) => v * (norm ? scale[Math.floor(k / 4)]! : 1)),
            expected,
            1e-12,
          );
        }),
      ),
      { numRuns: 20 },
    );
  });

  it('the m × V map after the hidden units is W_out through the final norm (less its scale) and W_U', () => {
    fc.assert(
      fc.property(architecture, seed, (arch, s) =>
        withView(arch, s, (view, w) => {
          const norm = view.norm('final', null);
          const out = get(w, 'blocks.0.mlp.W_out').map(r => Array.from(view.normed64(norm, r)));
          expectClose(view.afterHidden(0).dataSync(), matmul(out, get(w, 'unembed.W_U')).flat());
        }),
      ),
      { numRuns: 10 },
    );
  });
});

describe('pull-backs are transposes', () => {
  it('⟨N x, u⟩ = ⟨x, Nᵀ u⟩ for every norm site, with a frozen scale (tfjs) and without (float64)', () => {
    fc.assert(
      fc.property(
        architecture,
        seed,
        fc.constantFrom('ln1', 'ln2', 'final') as fc.Arbitrary<'ln1' | 'ln2' | 'final'>,
        (arch, s, at) =>
          withView(arch, s, view => {
            const random = rng(s + 1);
            const values = (k: number) => Array.from({ length: k }, () => random() * 2 - 1);
            const [x, u, scale] = [values(12), values(12), values(3).map(v => 1 + v / 2)];
            const norm = view.norm(at, at === 'final' ? null : 0);
            const [forward, back] = tf.tidy(() => {
              const D = tf.tensor1d(scale);
              return [
                view.normed(norm, tf.tensor2d(x, [3, 4]), D).dataSync(),
                view.normPulledBack(norm, tf.tensor2d(u, [3, 4]), D).dataSync(),
              ];
            });
            expect(Math.abs(dot(forward, u) - dot(x, back))).toBeLessThan(1e-5 * Math.max(1, Math.abs(dot(x, back))));
            const [x4, u4] = [x.slice(0, 4), u.slice(0, 4)];
            const gap = dot(view.normed64(norm, x4), u4) - dot(x4, view.normPulledBack64(norm, u4));
            expect(Math.abs(gap)).toBeLessThan(1e-12);
          }),
      ),
      { numRuns: 30 },
    );
  });

  it('a logit direction read on the logits = its pull-back (W_U, final norm) read on the residual', () => {
    fc.assert(
      fc.property(architecture, seed, fc.integer({ min: 0, max: 4 }), (arch, s, c) =>
        withView(arch, s, view => {
          const random = rng(s + 2);
          const x = Array.from({ length: 12 }, () => random() * 2 - 1);
          const direction = Array.from({ length: 15 }, () => random() * 2 - 1);
          const scale = [0.7, 1.1, 1.6];
          const norm = view.norm('final', null);
          const [logits, pulled] = tf.tidy(() => {
            const D = tf.tensor1d(scale);
            const normed = view.normed(norm, tf.tensor2d(x, [3, 4]), D);
            return [
              tf.matMul(normed, view.tensor(W_U) as tf.Tensor2D).dataSync(),
              view.logitPulledBack(tf.tensor2d(direction, [3, 5]), D).dataSync(),
            ];
          });
          expect(Math.abs(dot(logits, direction) - dot(x, pulled))).toBeLessThan(
            1e-5 * Math.max(1, Math.abs(dot(x, pulled))),
          );
          // float64: the logit of token c of one row, through the final norm less its scale
          const x4 = x.slice(0, 4);
          const logit = dot(
            view.normed64(norm, x4),
            Array.from({ length: 4 }, (_, i) => view.matrix64(W_U).data[i * 5 + c]!),
          );
          expect(Math.abs(logit - dot(x4, view.logitPulledBack64(c)))).toBeLessThan(1e-12);
        }),
      ),
      { numRuns: 20 },
    );
  });
});

describe('what the view refuses and releases', () => {
  const arch = fc.sample(architecture, { numRuns: 1, seed: 1 })[0]!;

  it('the homogeneous coordinate has no vector, a missing tensor is named', () => {
    withView(arch, 3, view => {
      const message = 'the homogeneous coordinate {"kind":"bias","name":"1"} is only an argument of a bilinear block';
      expect(() => view.bias(HOMOGENEOUS)).toThrow(new UserError(message));
      expect(() => view.bias64(HOMOGENEOUS)).toThrow(new UserError(message));
      expect(() => view.tensor(site('mlp', 3, 'W_in'))).toThrow(new UserError('the weights lack blocks.3.mlp.W_in'));
    });
  });

  it('dispose releases every tensor the view made, and none of the weights', () => {
    const weights = randomWeights(arch, 4);
    const before = tf.memory().numTensors;
    const view = new WeightView(arch, weights);
    tf.tidy(() => {
      view.ov(0, 1);
      view.head('W_O', 0, 0);
      view.bias(site('attn', 0, 'b_O'));
      view.afterHidden(0);
    });
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    view.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect([...weights.values()].every(t => !t.isDisposed)).toBe(true);
    disposeWeights(weights);
  });
});
