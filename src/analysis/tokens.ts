// Eigenvectors read in token space: what each token's embedding contributes to a feature, and for
// one-layer models which pairs of tokens the quadratic form rewards (the weight-only answer to
// "which token pairs make the model output c").
import { UserError } from '../errors.js';
import type { Architecture } from '../spec/architecture.js';
import type { Weights } from '../numeric/weights.js';
import { type BilinearForm, bilinearBlockOf, float64, formDimension } from './bilinear.js';
import { apply, dot, type Matrix, multiplyTransposed, row, zeros } from './matrix.js';

export interface TokenInputs {
  /** Row a: the layer's (homogeneous) input when token a is embedded, [V, d']. */
  readonly matrix: Matrix;
  /** How the rows were made, one sentence each. */
  readonly notes: readonly string[];
}

/**
 * x̃_a = (N(W_E[a] + W_pos[p]), 1): the token's embedding (plus the row of a fixed position, when
 * asked), through the block's pre-norm with its gain (and centering, bias) but not its per-position
 * scale, then the homogeneous coordinate when the block has biases. For layers after 0 this is the
 * direct embedding path only.
 */
export function tokenInputs(arch: Architecture, weights: Weights, form: BilinearForm, position?: number): TokenInputs {
  const { vocab: V, width: d } = arch;
  const notes: string[] = [];
  const embed = float64(weights, 'embed.W_E');
  const pos = new Float64Array(d);
  if (position !== undefined) {
    if (!arch.positional) throw new UserError(`--position: model '${arch.name}' has no positional embedding`);
    if (position >= arch.context) throw new UserError(`--position ${position} is out of range: the context has positions 0..${arch.context - 1}`);
    pos.set(float64(weights, 'pos_embed.W_pos').subarray(position * d, (position + 1) * d));
    notes.push(`inputs are W_E[a] + W_pos[${position}]`);
  } else {
    notes.push(arch.positional ? 'inputs are the token embeddings W_E[a] only (no W_pos row; choose one with --position P)' : 'inputs are the token embeddings W_E[a]');
  }
  const earlier = arch.layers.slice(0, form.layer + 1).some(l => l.attention) || form.layer > 0;
  if (earlier) notes.push(`the direct embedding path: token a's embedding reaches layer ${form.layer}'s bilinear block unmixed (attention and earlier blocks skipped)`);
  const block = bilinearBlockOf(arch, form.layer);
  const prenorm = block.norm ? normMap(weights, form.layer, block.norm, d) : (x: Float64Array) => x;
  if (block.norm) notes.push(`ln2 of layer ${form.layer}: gain${block.norm === 'layer' ? ', centering and bias' : ''} applied, per-position scale left out`);
  if (form.homogeneous) notes.push('the constant coordinate x̃_d = 1 is appended (the block has biases)');
  const n = formDimension(form);
  const matrix = zeros(V, n);
  for (let a = 0; a < V; a++) {
    const x = prenorm(Float64Array.from({ length: d }, (_, i) => embed[a * d + i]! + pos[i]!));
    matrix.data.set(x, a * n);
    if (form.homogeneous) matrix.data[a * n + d] = 1;
  }
  return { matrix, notes };
}

function normMap(weights: Weights, layer: number, kind: 'rms' | 'layer', d: number): (x: Float64Array) => Float64Array {
  const gain = float64(weights, `blocks.${layer}.ln2.w`);
  const bias = kind === 'layer' ? float64(weights, `blocks.${layer}.ln2.b`) : new Float64Array(d);
  return x => {
    const mean = kind === 'layer' ? x.reduce((s, v) => s + v, 0) / d : 0;
    return x.map((v, i) => (v - mean) * gain[i]! + bias[i]!);
  };
}

/** x̃_a · v for every token a. */
export function tokenProfile(inputs: TokenInputs, v: ArrayLike<number>): Float64Array {
  return apply(inputs.matrix, v);
}

export interface Scored<T> {
  readonly item: T;
  readonly value: number;
}

/** The k largest items by `score`, best first (a bounded insertion: k is small, n may be large). */
export function topBy<T>(items: Iterable<T>, k: number, score: (item: T) => number): Scored<T>[] {
  const best: Scored<T>[] = [];
  for (const item of items) {
    const value = score(item);
    if (best.length === k && value <= best[k - 1]!.value) continue;
    let i = best.length < k ? best.length : k - 1;
    best[i] = { item, value };
    while (i > 0 && best[i - 1]!.value < value) {
      [best[i - 1], best[i]] = [best[i]!, best[i - 1]!];
      i--;
    }
  }
  return best;
}

export interface TokenValue {
  readonly token: number;
  readonly value: number;
}

/** The tokens with the largest and with the most negative profile values. */
export function extremeTokens(profile: ArrayLike<number>, k: number): { top: TokenValue[]; bottom: TokenValue[] } {
  const tokens = Array.from({ length: profile.length }, (_, a) => a);
  return {
    top: topBy(tokens, k, a => profile[a]!).map(s => ({ token: s.item, value: s.value })),
    bottom: topBy(tokens, k, a => -profile[a]!).map(s => ({ token: s.item, value: -s.value })),
  };
}

export interface TokenPair {
  readonly a: number;
  readonly b: number;
  readonly value: number;
}

/** Beyond this vocabulary the V×V table is not built (V² d' work). */
export const PAIR_TABLE_LIMIT = 4096;

/** T[a,b] = x̃_aᵀ Q x̃_b over unordered pairs a ≤ b: the top k by value and by |value|. */
export function tokenPairs(inputs: TokenInputs, q: Matrix, k: number): { top: TokenPair[]; topAbs: TokenPair[] } {
  const x = inputs.matrix;
  const xq = multiplyTransposed(x, q); // Q is symmetric: X Qᵀ = X Q
  const V = x.rows;
  function* pairs(): Generator<TokenPair> {
    for (let a = 0; a < V; a++) {
      const ya = row(xq, a);
      for (let b = a; b < V; b++) yield { a, b, value: dot(ya, row(x, b)) };
    }
  }
  return {
    top: topBy(pairs(), k, p => p.value).map(s => s.item),
    topAbs: topBy(pairs(), k, p => Math.abs(p.value)).map(s => s.item),
  };
}
