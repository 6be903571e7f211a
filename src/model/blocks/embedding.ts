// The token embedding W_E (docs/design.md §1): the one path of degree 1, `Id ⊗ W_E`.
import type { Tensor3D } from '@tensorflow/tfjs-core';
import * as N from '../../formula/nodes.js';
import { site } from '../../language/site.js';
import { embed } from '../../paths/path.js';
import { leaf } from '../../paths/term.js';
import { type Block, type Stream, weightSpec } from '../block.js';
import { append } from '../stream.js';

export function embedding(vocab: number, width: number): Block {
  const W_E = site('embed', null, 'W_E');
  return {
    kind: 'embedding',
    layer: null,
    weights: [weightSpec(W_E, [vocab, width], 'embedding')],
    owns: ['embed'],
    describe: () => 'token embedding',
    expand: (residual: Stream) => () => append(residual(), [leaf(embed())]),
    count: (residual, c) => c.add(residual, c.constant(1, 1)),
    lower: () => N.kron(N.id(), N.weight('W_E')),
    forward: (x, { tf, tokens, weight }) => {
      const [B, n] = tokens.shape;
      const rows = tf.gather(weight(W_E), tf.reshape(tokens, [-1]));
      return tf.add(x, tf.reshape(rows, [B, n, width])) as Tensor3D;
    },
  };
}
