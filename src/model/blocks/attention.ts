// Multi-head attention (docs/design.md §1 head row, §3 attention): head h of layer l maps each
// input path p to `(A^{l,h} ⊗ W_O W_V) p` with its pattern frozen from the forward pass; the
// output bias b_O (carrying the value biases, since rows of A sum to 1) is one more path. A `scale S`
// on the block's output is a coefficient S on every term the block writes.
import type * as tf from '@tensorflow/tfjs-core';
import * as N from '../../formula/nodes.js';
import { printScale } from '../../language/print.js';
import type { AttentionBlock } from '../../language/architecture.js';
import { site } from '../../language/site.js';
import { bias, head, type Path } from '../../paths/path.js';
import { leaf, scaled } from '../../paths/term.js';
import { type Block, type ForwardContext, type Init, type Stream, type WeightSpec, weightSpec } from '../block.js';
import { append } from '../stream.js';
import { type Norm, normOf } from './norm.js';

export function attention(spec: AttentionBlock, layer: number, width: number): Block {
  const { heads: H, headSize: k } = spec;
  const norm = normOf(spec, 'ln1', layer);
  const at = (name: string) => site('attn', layer, name);
  const outputBias = at('b_O');
  const tensor = (name: string, shape: number[], init: Init, heads?: WeightSpec['heads']) =>
    weightSpec(at(name), shape, init, heads);
  const weights = [
    ...(norm?.weights(width) ?? []),
    ...['W_Q', 'W_K', 'W_V'].map(w => tensor(w, [H, width, k], 'map', 'output')),
    tensor('W_O', [H, k, width], 'map', 'input'),
    ...(spec.bias
      ? [...['b_Q', 'b_K', 'b_V'].map(b => tensor(b, [H, k], 'bias')), tensor('b_O', [width], 'bias')]
      : []),
  ];
  const inputs =
    (residual: Stream): Stream =>
    () =>
      append(residual(), (norm?.extras() ?? []).map(leaf));

  return {
    kind: 'attention',
    layer,
    ...(norm ? { norm } : {}),
    weights,
    owns: [`head:${layer}`, outputBias, ...(norm ? [norm.bias] : [])],
    describe: () =>
      `${norm ? `${norm.describe()}, ` : ''}attention ${H} head${H === 1 ? '' : 's'} of size ${k}` +
      (spec.bias ? ' with biases' : '') +
      (spec.rotary ? `, rotary (theta ${spec.rotary.base})` : '') +
      (spec.scale ? `, output scaled by ${printScale(spec.scale)}` : ''),
    expand: (residual, options) => {
      const ablated = (h: number) => options.ablateHeads?.has(`${layer}.${h}`) === true;
      const input = inputs(residual);
      return function* () {
        yield* residual();
        for (let h = 0; h < H; h++) {
          if (!ablated(h)) for (const t of input()) yield scaled({ ...t, path: head(layer, h, t.path) }, spec.scale);
        }
        if (spec.bias) yield scaled(leaf(bias(outputBias)), spec.scale);
      };
    },
    count: (residual, c) => {
      // the ablated heads are named in the options: counting them never walks all H heads
      const ablated = [...(c.options.ablateHeads ?? [])].filter(key => key.startsWith(`${layer}.`)).length;
      const kept = H - ablated;
      const input = c.add(residual, c.constant(0, norm?.extras().length ?? 0));
      return c.add(residual, c.times(input, kept), c.constant(0, spec.bias ? 1 : 0));
    },
    lower: (path, sub) => {
      if (path.kind === 'head') {
        const W_OV = N.fprod([N.weight('W_O', layer, path.head), N.weight('W_V', layer, path.head)]);
        return N.apply(N.kron(N.pattern(layer, path.head), W_OV), normed(norm, path.of, sub(path.of)));
      }
      if (path.kind === 'bias' && path.site === outputBias) return N.kron(N.ones(), N.vector('b_O', layer));
      if (norm && path.kind === 'bias' && path.site === norm.bias) return norm.lowerBias();
      throw new Error(`attention block ${layer} does not write ${path.kind} paths`);
    },
    forward: (x, context) => {
      const input = norm ? norm.forward(x, context) : x;
      const { out, pattern, scores } = heads(input, spec, (name: string) => context.weight(at(name)), context.tf);
      context.freezePattern(layer, pattern);
      context.recordScores?.(layer, scores);
      return context.tf.add(x, spec.scale ? context.tf.mul(out, spec.scale.valueOf()) : out) as tf.Tensor3D;
    },
  };
}

/** The formula of a block input: behind the block's frozen norm where it has one. */
export function normed(norm: Norm | undefined, path: Path, x: N.Expr): N.Expr {
  return norm ? norm.lower(path, x) : x;
}

/** docs/design.md §3: softmax((x W_Q + b_Q)(x W_K + b_K)ᵀ / √d_head, causal) (x W_V + b_V) W_O + b_O. */
function heads(x: tf.Tensor3D, spec: AttentionBlock, w: (name: string) => tf.Tensor, tfjs: ForwardContext['tf']) {
  const [B, n, d] = x.shape;
  const { heads: H, headSize: dh } = spec;
  const flat = tfjs.reshape(x, [B * n, d]);
  // [H, d, dh] → [d, H·dh]: all heads in one product, then [B, H, n, dh]
  const project = (name: 'W_Q' | 'W_K' | 'W_V', biasName: string) => {
    const m = tfjs.reshape(tfjs.transpose(w(name), [1, 0, 2]), [d, H * dh]);
    let y = tfjs.reshape(tfjs.matMul(flat, m), [B, n, H, dh]);
    if (spec.bias) y = tfjs.add(y, w(biasName));
    return tfjs.transpose(y, [0, 2, 1, 3]) as tf.Tensor4D;
  };
  const turn = (x: tf.Tensor4D) => (spec.rotary ? rotate(x, spec.rotary.base, tfjs) : x);
  const [q, k, v] = [turn(project('W_Q', 'b_Q')), turn(project('W_K', 'b_K')), project('W_V', 'b_V')];
  const scores = tfjs.div(tfjs.matMul(q, k, false, true), Math.sqrt(dh)) as tf.Tensor4D;
  const future = tfjs.sub(1, tfjs.linalg.bandPart(tfjs.ones([n, n]), -1, 0));
  const pattern = tfjs.softmax(tfjs.add(scores, tfjs.mul(future, -1e9))) as tf.Tensor4D;
  const z = tfjs.reshape(tfjs.transpose(tfjs.matMul(pattern, v), [0, 2, 1, 3]), [B * n, H * dh]);
  let out = tfjs.reshape(tfjs.matMul(z, tfjs.reshape(w('W_O'), [H * dh, d])), [B, n, d]) as tf.Tensor3D;
  if (spec.bias) out = tfjs.add(out, w('b_O')) as tf.Tensor3D;
  return { out, pattern, scores };
}

/**
 * Rotary position embeddings on [B, H, n, d_head], the "rotate half" pairing: dimension i and i + d_head/2
 * turn together by the angle p·base^(-2i/d_head) at position p. They shape only the pattern, so with the
 * patterns frozen the path terms are those of plain attention (docs/design.md §1).
 */
function rotate(x: tf.Tensor4D, base: number, tfjs: ForwardContext['tf']): tf.Tensor4D {
  const [, , n, dh] = x.shape;
  const half = dh / 2;
  const angles = Array.from({ length: n }, (_, p) =>
    Array.from({ length: dh }, (_, j) => p * base ** ((-2 * (j % half)) / dh)),
  );
  const [cos, sin] = [tfjs.cos(tfjs.tensor2d(angles)), tfjs.sin(tfjs.tensor2d(angles))];
  const [first, second] = tfjs.split(x, 2, 3);
  const rotatedHalf = tfjs.concat([tfjs.neg(second!), first!], 3);
  return tfjs.add(tfjs.mul(x, cos), tfjs.mul(rotatedHalf, sin)) as tf.Tensor4D;
}
