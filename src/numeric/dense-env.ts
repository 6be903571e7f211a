// A model's real weights, one token sequence and its frozen quantities as the float64 environment
// of the reference evaluator (src/formula/evaluate-dense.ts). Storage is TransformerLens row
// convention (`x @ W`, docs/design.md §3); formulas are column convention (docs/design.md §1), so every map is
// transposed here, once: W_V^{l,h} is d_head × d, W_O^{l,h} is d × d_head, W_U is V × d.
import type { DenseEnv, Matrix } from '../formula/evaluate-dense.js';
import { matrix, multiply, transposeOf } from '../formula/evaluate-dense.js';
import type { NormSite, VectorName, WeightName } from '../formula/nodes.js';
import type { Architecture } from '../language/architecture.js';
import type { SequenceFrozen } from './forward.js';
import type { Weights } from './weights.js';

interface HostTensor {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

export function denseEnvOf(
  arch: Architecture,
  weights: Weights,
  tokens: readonly number[],
  frozen: SequenceFrozen,
): DenseEnv {
  const n = tokens.length;
  const d = arch.width;
  const host = new Map<string, HostTensor>();
  const tensor = (key: string): HostTensor => {
    let t = host.get(key);
    if (!t) {
      const w = weights.get(key);
      if (!w) throw new Error(`weights lack ${key}`);
      host.set(key, (t = { shape: w.shape, data: Float64Array.from(w.dataSync()) }));
    }
    return t;
  };
  /** Row-convention 2-D slice `[rows, cols]` starting at flat offset `at`, transposed to column convention. */
  const columnMatrix = (key: string, at = 0): Matrix => {
    const t = tensor(key);
    const [rows, cols] = t.shape.slice(-2) as [number, number];
    return matrix(cols, rows, (i, j) => t.data[at + j * cols + i]!);
  };
  const headSlice = (key: string, head: number) => {
    const [, a, b] = tensor(key).shape as [number, number, number];
    return columnMatrix(key, head * a * b);
  };
  const column = (values: ArrayLike<number>): Matrix => matrix(values.length, 1, i => values[i]!);
  const memo = new Map<string, Matrix>();
  const cached = (key: string, make: () => Matrix) => memo.get(key) ?? memo.set(key, make()).get(key)!;
  const normPrefix = (site: NormSite, layer: number | null) =>
    site === 'final' ? 'ln_final' : `blocks.${layer}.${site}`;

  const weight = (name: WeightName, layer: number | null, head: number | null, site: NormSite | null): Matrix =>
    cached(`${name}:${layer}:${head}:${site}`, () => {
      const attn = (w: string) => headSlice(`blocks.${layer}.attn.${w}`, head!);
      switch (name) {
        case 'W_E': {
          const E = tensor('embed.W_E');
          return matrix(d, n, (i, s) => E.data[tokens[s]! * d + i]!);
        }
        case 'W_pos': {
          const P = tensor('pos_embed.W_pos');
          return matrix(d, n, (i, s) => P.data[s * d + i]!);
        }
        case 'W_U':
          return columnMatrix('unembed.W_U');
        case 'W_Q':
        case 'W_K':
        case 'W_V':
        case 'W_O':
          return attn(name);
        case 'W_OV':
          return multiply(attn('W_O'), attn('W_V'));
        case 'W_QK':
          return multiply(transposeOf(attn('W_Q')), attn('W_K'));
        case 'G': {
          const g = tensor(`${normPrefix(site!, layer)}.w`).data;
          return matrix(d, d, (i, j) => (i === j ? g[i]! : 0));
        }
        case 'C':
          return matrix(d, d, (i, j) => (i === j ? 1 : 0) - 1 / d);
      }
    });

  const vector = (name: VectorName, layer: number | null, site: NormSite | null): Matrix =>
    cached(`v${name}:${layer}:${site}`, () => {
      switch (name) {
        case 'b_O':
          return column(valueFoldedOutputBias(layer!));
        case 'b_out':
          return column(tensor(`blocks.${layer}.mlp.b_out`).data);
        case 'b_ln':
          return column(tensor(`${normPrefix(site!, layer)}.b`).data);
        case 'b_U':
          return column(tensor('unembed.b_U').data);
        case 'one':
          throw new Error('the homogeneous coordinate 1 has a value only inside a bilinear map');
      }
    });

  // docs/design.md §3: a value bias passes through a head unchanged in position, so b_O carries Σ_h W_O^h b_V^h.
  const valueFoldedOutputBias = (layer: number): Float64Array => {
    const out = Float64Array.from(tensor(`blocks.${layer}.attn.b_O`).data);
    const heads = arch.layers[layer]!.attention!.heads;
    for (let h = 0; h < heads; h++) {
      const bV = tensor(`blocks.${layer}.attn.b_V`);
      const k = bV.shape[1]!;
      const folded = multiply(headSlice(`blocks.${layer}.attn.W_O`, h), column(bV.data.subarray(h * k, (h + 1) * k)));
      folded.data.forEach((v, i) => {
        out[i]! += v;
      });
    }
    return out;
  };

  const pattern = (layer: number, head: number): Matrix =>
    cached(`A${layer}.${head}`, () => {
      const A = frozen.patterns[layer]!.dataSync();
      return matrix(n, n, (t, s) => A[head * n * n + t * n + s]!);
    });

  const scale = (site: NormSite, layer: number | null): Matrix =>
    cached(`D${site}${layer}`, () => {
      const D = frozen.scales.get(site === 'final' ? 'final' : `${site}.${layer}`)!.dataSync();
      return matrix(n, n, (i, j) => (i === j ? D[i]! : 0));
    });

  const bilinear = (layer: number) => {
    const mlp = arch.layers[layer]!.bilinear!;
    const key = (w: string) => `blocks.${layer}.mlp.${w}`;
    const bias = (w: string) => cached(key(w), () => (mlp.bias ? column(tensor(key(w)).data) : matrix(mlp.hidden, 1)));
    return {
      W_in: cached(key('W_in'), () => columnMatrix(key('W_in'))),
      W_gate: cached(key('W_gate'), () => columnMatrix(key('W_gate'))),
      W_out: cached(key('W_out'), () => columnMatrix(key('W_out'))),
      b_in: bias('b_in'),
      b_gate: bias('b_gate'),
    };
  };

  return { n, weight, vector, pattern, scale, bilinear };
}
