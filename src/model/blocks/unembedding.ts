// The unembedding W_U (docs/design.md §1 unembed row): it reads the residual stream out, behind the
// final norm when there is one: a final term's formula is `(Id ⊗ W_U) x`; the LayerNorm bias of
// the final norm and b_U are the stream's last paths.
import type { Tensor2D, Tensor3D } from '@tensorflow/tfjs-core';
import * as N from '../../formula/nodes.js';
import type { Expr } from '../../formula/nodes.js';
import type { Unembedding } from '../../language/architecture.js';
import { site } from '../../language/site.js';
import { bias, type Path } from '../../paths/path.js';
import { leaf } from '../../paths/term.js';
import { type Readout, type SubFormula, weightSpec } from '../block.js';
import { append } from '../stream.js';
import { normed } from './attention.js';
import { matmul3 } from './bilinear.js';
import { normOf } from './norm.js';

export function unembedding(spec: Unembedding, vocab: number, width: number): Readout {
  const norm = normOf(spec, 'final', null);
  const W_U = site('unembed', null, 'W_U');
  const b_U = site('unembed', null, 'b_U');
  const extras = [...(norm?.extras() ?? []), ...(spec.bias ? [bias(b_U)] : [])];
  const lower = (path: Path): Expr => {
    if (path.kind === 'bias' && path.site === b_U) return N.kron(N.ones(), N.vector('b_U'));
    if (norm && path.kind === 'bias' && path.site === norm.bias) return norm.lowerBias();
    throw new Error(`the unembedding does not write ${path.kind} paths`);
  };
  return {
    kind: 'unembedding',
    layer: null,
    ...(norm ? { norm } : {}),
    weights: [
      ...(norm?.weights(width) ?? []),
      weightSpec(W_U, [width, vocab], 'map'),
      ...(spec.bias ? [weightSpec(b_U, [vocab], 'bias')] : []),
    ],
    owns: [b_U, ...(norm ? [norm.bias] : [])],
    describe: () => `${norm ? `${norm.describe()}, ` : ''}unembedding${spec.bias ? ' with bias' : ''}`,
    expand: residual => () => append(residual(), extras.map(leaf)),
    count: (residual, c) => c.add(residual, c.constant(0, extras.length)),
    lower,
    readout: (path: Path, sub: SubFormula) => {
      if (path.kind === 'bias' && path.site === b_U) return sub(path);
      return unembed(normed(norm, path, sub(path)));
    },
    forward: (x, context) => {
      const { tf } = context;
      const final = norm ? norm.forward(x, context) : x;
      const logits = matmul3(tf, final, context.weight(W_U) as Tensor2D);
      return spec.bias ? (tf.add(logits, context.weight(b_U)) as Tensor3D) : logits;
    },
  };
}

/** `(Id ⊗ W_U) x`: the unembedding applied to a contribution to the (normed) residual stream. */
export function unembed(x: Expr): Expr {
  return N.apply(N.kron(N.id(), N.weight('W_U')), x);
}
