// Eigenvectors read in token space: what each token's embedding contributes to a feature, and for
// one-layer models which pairs of tokens the quadratic form rewards (the weight-only answer to
// "which token pairs make the model output c").
import { match } from 'ts-pattern';
import { OptionError } from '../errors.js';
import type { Architecture } from '../language/architecture.js';
import { add, apply, dot, type Matrix, multiply, multiplyTransposed, row, zeros } from '../linalg/matrix.js';
import { W_E, W_POS, WeightView } from '../numeric/weight-view.js';
import type { Weights } from '../numeric/weights.js';
import { type BilinearForm, formDimension } from './bilinear.js';
import { appliedParts, listed } from './norm-parts.js';

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
  const view = new WeightView(arch, weights);
  const source = embeddings(view, options.position, notes);
  const via = options.via ?? { kind: 'embed' };
  const moved = match(via)
    .with({ kind: 'embed' }, () => {
      const earlier = arch.layers.slice(0, form.layer + 1).some(l => l.attention) || form.layer > 0;
      if (earlier)
        notes.push(
          `the direct embedding path: token a's embedding reaches layer ${form.layer}'s bilinear block unmixed ` +
            '(attention and earlier blocks skipped)',
        );
      return source;
    })
    .with({ kind: 'ov' }, v => throughHeads(view, form.layer, v.head, source, notes))
    .exhaustive();
  const norm = view.norm('ln2', form.layer);
  // A whole residual (the embed path) gets the norm's bias; a head's output is one summand of it.
  const bias = norm?.kind === 'layer' && via.kind === 'embed' ? view.vector64(norm.bias) : undefined;
  const prenorm = (x: Float64Array) => {
    const y = view.normed64(norm, x);
    return bias ? y.map((v, i) => v + bias[i]!) : y;
  };
  if (norm) {
    const parts = listed(appliedParts(norm, bias !== undefined));
    notes.push(`ln2 of layer ${form.layer}: ${parts ? `${parts} applied, ` : 'no gain, '}per-position scale left out`);
  }
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
function embeddings(view: WeightView, position: number | undefined, notes: string[]): Matrix {
  const { arch } = view;
  const embed = view.matrix64(W_E);
  if (position === undefined) {
    notes.push(
      arch.positional
        ? 'inputs are the token embeddings W_E[a] only (no W_pos row)'
        : 'inputs are the token embeddings W_E[a]',
    );
    return embed;
  }
  if (!arch.positional)
    throw new OptionError('position', undefined, `model '${arch.name}' has no positional embedding`);
  if (position >= arch.context)
    throw new OptionError('position', String(position), `the context has positions 0..${arch.context - 1}`);
  const pos = row(view.matrix64(W_POS), position);
  notes.push(`inputs are W_E[a] + W_pos[${position}]`);
  return add(embed, { ...embed, data: embed.data.map((_, k) => pos[k % arch.width]!) });
}

/** Σ_h N1(s_a) W_V^h W_O^h over the layer's heads (or one head), row convention. */
function throughHeads(
  view: WeightView,
  layer: number,
  head: number | undefined,
  source: Matrix,
  notes: string[],
): Matrix {
  const { arch } = view;
  const attention = arch.layers[layer]!.attention;
  if (!attention) throw new OptionError('via', 'ov', `layer ${layer} of model '${arch.name}' has no attention block`);
  const H = attention.heads;
  if (head !== undefined && head >= H)
    throw new OptionError('via', `ov:${head}`, `layer ${layer} has heads 0..${H - 1}`);
  const norm = view.norm('ln1', layer);
  const heads = head === undefined ? [...Array(H).keys()] : [head];
  const ov = heads.map(h => view.ov64(layer, h)).reduce(add);
  const normed: Matrix = { ...source, data: new Float64Array(source.data.length) };
  for (let a = 0; a < source.rows; a++) normed.data.set(view.normed64(norm, row(source, a)), a * source.cols);
  const movers = head === undefined ? `the ${H} heads of layer ${layer}, summed` : `head ${layer}.${head}`;
  const ln1Parts = norm && listed(appliedParts(norm));
  const ln1 = norm ? ` (ln1 ${ln1Parts ? `${ln1Parts} applied` : 'without gain'}, its scale left out)` : '';
  notes.push(
    `inputs are moved by ${movers}: s_a W_V W_O with attention weight 1${ln1}; ` +
      'value and output biases left out (the same for every token)',
  );
  return multiply(normed, ov);
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
