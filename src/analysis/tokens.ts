// Eigenvectors read in token space: what each token's embedding contributes to a feature, and for
// one-layer models which pairs of tokens the quadratic form rewards (the weight-only answer to
// "which token pairs make the model output c").
import { match } from 'ts-pattern';
import { UserError } from '../errors.js';
import type { Architecture } from '../language/architecture.js';
import type { Weights } from '../numeric/weights.js';
import { type BilinearForm, bilinearBlockOf, float64, formDimension } from './bilinear.js';
import { apply, dot, type Matrix, multiplyTransposed, row, zeros } from './matrix.js';

export interface TokenInputs {
  /** Row a: the layer's (homogeneous) input when token a is embedded, [V, d']. */
  readonly matrix: Matrix;
  /** How the rows were made, one sentence each. */
  readonly notes: readonly string[];
}

/** How a token reaches the bilinear block: its embedding directly, or moved by the layer's heads. */
export type Via = { readonly kind: 'embed' } | { readonly kind: 'ov'; readonly head?: number };

export interface TokenInputOptions {
  /** Add W_pos[position] to every token embedding. */
  readonly position?: number;
  readonly via?: Via;
}

/**
 * x̃_a = (N(s_a), 1) with s_a the token's embedding W_E[a] (+ W_pos[p] when asked), or with `via ov`
 * the same moved by the same layer's heads, Σ_h s_a W_V^h W_O^h (attention weight 1 each: what a
 * head writes when it attends to a fully). N is the block's pre-norm with its gain and centering but
 * not its per-position scale; the homogeneous coordinate is appended when the block has biases.
 */
export function tokenInputs(
  arch: Architecture,
  weights: Weights,
  form: BilinearForm,
  options: TokenInputOptions = {},
): TokenInputs {
  const notes: string[] = [];
  const source = embeddings(arch, weights, options.position, notes);
  const via = options.via ?? { kind: 'embed' };
  const moved = match(via)
    .with({ kind: 'embed' }, () => {
      const earlier = arch.layers.slice(0, form.layer + 1).some(l => l.attention) || form.layer > 0;
      if (earlier)
        notes.push(
          `the direct embedding path: token a's embedding reaches layer ${form.layer}'s bilinear block unmixed (attention and earlier blocks skipped; --via ov reads it through the heads)`,
        );
      return source;
    })
    .with({ kind: 'ov' }, v => throughHeads(arch, weights, form.layer, v.head, source, notes))
    .exhaustive();
  const block = bilinearBlockOf(arch, form.layer);
  // A whole residual (the embed path) gets the norm's bias; a head's output is one summand of it.
  const withBias = via.kind === 'embed';
  const prenorm = block.norm
    ? normMap(weights, `blocks.${form.layer}.ln2`, block.norm, arch.width, withBias)
    : (x: Float64Array) => x;
  if (block.norm)
    notes.push(
      `ln2 of layer ${form.layer}: gain${block.norm === 'layer' ? (withBias ? ', centering and bias' : ' and centering') : ''} applied, per-position scale left out`,
    );
  if (form.homogeneous) notes.push('the constant coordinate x̃_d = 1 is appended (the block has biases)');
  const n = formDimension(form);
  const d = arch.width;
  const matrix = zeros(arch.vocab, n);
  for (let a = 0; a < arch.vocab; a++) {
    matrix.data.set(prenorm(row(moved, a)), a * n);
    if (form.homogeneous) matrix.data[a * n + d] = 1;
  }
  return { matrix, notes };
}

/** Rows W_E[a] (+ W_pos[position]). */
function embeddings(arch: Architecture, weights: Weights, position: number | undefined, notes: string[]): Matrix {
  const { vocab: V, width: d } = arch;
  const out: Matrix = { rows: V, cols: d, data: float64(weights, 'embed.W_E') };
  if (position === undefined) {
    notes.push(
      arch.positional
        ? 'inputs are the token embeddings W_E[a] only (no W_pos row; choose one with --position P)'
        : 'inputs are the token embeddings W_E[a]',
    );
    return out;
  }
  if (!arch.positional) throw new UserError(`--position: model '${arch.name}' has no positional embedding`);
  if (position >= arch.context)
    throw new UserError(`--position ${position} is out of range: the context has positions 0..${arch.context - 1}`);
  const pos = float64(weights, 'pos_embed.W_pos').subarray(position * d, (position + 1) * d);
  for (let a = 0; a < V; a++) for (let i = 0; i < d; i++) out.data[a * d + i]! += pos[i];
  notes.push(`inputs are W_E[a] + W_pos[${position}]`);
  return out;
}

/** Σ_h N1(s_a) W_V^h W_O^h over the layer's heads (or one head), row convention. */
function throughHeads(
  arch: Architecture,
  weights: Weights,
  layer: number,
  head: number | undefined,
  source: Matrix,
  notes: string[],
): Matrix {
  const attention = arch.layers[layer]!.attention;
  if (!attention) throw new UserError(`--via ov: layer ${layer} of model '${arch.name}' has no attention block`);
  const { heads: H, headSize: k } = attention;
  if (head !== undefined && head >= H) throw new UserError(`--via ov:${head}: layer ${layer} has heads 0..${H - 1}`);
  const d = arch.width;
  const values = float64(weights, `blocks.${layer}.attn.W_V`);
  const outputs = float64(weights, `blocks.${layer}.attn.W_O`);
  const prenorm = attention.norm
    ? normMap(weights, `blocks.${layer}.ln1`, attention.norm, d, false)
    : (x: Float64Array) => x;
  const out = zeros(source.rows, d);
  const heads = head === undefined ? [...Array(H).keys()] : [head];
  for (let a = 0; a < source.rows; a++) {
    const x = prenorm(row(source, a));
    for (const h of heads) {
      for (let j = 0; j < k; j++) {
        let z = 0;
        for (let i = 0; i < d; i++) z += x[i]! * values[(h * d + i) * k + j]!;
        for (let o = 0; o < d; o++) out.data[a * d + o]! += z * outputs[(h * k + j) * d + o]!;
      }
    }
  }
  notes.push(
    `inputs are moved by ${head === undefined ? `the ${H} heads of layer ${layer}, summed` : `head ${layer}.${head}`}: s_a W_V W_O with attention weight 1${attention.norm ? ` (ln1 gain${attention.norm === 'layer' ? ' and centering' : ''} applied, its scale left out)` : ''}; value and output biases left out (the same for every token)`,
  );
  return out;
}

function normMap(
  weights: Weights,
  prefix: string,
  kind: 'rms' | 'layer',
  d: number,
  withBias: boolean,
): (x: Float64Array) => Float64Array {
  const gain = float64(weights, `${prefix}.w`);
  const bias = kind === 'layer' && withBias ? float64(weights, `${prefix}.b`) : new Float64Array(d);
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

export interface PairOptions {
  /** b's inputs when they differ from a's (another position): the pairs are then ordered. */
  readonly right?: TokenInputs;
  /** Only tokens 0..among-1 (e.g. the numbers of an arithmetic task, not its `=`). */
  readonly among?: number;
}

/**
 * T[a,b] = x̃_aᵀ Q x̃_b: the top k pairs by value and by |value|. With one set of inputs T is
 * symmetric and the pairs are unordered (a ≤ b); with `right`, a is read from `inputs` and b from
 * `right` (e.g. a at position 0, b at position 1) and every ordered pair counts.
 */
export function tokenPairs(
  inputs: TokenInputs,
  q: Matrix,
  k: number,
  options: PairOptions = {},
): { top: TokenPair[]; topAbs: TokenPair[] } {
  const left = inputs.matrix;
  const right = options.right?.matrix ?? left;
  const lq = multiplyTransposed(left, q); // Q is symmetric: X Qᵀ = X Q
  const V = Math.min(left.rows, options.among ?? left.rows);
  const ordered = options.right !== undefined;
  function* pairs(): Generator<TokenPair> {
    for (let a = 0; a < V; a++) {
      const ya = row(lq, a);
      for (let b = ordered ? 0 : a; b < V; b++) yield { a, b, value: dot(ya, row(right, b)) };
    }
  }
  return {
    top: topBy(pairs(), k, p => p.value).map(s => s.item),
    topAbs: topBy(pairs(), k, p => Math.abs(p.value)).map(s => s.item),
  };
}
