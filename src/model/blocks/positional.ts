// A learned positional embedding W_pos (docs/design.md §1): a degree-0 path `Id ⊗ W_pos`.
import type { Tensor3D } from '@tensorflow/tfjs-core';
import * as N from '../../formula/nodes.js';
import { site } from '../../language/site.js';
import { pos } from '../../paths/path.js';
import { leaf } from '../../paths/term.js';
import { type Block, type Stream, weightSpec } from '../block.js';
import { append } from '../stream.js';

export function positional(context: number, width: number): Block {
  const W_pos = site('pos_embed', null, 'W_pos');
  return {
    kind: 'positional embedding',
    layer: null,
    weights: [weightSpec(W_pos, [context, width], 'embedding')],
    owns: ['pos'],
    describe: () => 'positional embedding',
    expand: (residual: Stream) => () => append(residual(), [leaf(pos())]),
    count: (residual, c) => c.add(residual, c.constant(0, 1)),
    lower: () => N.kron(N.id(), N.weight('W_pos')),
    forward: (x, { tf, weight }) => {
      const n = x.shape[1];
      return tf.add(x, tf.slice(weight(W_pos), [0, 0], [n, width])) as Tensor3D;
    },
  };
}
