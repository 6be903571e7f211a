// A bilinear MLP (Sharkey 2023; docs/design.md §1 bilinear row): `W_out ((W_in x) ⊙ (W_gate x))`
// maps every pair of input paths (p, q) to `B^l(p, q)`, symmetrized by default (one term per
// unordered pair, coefficient 2 off the diagonal). With biases the input gains the homogeneous
// coordinate 1 (docs/design.md §3), and b_out is one more path. A `scale S` on the output is a
// coefficient S on every term the block writes.
import type * as tf from '@tensorflow/tfjs-core';
import * as N from '../../formula/nodes.js';
import { printScale } from '../../language/print.js';
import type { BilinearBlock } from '../../language/architecture.js';
import { HOMOGENEOUS, site } from '../../language/site.js';
import { bias, bilinear as pairPath } from '../../paths/path.js';
import { leaf, pairCoefficient, scaled, type Term } from '../../paths/term.js';
import { type Block, type Init, weightSpec } from '../block.js';
import { append, pairs } from '../stream.js';
import { normed } from './attention.js';
import { normOf } from './norm.js';

export function bilinear(spec: BilinearBlock, layer: number, width: number): Block {
  const m = spec.hidden;
  const norm = normOf(spec, 'ln2', layer);
  const at = (name: string) => site('mlp', layer, name);
  const outputBias = at('b_out');
  const tensor = (name: string, shape: number[], init: Init) => weightSpec(at(name), shape, init);
  const weights = [
    ...(norm?.weights(width) ?? []),
    tensor('W_in', [width, m], 'map'),
    tensor('W_gate', [width, m], 'map'),
    tensor('W_out', [m, width], 'map'),
    ...(spec.bias
      ? [tensor('b_in', [m], 'bias'), tensor('b_gate', [m], 'bias'), tensor('b_out', [width], 'bias')]
      : []),
  ];
  const extras = [...(norm?.extras() ?? []), ...(spec.bias ? [bias(HOMOGENEOUS)] : [])];

  return {
    kind: 'bilinear',
    layer,
    ...(norm ? { norm } : {}),
    weights,
    owns: [`bilinear:${layer}`, ...(spec.bias ? [outputBias, HOMOGENEOUS] : []), ...(norm ? [norm.bias] : [])],
    describe: () =>
      `${norm ? `${norm.describe()}, ` : ''}bilinear hidden ${m}${spec.bias ? ' with biases' : ''}` +
      (spec.scale ? `, output scaled by ${printScale(spec.scale)}` : ''),
    expand: (residual, options) => {
      if (options.ablateBilinear?.has(layer)) return residual;
      const symmetrize = options.symmetrize ?? true;
      const maxDegree = options.maxDegree ?? Infinity;
      // the inputs are held in memory only when they are few, and then once for every walk (stream.ts)
      const inputPairs = pairs(() => lowDegree(append(residual(), extras.map(leaf)), maxDegree), symmetrize);
      return function* () {
        yield* residual();
        for (const [p, q, diagonal] of inputPairs()) {
          // Stryker disable next-line ConditionalExpression: a shortcut, expand drops the terms above maxDegree too
          if (p.degree + q.degree <= maxDegree) yield scaled(pair(layer, p, q, symmetrize, diagonal), spec.scale);
        }
        if (spec.bias) yield scaled(leaf(bias(outputBias)), spec.scale);
      };
    },
    count: (residual, c) => {
      if (c.options.ablateBilinear?.has(layer)) return residual;
      const inputs = c.add(residual, c.constant(0, extras.length));
      return c.add(residual, c.pairs(inputs), c.constant(0, spec.bias ? 1 : 0));
    },
    lower: (path, sub) => {
      if (path.kind === 'bilinear') {
        const [left, right] = [normed(norm, path.left, sub(path.left)), normed(norm, path.right, sub(path.right))];
        return N.pair(layer, path.symmetrized, left, right);
      }
      if (path.kind === 'bias' && path.site === outputBias) return N.kron(N.ones(), N.vector('b_out', layer));
      if (path.kind === 'bias' && path.site === HOMOGENEOUS) return N.kron(N.ones(), N.vector('one'));
      if (norm && path.kind === 'bias' && path.site === norm.bias) return norm.lowerBias();
      throw new Error(`bilinear block ${layer} does not write ${path.kind} paths`);
    },
    forward: (x, context) => {
      const { tf } = context;
      const w = (name: string) => context.weight(at(name)) as tf.Tensor2D;
      const input = norm ? norm.forward(x, context) : x;
      let [left, right] = [matmul3(tf, input, w('W_in')), matmul3(tf, input, w('W_gate'))];
      if (spec.bias) [left, right] = [tf.add(left, w('b_in')), tf.add(right, w('b_gate'))];
      let out = matmul3(tf, tf.mul(left, right) as tf.Tensor3D, w('W_out'));
      if (spec.bias) out = tf.add(out, w('b_out'));
      return tf.add(x, spec.scale ? tf.mul(out, spec.scale.valueOf()) : out) as tf.Tensor3D;
    },
  };
}

function* lowDegree(terms: Iterable<Term>, maxDegree: number): Iterable<Term> {
  for (const t of terms) if (t.degree <= maxDegree) yield t;
}

// docs/design.md §3: coefficients multiply along a path; an off-diagonal symmetrized pair stands for two ordered ones.
function pair(layer: number, p: Term, q: Term, symmetrize: boolean, diagonal: boolean): Term {
  return {
    path: pairPath(layer, p.path, q.path, symmetrize),
    coefficient: pairCoefficient(p.coefficient, q.coefficient, symmetrize && !diagonal),
    degree: p.degree + q.degree,
  };
}

/** x @ W for x [B, n, a] and W [a, b]. */
export function matmul3(tfjs: typeof tf, x: tf.Tensor3D, w: tf.Tensor2D): tf.Tensor3D {
  const [B, n, a] = x.shape;
  return tfjs.reshape(tfjs.matMul(tfjs.reshape(x, [B * n, a]), w), [B, n, w.shape[1]]);
}
