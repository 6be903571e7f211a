// The forward pass of docs/design.md §3 against numbers worked out by hand: tiny models (width 2–3,
// vocab 3, two tokens) whose weights are chosen so each step can be followed on paper. The
// expected values are float64 arithmetic written out here, never a call into src.
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/numeric/backend.js';
import { disposeFrozen, forwardOne, NORM_EPS } from '../../src/numeric/forward.js';
import type { Weights } from '../../src/numeric/weights.js';
import { requiredWeights } from '../../src/model/weights.js';
import { compile } from '../../src/model/spec.js';

beforeAll(async () => {
  await useBackend(process.env.PATHSUM_TEST_BACKEND === 'cpu' ? 'cpu' : 'wasm');
});

let live: tf.Tensor[] = [];
afterEach(() => {
  tf.dispose(live);
  live = [];
});

type Nested = number | Nested[];
const shapeOf = (v: Nested): number[] => (Array.isArray(v) ? [v.length, ...shapeOf(v[0]!)] : []);

function model(spec: string, values: Record<string, Nested>) {
  const arch = compile(spec)[0]!;
  expect(Object.keys(values).sort()).toEqual(
    requiredWeights(arch)
      .map(w => w.key)
      .sort(),
  );
  const weights: Weights = new Map(
    Object.entries(values).map(([key, v]) => [key, tf.tensor(v as number[], shapeOf(v))]),
  );
  live.push(...weights.values());
  return { arch, weights };
}

function run(m: ReturnType<typeof model>, tokens: number[]) {
  const { logits, frozen } = forwardOne(m.arch, m.weights, tokens);
  const out = {
    logits: logits.arraySync(),
    patterns: frozen.patterns.map(p => p?.arraySync() ?? null),
    scales: Object.fromEntries([...frozen.scales].map(([site, s]) => [site, s.arraySync()])),
  };
  logits.dispose();
  disposeFrozen(frozen);
  return out;
}

/** float32 forward vs float64 hand values: relative 1e-5. */
function expectClose(actual: Nested, expected: Nested) {
  expect(shapeOf(actual)).toEqual(shapeOf(expected));
  const flat = (v: Nested): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v]);
  const a = flat(actual);
  flat(expected).forEach((e, i) => {
    expect(Math.abs(a[i]! - e), `entry ${i}: ${a[i]} vs ${e}`).toBeLessThan(1e-5 * Math.max(1, Math.abs(e)));
  });
}

// W_U = [[1, 0, -1], [0, 1, 2]]: the logits of a residual [a, b] are [a, b, 2b − a].
const W_U2 = [
  [1, 0, -1],
  [0, 1, 2],
];
const unembed2 = ([a, b]: number[]) => [a!, b!, 2 * b! - a!];

describe('forward pass by hand', () => {
  it('one attention head: causal softmax over scaled scores, then W_V W_O', () => {
    const m = model('model a { vocab 3; context 2; width 2; embed; layer { attention heads 1 size 2 }; unembed }', {
      'embed.W_E': [
        [1, 0],
        [0, 1],
        [1, 1],
      ],
      'blocks.0.attn.W_Q': [
        [
          [1, 0],
          [0, 0],
        ],
      ], // q = [x₀, 0]
      'blocks.0.attn.W_K': [
        [
          [0, 0],
          [2, 0],
        ],
      ], // k = [2x₁, 0]
      'blocks.0.attn.W_V': [
        [
          [1, 0],
          [-1, 1],
        ],
      ], // v = [x₀ − x₁, x₁]
      'blocks.0.attn.W_O': [
        [
          [0.5, 2],
          [1, 0],
        ],
      ], // out = v₀·[0.5, 2] + v₁·[1, 0]
      'unembed.W_U': W_U2,
    });
    // tokens [0, 2]: x = [[1, 0], [1, 1]]; q = [[1,0],[1,0]], k = [[0,0],[2,0]], v = [[1,0],[0,1]]
    // position 1 scores: q₁·k₀/√2 = 0, q₁·k₁/√2 = 2/√2 = √2
    const a10 = 1 / (1 + Math.exp(Math.SQRT2));
    const a11 = Math.exp(Math.SQRT2) / (1 + Math.exp(Math.SQRT2));
    const out0 = [0.5, 2]; // attends only to itself: v₀ = [1, 0]
    const out1 = [0.5 * a10 + 1 * a11, 2 * a10]; // a₁₀·v₀ + a₁₁·v₁ = [a₁₀, a₁₁], through W_O
    const { logits, patterns, scales } = run(m, [0, 2]);
    expectClose(patterns[0]!, [
      [
        [1, 0],
        [a10, a11],
      ],
    ]);
    expect(scales).toEqual({});
    expectClose(logits, [unembed2([1 + out0[0]!, 0 + out0[1]!]), unembed2([1 + out1[0]!, 1 + out1[1]!])]);
  });

  it(
    'a bilinear block with biases and a positional embedding: ' +
      '((x W_in + b_in) ⊙ (x W_gate + b_gate)) W_out + b_out',
    () => {
      const m = model(
        'model b { vocab 3; context 2; width 2; embed positional; layer { bilinear hidden 2 bias }; unembed bias }',
        {
          'embed.W_E': [
            [1, 0],
            [0, 1],
            [1, 1],
          ],
          'pos_embed.W_pos': [
            [0, 0],
            [1, -1],
          ],
          'blocks.0.mlp.W_in': [
            [1, 0],
            [0, 1],
          ],
          'blocks.0.mlp.b_in': [1, 2],
          'blocks.0.mlp.W_gate': [
            [1, 1],
            [0, -1],
          ], // x W_gate = [x₀, x₀ − x₁]
          'blocks.0.mlp.b_gate': [0, 2],
          'blocks.0.mlp.W_out': [
            [1, 0],
            [1, 1],
          ], // h W_out = [h₀ + h₁, h₁]
          'blocks.0.mlp.b_out': [0.5, 0],
          'unembed.W_U': W_U2,
          'unembed.b_U': [0, 0, 1],
        },
      );
      // tokens [1, 2]: x₀ = [0, 1] + [0, 0] = [0, 1];  x₁ = [1, 1] + [1, −1] = [2, 0]
      // position 0: left = [0, 1] + [1, 2] = [1, 3]; right = [0, 0 − 1] + [0, 2] = [0, 1]; h = [0, 3]
      //   out = [0 + 3, 3] + [0.5, 0] = [3.5, 3]; residual [3.5, 4]; logits [3.5, 4, 8 − 3.5 + 1]
      // position 1: left = [2, 0] + [1, 2] = [3, 2]; right = [2, 2] + [0, 2] = [2, 4]; h = [6, 8]
      //   out = [14, 8] + [0.5, 0] = [14.5, 8]; residual [16.5, 8]; logits [16.5, 8, 16 − 16.5 + 1]
      const { logits, patterns } = run(m, [1, 2]);
      expect(patterns).toEqual([null]);
      expectClose(logits, [
        [3.5, 4, 5.5],
        [16.5, 8, 0.5],
      ]);
    },
  );

  it('RMS norms before a bilinear block and before the unembedding, with their frozen scales', () => {
    const m = model(
      'model r { vocab 3; context 2; width 2; embed; layer { norm rms; bilinear hidden 1 }; norm rms; unembed }',
      {
        'embed.W_E': [
          [3, 4],
          [1, 1],
          [0, 2],
        ],
        'blocks.0.ln2.w': [1, 2],
        'blocks.0.mlp.W_in': [[1], [1]], // y₀ + y₁
        'blocks.0.mlp.W_gate': [[1], [0]], // y₀
        'blocks.0.mlp.W_out': [[1, -1]],
        'ln_final.w': [0.5, 1],
        'unembed.W_U': W_U2,
      },
    );
    // position 0: x = [3, 4], mean square 12.5, s = 1/√(12.5 + ε); y = s·[3, 8]
    //   h = (11 s)(3 s) = 33 s²; residual [3 + 33 s², 4 − 33 s²]
    // position 1: x = [1, 1], mean square 1, s = 1/√(1 + ε); y = s·[1, 2]
    //   h = (3 s)(s) = 3 s²; residual [1 + 3 s², 1 − 3 s²]
    const s0 = 1 / Math.sqrt(12.5 + NORM_EPS);
    const s1 = 1 / Math.sqrt(1 + NORM_EPS);
    const r0 = [3 + 33 * s0 * s0, 4 - 33 * s0 * s0];
    const r1 = [1 + 3 * s1 * s1, 1 - 3 * s1 * s1];
    const f0 = 1 / Math.sqrt((r0[0]! ** 2 + r0[1]! ** 2) / 2 + NORM_EPS);
    const f1 = 1 / Math.sqrt((r1[0]! ** 2 + r1[1]! ** 2) / 2 + NORM_EPS);
    const { logits, scales } = run(m, [0, 1]);
    expect(Object.keys(scales).sort()).toEqual(['final', 'ln2.0']);
    expectClose(scales['ln2.0']!, [s0, s1]);
    expectClose(scales.final!, [f0, f1]);
    expectClose(logits, [unembed2([0.5 * f0 * r0[0]!, f0 * r0[1]!]), unembed2([0.5 * f1 * r1[0]!, f1 * r1[1]!])]);
  });

  it('LayerNorm (centring, scale, gain, bias) before an attention head and before the unembedding', () => {
    const m = model(
      'model l { vocab 3; context 2; width 3; embed; layer { norm layer; attention heads 1 size 1 }; ' +
        'norm layer; unembed bias }',
      {
        'embed.W_E': [
          [1, 2, 6],
          [0, 3, 0],
          [2, 2, 2],
        ],
        'blocks.0.ln1.w': [1, 2, 1],
        'blocks.0.ln1.b': [0, 0, 1],
        'blocks.0.attn.W_Q': [[[0], [0], [0]]], // zero scores: a uniform causal pattern
        'blocks.0.attn.W_K': [[[1], [1], [1]]],
        'blocks.0.attn.W_V': [[[1], [0], [1]]], // v = y₀ + y₂
        'blocks.0.attn.W_O': [[[1, -1, 0]]],
        'ln_final.w': [0.5, 1, 2],
        'ln_final.b': [1, 0, 0],
        'unembed.W_U': [
          [1, 0, 0],
          [0, 1, 0],
          [1, 1, -1],
        ],
        'unembed.b_U': [0, 0.5, 0],
      },
    );
    // position 0: x = [1, 2, 6], mean 3, centred [−2, −1, 3], variance 14/3; y = s₀·[−2, −2, 3] + [0, 0, 1]
    // position 1: x = [0, 3, 0], mean 1, centred [−1, 2, −1], variance 2;    y = s₁·[−1, 4, −1] + [0, 0, 1]
    const s0 = 1 / Math.sqrt(14 / 3 + NORM_EPS);
    const s1 = 1 / Math.sqrt(2 + NORM_EPS);
    const v0 = -2 * s0 + 3 * s0 + 1;
    const v1 = -s1 - s1 + 1;
    const z = [v0, (v0 + v1) / 2]; // pattern [[1, 0], [½, ½]]
    const residual = [
      [1 + z[0]!, 2 - z[0]!, 6],
      [0 + z[1]!, 3 - z[1]!, 0],
    ];
    const finalScale: number[] = [];
    const logits = residual.map(r => {
      const mean = (r[0]! + r[1]! + r[2]!) / 3;
      const c = r.map(x => x - mean);
      const s = 1 / Math.sqrt((c[0]! ** 2 + c[1]! ** 2 + c[2]! ** 2) / 3 + NORM_EPS);
      finalScale.push(s);
      const f = [0.5 * s * c[0]! + 1, s * c[1]!, 2 * s * c[2]!];
      return [f[0]! + f[2]!, f[1]! + f[2]! + 0.5, -f[2]!]; // f W_U + b_U
    });
    const out = run(m, [0, 1]);
    expectClose(out.patterns[0]!, [
      [
        [1, 0],
        [0.5, 0.5],
      ],
    ]);
    expectClose(out.scales['ln1.0']!, [s0, s1]);
    expectClose(out.scales.final!, finalScale);
    expectClose(out.logits, logits);
  });
});
