// The forward pass of docs/design.md §3, batched and built only from differentiable tfjs ops (training
// runs through it too). Returns the logits and the quantities the expansion freezes: attention
// patterns and per-position norm scales.
import * as tf from '@tensorflow/tfjs-core';
import type { Architecture, NormKind } from '../language/architecture.js';
import type { Weights } from './weights.js';

export const NORM_EPS = 1e-5;

export interface Frozen {
  /** Per layer: the attention pattern [B, H, n, n], or null for a layer without attention. */
  readonly patterns: readonly (tf.Tensor4D | null)[];
  /** Per norm site (`ln1.{l}`, `ln2.{l}`, `final`): 1/rms or 1/σ per position, [B, n]. */
  readonly scales: ReadonlyMap<string, tf.Tensor2D>;
}

export interface ForwardResult {
  readonly logits: tf.Tensor3D;
  readonly frozen: Frozen;
}

/** One sequence's frozen quantities: patterns [H, n, n] per layer, scales [n] per norm site. */
export interface SequenceFrozen {
  readonly patterns: readonly (tf.Tensor3D | null)[];
  readonly scales: ReadonlyMap<string, tf.Tensor1D>;
}

/** The forward pass on one sequence, every intermediate released: logits [n, V] and what it froze. */
export function forwardOne(
  arch: Architecture,
  weights: Weights,
  tokens: readonly number[],
): { logits: tf.Tensor2D; frozen: SequenceFrozen } {
  let result: { logits: tf.Tensor2D; frozen: SequenceFrozen } | undefined;
  // tidy does not look inside Maps, so the outputs are kept by hand
  tf.tidy(() => {
    const { logits, frozen } = forward(arch, weights, tf.tensor2d([[...tokens]], [1, tokens.length], 'int32'));
    result = {
      logits: tf.keep(tf.squeeze(logits, [0]) as tf.Tensor2D),
      frozen: {
        patterns: frozen.patterns.map(p => (p ? tf.keep(tf.squeeze(p, [0]) as tf.Tensor3D) : null)),
        scales: new Map([...frozen.scales].map(([site, s]) => [site, tf.keep(tf.squeeze(s, [0]) as tf.Tensor1D)])),
      },
    };
  });
  return result!;
}

export function disposeFrozen(frozen: SequenceFrozen): void {
  for (const p of frozen.patterns) p?.dispose();
  for (const s of frozen.scales.values()) s.dispose();
}

/** `tokens` is int32 [B, n] with n ≤ context. Call inside tf.tidy, or dispose the result. */
export function forward(arch: Architecture, weights: Weights, tokens: tf.Tensor2D): ForwardResult {
  const w = (key: string) => {
    const t = weights.get(key);
    if (!t) throw new Error(`weights lack ${key}`);
    return t;
  };
  const [B, n] = tokens.shape;
  const d = arch.width;
  let x = tf.reshape(tf.gather(w('embed.W_E'), tf.reshape(tokens, [-1])), [B, n, d]) as tf.Tensor3D;
  if (arch.positional) x = tf.add(x, tf.slice(w('pos_embed.W_pos'), [0, 0], [n, d])) as tf.Tensor3D;
  const patterns: (tf.Tensor4D | null)[] = [];
  const scales = new Map<string, tf.Tensor2D>();
  const normed = (input: tf.Tensor3D, kind: NormKind | undefined, site: string, prefix: string) => {
    if (!kind) return input;
    const { y, scale } = norm(input, kind, w(`${prefix}.w`), kind === 'layer' ? w(`${prefix}.b`) : undefined);
    scales.set(site, scale);
    return y;
  };
  arch.layers.forEach((layer, l) => {
    const attn = layer.attention;
    if (attn) {
      const input = normed(x, attn.norm, `ln1.${l}`, `blocks.${l}.ln1`);
      const { out, pattern } = attention(input, attn.heads, attn.headSize, attn.bias, (name: string) =>
        w(`blocks.${l}.attn.${name}`),
      );
      patterns.push(pattern);
      x = tf.add(x, out) as tf.Tensor3D;
    } else {
      patterns.push(null);
    }
    const mlp = layer.bilinear;
    if (mlp) {
      const input = normed(x, mlp.norm, `ln2.${l}`, `blocks.${l}.ln2`);
      x = tf.add(
        x,
        bilinearBlock(input, mlp.bias, (name: string) => w(`blocks.${l}.mlp.${name}`)),
      ) as tf.Tensor3D;
    }
  });
  const final = normed(x, arch.unembed.norm, 'final', 'ln_final');
  let logits = matmul3(final, w('unembed.W_U') as tf.Tensor2D);
  if (arch.unembed.bias) logits = tf.add(logits, w('unembed.b_U')) as tf.Tensor3D;
  return { logits, frozen: { patterns, scales } };
}

/** x @ W for x [B, n, a] and W [a, b]. */
function matmul3(x: tf.Tensor3D, m: tf.Tensor2D): tf.Tensor3D {
  const [B, n, a] = x.shape;
  return tf.reshape(tf.matMul(tf.reshape(x, [B * n, a]), m), [B, n, m.shape[1]]);
}

export function norm(
  x: tf.Tensor3D,
  kind: NormKind,
  gain: tf.Tensor,
  bias: tf.Tensor | undefined,
): { y: tf.Tensor3D; scale: tf.Tensor2D } {
  const centred = kind === 'layer' ? tf.sub(x, tf.mean(x, -1, true)) : x;
  const scale = tf.rsqrt(tf.add(tf.mean(tf.square(centred), -1, true), NORM_EPS)) as tf.Tensor3D;
  let y = tf.mul(tf.mul(centred, scale), gain) as tf.Tensor3D;
  if (bias) y = tf.add(y, bias) as tf.Tensor3D;
  return { y, scale: tf.squeeze(scale, [2]) as tf.Tensor2D };
}

function attention(x: tf.Tensor3D, H: number, dh: number, bias: boolean, w: (name: string) => tf.Tensor) {
  const [B, n, d] = x.shape;
  const flat = tf.reshape(x, [B * n, d]);
  // [H, d, dh] → [d, H·dh]: all heads in one product, then [B, H, n, dh]
  const project = (name: 'W_Q' | 'W_K' | 'W_V', biasName: string) => {
    const m = tf.reshape(tf.transpose(w(name), [1, 0, 2]), [d, H * dh]);
    let y = tf.reshape(tf.matMul(flat, m), [B, n, H, dh]);
    if (bias) y = tf.add(y, w(biasName));
    return tf.transpose(y, [0, 2, 1, 3]) as tf.Tensor4D;
  };
  const [q, k, v] = [project('W_Q', 'b_Q'), project('W_K', 'b_K'), project('W_V', 'b_V')];
  const scores = tf.div(tf.matMul(q, k, false, true), Math.sqrt(dh));
  const future = tf.sub(1, tf.linalg.bandPart(tf.ones([n, n]), -1, 0));
  const pattern = tf.softmax(tf.add(scores, tf.mul(future, -1e9))) as tf.Tensor4D;
  const z = tf.reshape(tf.transpose(tf.matMul(pattern, v), [0, 2, 1, 3]), [B * n, H * dh]);
  let out = tf.reshape(tf.matMul(z, tf.reshape(w('W_O'), [H * dh, d])), [B, n, d]) as tf.Tensor3D;
  if (bias) out = tf.add(out, w('b_O')) as tf.Tensor3D;
  return { out, pattern };
}

function bilinearBlock(x: tf.Tensor3D, bias: boolean, w: (name: string) => tf.Tensor): tf.Tensor3D {
  let left = matmul3(x, w('W_in') as tf.Tensor2D);
  let right = matmul3(x, w('W_gate') as tf.Tensor2D);
  if (bias) {
    left = tf.add(left, w('b_in'));
    right = tf.add(right, w('b_gate'));
  }
  const out = matmul3(tf.mul(left, right) as tf.Tensor3D, w('W_out') as tf.Tensor2D);
  return bias ? (tf.add(out, w('b_out')) as tf.Tensor3D) : out;
}
