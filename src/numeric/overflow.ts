// Finite weights can still overflow float32 on the way (two entries of 1e20 multiply to Infinity), and the tables
// would then print NaN. The forward pass is checked block by block, so that the error names the first step whose
// output is not finite; a block's frozen attention pattern and norm scale are checked as it records them.
import * as tf from '@tensorflow/tfjs-core';
import { UserError } from '../errors.js';
import type { Architecture } from '../language/architecture.js';
import type { Block, ForwardContext } from '../model/block.js';
import { blocksOf } from '../model/blocks.js';
import { forwardThrough } from '../model/forward.js';

export class OverflowError extends UserError {
  /** `source` names the weights the overflow came from (a file, or random weights), once it is known. */
  constructor(
    readonly detail: string,
    readonly source?: string,
  ) {
    super(source === undefined ? detail : `${source}: ${detail}`);
  }
}

export const overflowed = (what: string, step: string, source?: string): OverflowError =>
  new OverflowError(`${what} overflowed float32 in ${step}: the weights are too large`, source);

/** f(), an overflow it throws named with the weights it came from unless it names them already. */
export function namingOverflow<T>(source: string, f: () => T): T {
  try {
    return f();
  } catch (error) {
    throw error instanceof OverflowError && error.source === undefined
      ? new OverflowError(error.detail, source)
      : error;
  }
}

/** Every entry of `t` is finite. */
export const allFinite = (t: tf.Tensor): boolean => tf.tidy(() => tf.all(tf.isFinite(t)).dataSync()[0] === 1);

/** A norm's scale 1/rms is 0 when the mean square overflowed: the normed stream is then 0, finite but wrong. */
const validScale = (t: tf.Tensor): boolean =>
  tf.tidy(() => tf.all(tf.logicalAnd(tf.isFinite(t), tf.greater(t, 0))).dataSync()[0] === 1);

/** forwardThrough, throwing an OverflowError at the first block, pattern or norm scale that is not finite. */
export function forwardChecked(arch: Architecture, context: ForwardContext): tf.Tensor3D {
  let step = '';
  const fail = (detail: string) => overflowed('the forward pass', `${step}${detail}`);
  const checked = <B extends Block>(block: B): B =>
    Object.assign(Object.create(block) as B, {
      forward: (x: tf.Tensor3D, c: ForwardContext) => {
        step = block.layer === null ? `the ${block.kind}` : `layer ${block.layer} ${block.kind}`;
        const y = block.forward(x, c);
        if (!allFinite(y)) throw fail('');
        return y;
      },
    });
  const blocks = blocksOf(arch);
  return forwardThrough(
    { ...blocks, writers: blocks.writers.map(checked), readout: checked(blocks.readout) },
    {
      ...context,
      freezePattern: (layer, pattern) => {
        if (!allFinite(pattern)) throw fail(' (scores)');
        context.freezePattern(layer, pattern);
      },
      freezeScale: (key, scale) => {
        if (!validScale(scale)) throw fail(` (norm ${key}: the mean square)`);
        context.freezeScale(key, scale);
      },
    },
  );
}
