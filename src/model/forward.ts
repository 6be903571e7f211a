// The forward pass (docs/design.md §3) as the walk over a model's blocks: the residual stream
// starts at zero, every block adds to it, the unembedding reads it out. Written against the tfjs
// API handed in the context, so this module loads no tensor library.
import type * as tf from '@tensorflow/tfjs-core';
import type { Architecture } from '../language/architecture.js';
import type { ForwardContext } from './block.js';
import { type Blocks, blocksOf } from './blocks.js';

/** The logits [B, n, V]; the context records the frozen patterns and norm scales. Call inside tf.tidy. */
export function forwardThrough(model: Architecture | Blocks, context: ForwardContext): tf.Tensor3D {
  const { arch, writers, readout } = 'writers' in model ? model : blocksOf(model);
  const [B, n] = context.tokens.shape;
  let x = context.tf.zeros([B, n, arch.width]) as tf.Tensor3D;
  for (const block of writers) x = block.forward(x, context);
  return readout.forward(x, context);
}
