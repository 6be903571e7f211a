// A model's real weights, one token sequence and its frozen quantities as the float64 environment
// of the reference evaluator (src/formula/evaluate-dense.ts). Storage is TransformerLens row
// convention (`x @ W`, docs/design.md §3); formulas are column convention (docs/design.md §1), so every map is
// transposed here, once: W_V^{l,h} is d_head × d, W_O^{l,h} is d × d_head, W_U is V × d.
import type { DenseEnv } from '../formula/evaluate-dense.js';
import type { NormSite, VectorName, WeightName } from '../formula/nodes.js';
import type { Architecture } from '../language/architecture.js';
import { site } from '../language/site.js';
import { type Matrix, matrix, multiply, transpose } from '../linalg/matrix.js';
import type { Norm } from '../model/blocks/norm.js';
import type { SequenceFrozen } from './forward.js';
import { B_U, type HeadWeight, W_E, W_POS, W_U, WeightView } from './weight-view.js';
import type { Weights } from './weights.js';

export function denseEnvOf(
  arch: Architecture,
  weights: Weights,
  tokens: readonly number[],
  frozen: SequenceFrozen,
): DenseEnv {
  const n = tokens.length;
  const d = arch.width;
  const view = new WeightView(arch, weights);
  const column = (values: ArrayLike<number>): Matrix => matrix(values.length, 1, i => values[i]!);
  const memo = new Map<string, Matrix>();
  const cached = (key: string, make: () => Matrix) => memo.get(key) ?? memo.set(key, make()).get(key)!;
  const normAt = (at: NormSite | null, layer: number | null): Norm => view.norm(at!, layer)!;
  /** The embedding rows of this sequence's tokens (or its positions), as columns. */
  const inputColumns = (rows: Matrix, index: (s: number) => number) =>
    matrix(d, n, (i, s) => rows.data[index(s) * d + i]!);

  const weight = (name: WeightName, layer: number | null, head: number | null, at: NormSite | null): Matrix =>
    cached(`${name}:${layer}:${head}:${at}`, () => {
      const attn = (w: HeadWeight) => transpose(view.matrix64(site('attn', layer, w), head!));
      switch (name) {
        case 'W_E':
          return inputColumns(view.matrix64(W_E), s => tokens[s]!);
        case 'W_pos':
          return inputColumns(view.matrix64(W_POS), s => s);
        case 'W_U':
          return transpose(view.matrix64(W_U));
        case 'W_Q':
        case 'W_K':
        case 'W_V':
        case 'W_O':
          return attn(name);
        case 'W_OV':
          return transpose(view.ov64(layer!, head!));
        case 'W_QK':
          return multiply(transpose(attn('W_Q')), attn('W_K'));
        case 'G': {
          const gain = normAt(at, layer).gain;
          const g = gain ? view.vector64(gain) : new Float64Array(d).fill(1);
          return matrix(d, d, (i, j) => (i === j ? g[i]! : 0));
        }
        case 'I':
          return matrix(d, d, (i, j) => (i === j ? 1 : 0));
        case 'C':
          return matrix(d, d, (i, j) => (i === j ? 1 : 0) - 1 / d);
      }
    });

  const vector = (name: VectorName, layer: number | null, at: NormSite | null): Matrix =>
    cached(`v${name}:${layer}:${at}`, () => {
      switch (name) {
        case 'b_O':
          return column(view.bias64(site('attn', layer, 'b_O')));
        case 'b_out':
          return column(view.vector64(site('mlp', layer, 'b_out')));
        case 'b_ln':
          return column(view.vector64(normAt(at, layer).bias));
        case 'b_U':
          return column(view.vector64(B_U));
        case 'one':
          throw new Error('the homogeneous coordinate 1 has a value only inside a bilinear map');
      }
    });

  const pattern = (layer: number, head: number): Matrix =>
    cached(`A${layer}.${head}`, () => {
      const A = frozen.patterns[layer]!.dataSync();
      return matrix(n, n, (t, s) => A[head * n * n + t * n + s]!);
    });

  const scale = (at: NormSite, layer: number | null): Matrix =>
    cached(`D${at}${layer}`, () => {
      const D = frozen.scales.get(normAt(at, layer).scaleKey)!.dataSync();
      return matrix(n, n, (i, j) => (i === j ? D[i]! : 0));
    });

  const bilinear = (layer: number) => {
    const mlp = arch.layers[layer]!.bilinear!;
    const at = (w: string) => site('mlp', layer, w);
    const map = (w: string) => cached(w + layer, () => transpose(view.matrix64(at(w))));
    const bias = (w: string) =>
      cached(w + layer, () => (mlp.bias ? column(view.vector64(at(w))) : matrix(mlp.hidden, 1)));
    return {
      W_in: map('W_in'),
      W_gate: map('W_gate'),
      W_out: map('W_out'),
      b_in: bias('b_in'),
      b_gate: bias('b_gate'),
    };
  };

  /** Head h's row of a stored [H, d_head] query or key bias, as a column (score formulas). */
  const headBias = (name: 'b_Q' | 'b_K', layer: number, head: number): Matrix => {
    const size = arch.layers[layer]!.attention!.headSize;
    return column(view.vector64(site('attn', layer, name)).subarray(head * size, (head + 1) * size));
  };

  return { n, weight, vector, pattern, scale, bilinear, headBias };
}
