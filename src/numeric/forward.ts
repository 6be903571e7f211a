// The forward pass of docs/design.md §3, batched and built only from differentiable tfjs ops (training
// runs through it too). Returns the logits and the quantities the expansion freezes: attention
// patterns and per-position norm scales.
import * as tf from '@tensorflow/tfjs-core';
import type { Architecture } from '../language/architecture.js';
import { defaultKey } from '../language/site.js';
import { forwardThrough } from '../model/forward.js';
import type { Model } from './model.js';
import { forwardChecked, namingOverflow } from './overflow.js';
import type { Weights } from './weights.js';

export { NORM_EPS } from '../model/blocks/norm.js';

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

/** The forward pass on one sequence, checked for overflow, intermediates released: logits [n, V] and what it froze. */
export function forwardOne(
  arch: Architecture,
  weights: Weights,
  tokens: readonly number[],
): { logits: tf.Tensor2D; frozen: SequenceFrozen } {
  let result: { logits: tf.Tensor2D; frozen: SequenceFrozen } | undefined;
  // tidy does not look inside Maps, so the outputs are kept by hand
  tf.tidy(() => {
    const input = tf.tensor2d([[...tokens]], [1, tokens.length], 'int32');
    const { logits, frozen } = forward(arch, weights, input, { checkFinite: true });
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

/** forwardOne on a model's own weights, an overflow named with where they came from. */
export const forwardOfModel = (model: Model, tokens: readonly number[]) =>
  namingOverflow(model.source, () => forwardOne(model.arch, model.weights, tokens));

export function disposeFrozen(frozen: SequenceFrozen): void {
  for (const p of frozen.patterns) p?.dispose();
  for (const s of frozen.scales.values()) s.dispose();
}

/**
 * `tokens` is int32 [B, n] with n ≤ context. Call inside tf.tidy, or dispose the result. `checkFinite`: an
 * OverflowError names the first block whose output is not finite (one read-back per block).
 */
export function forward(
  arch: Architecture,
  weights: Weights,
  tokens: tf.Tensor2D,
  options: { readonly checkFinite?: boolean } = {},
): ForwardResult {
  const patterns: (tf.Tensor4D | null)[] = arch.layers.map(() => null);
  const scales = new Map<string, tf.Tensor2D>();
  const logits = (options.checkFinite ? forwardChecked : forwardThrough)(arch, {
    tf,
    tokens,
    weight: at => {
      const t = weights.get(defaultKey(at));
      if (!t) throw new Error(`weights lack ${defaultKey(at)}`);
      return t;
    },
    freezePattern: (layer, pattern) => {
      patterns[layer] = pattern;
    },
    freezeScale: (key, scale) => {
      scales.set(key, scale);
    },
  });
  return { logits, frozen: { patterns, scales } };
}
