// Score terms on numbers (docs/design.md §3, "Score terms"): each (query path, key path) term of a head's
// pre-softmax scores evaluated on one token sequence, with the patterns and norm scales of the forward pass
// frozen, beside the forward pass's own scores. Each side path is projected once (W_Q or W_K applied to its
// normed residual contribution, then turned by its position under rotary attention); a term is then the
// n × n product of its two projections, in float64.
import * as tf from '@tensorflow/tfjs-core';
import type { Architecture } from '../language/architecture.js';
import { defaultKey, site } from '../language/site.js';
import type { Matrix } from '../linalg/matrix.js';
import { rotateRows } from '../linalg/rotary.js';
import { attentionOf, keyBias, queryBias, type ScoreTarget, type ScoreTerm } from '../model/scores.js';
import type { Path } from '../paths/path.js';
import { PathEvaluator } from './evaluate.js';
import { disposeFrozen, type SequenceFrozen } from './forward.js';
import { forwardChecked, overflowed } from './overflow.js';
import { entersBehind, WeightView } from './weight-view.js';
import type { Weights } from './weights.js';

export interface ScoreValues {
  readonly n: number;
  /** The forward pass's scores of the head, n × n row-major (query i, key j): after 1/√d_head, before the mask. */
  readonly forward: Float64Array;
  /** Its frozen pattern, n × n. */
  readonly pattern: Float64Array;
  /**
   * Each term's contribution at (query, key), coefficient included, in the order of the terms given; with
   * `key` a weight per key position, Σ_j weight_j · contribution at (query, j).
   */
  at(query: number, key: number | Float64Array): Float64Array;
  /**
   * Σ terms at every (query, key), n × n, and beside it an upper bound on Σ |term| (Cauchy–Schwarz per term):
   * the scale of float32 rounding. Terms are gathered per query path first, each term still added on its own.
   */
  totals(): { sum: Float64Array; mass: Float64Array };
}

/** Every term of `terms` (score terms of `target`) on `tokens`, and the forward pass's scores beside them. */
export function evaluateScores(
  arch: Architecture,
  weights: Weights,
  tokens: readonly number[],
  target: ScoreTarget,
  terms: readonly ScoreTerm[],
): ScoreValues {
  const { frozen, scores } = forwardWithScores(arch, weights, tokens, target);
  const n = tokens.length;
  const evaluator = new PathEvaluator(arch, weights, tokens, frozen);
  const view = new WeightView(arch, weights);
  try {
    const pattern = Float64Array.from(
      tf.tidy(() => tf.slice(frozen.patterns[target.layer]!, [target.head], [1])).dataSync(),
    );
    const sides = new SideProjections(arch, target, evaluator, view, frozen, n);
    const scale = 1 / Math.sqrt(attentionOf(arch, target).headSize);
    const projected = terms.map(t => ({
      q: sides.get(t.query, 'query'),
      k: sides.get(t.key, 'key'),
      c: t.coefficient.valueOf() * scale,
    }));
    return {
      n,
      forward: scores,
      pattern,
      at: (i, key) => {
        if (typeof key === 'number') return Float64Array.from(projected, ({ q, k, c }) => c * rowDot(q, i, k, key));
        const weighted = new Map<Matrix, Matrix>();
        return Float64Array.from(projected, ({ q, k, c }) => {
          let w = weighted.get(k);
          if (!w) weighted.set(k, (w = weightedRows(k, key)));
          return c * rowDot(q, i, w, 0);
        });
      },
      totals: () => totals(projected, n),
    };
  } finally {
    evaluator.dispose();
    view.dispose();
    disposeFrozen(frozen);
  }
}

interface Projected {
  readonly q: Matrix;
  readonly k: Matrix;
  readonly c: number;
}

/** Σ_j weights_j · row j of k, as a 1 × cols matrix. */
function weightedRows(k: Matrix, weights: Float64Array): Matrix {
  const data = new Float64Array(k.cols);
  weights.forEach((w, j) => {
    if (w !== 0) for (let e = 0; e < k.cols; e++) data[e]! += w * k.data[j * k.cols + e]!;
  });
  return { rows: 1, cols: k.cols, data };
}

function rowDot(q: Matrix, i: number, k: Matrix, j: number): number {
  let sum = 0;
  for (let e = 0; e < q.cols; e++) sum += q.data[i * q.cols + e]! * k.data[j * k.cols + e]!;
  return sum;
}

/** Σ_p q_p (Σ_k c_pk k)ᵀ, and the bound Σ_p |q_p| Σ_k |c_pk| |k| on Σ |term|, position by position. */
function totals(terms: readonly Projected[], n: number): { sum: Float64Array; mass: Float64Array } {
  const byQuery = new Map<Matrix, Projected[]>();
  for (const t of terms) {
    const group = byQuery.get(t.q);
    if (group) group.push(t);
    else byQuery.set(t.q, [t]);
  }
  const sum = new Float64Array(n * n);
  const mass = new Float64Array(n * n);
  for (const [q, group] of byQuery) {
    const dh = q.cols;
    const keys: Matrix = { rows: n, cols: dh, data: new Float64Array(n * dh) };
    const keyNorms = new Float64Array(n);
    for (const { k, c } of group) {
      for (let x = 0; x < n * dh; x++) keys.data[x]! += c * k.data[x]!;
      for (let j = 0; j < n; j++) keyNorms[j]! += Math.abs(c) * Math.sqrt(rowDot(k, j, k, j));
    }
    for (let i = 0; i < n; i++) {
      const queryNorm = Math.sqrt(rowDot(q, i, q, i));
      for (let j = 0; j < n; j++) {
        sum[i * n + j]! += rowDot(q, i, keys, j);
        mass[i * n + j]! += queryNorm * keyNorms[j]!;
      }
    }
  }
  return { sum, mass };
}

/** Side paths projected into the head's query or key space, n × d_head, turned by position under rotary. */
class SideProjections {
  private readonly memo = new Map<string, Matrix>();

  constructor(
    private readonly arch: Architecture,
    private readonly target: ScoreTarget,
    private readonly evaluator: PathEvaluator,
    private readonly view: WeightView,
    private readonly frozen: SequenceFrozen,
    private readonly n: number,
  ) {}

  get(path: Path, side: 'query' | 'key'): Matrix {
    const memoKey = `${side}|${pathKeyOf(path)}`;
    let m = this.memo.get(memoKey);
    if (!m) {
      m = this.project(path, side);
      this.memo.set(memoKey, m);
    }
    return m;
  }

  private project(path: Path, side: 'query' | 'key'): Matrix {
    const { layer, head } = this.target;
    const spec = attentionOf(this.arch, this.target);
    const isBias = path === (side === 'query' ? queryBias(layer) : keyBias(layer));
    const rows = tf.tidy(() => {
      if (isBias) {
        const b = this.view.tensor(site('attn', layer, side === 'query' ? 'b_Q' : 'b_K'));
        return tf.mul(tf.ones([this.n, 1]), tf.slice(b, [head], [1]));
      }
      const norm = this.view.norm('ln1', layer);
      const x = this.evaluator.residual(path);
      const scale = norm ? this.frozen.scales.get(norm.scaleKey) : undefined;
      const y = entersBehind(norm, path) ? x : this.view.normed(norm, x, scale);
      return tf.matMul(y, this.view.head(side === 'query' ? 'W_Q' : 'W_K', layer, head));
    });
    const [n, dh] = rows.shape as [number, number];
    const m: Matrix = { rows: n, cols: dh, data: Float64Array.from(rows.dataSync()) };
    rows.dispose();
    // float32 products of finite weights can overflow; the float64 products of two sides cannot
    if (!m.data.every(Number.isFinite))
      throw overflowed(
        'the score terms',
        `the ${side} side of head ${layer}.${head} (W_${side === 'query' ? 'Q' : 'K'})`,
      );
    return spec.rotary ? rotateRows(m, spec.rotary.base) : m;
  }
}

const pathKeys = new WeakMap<Path, number>();
let nextPathKey = 0;
function pathKeyOf(path: Path): number {
  let k = pathKeys.get(path);
  if (k === undefined) pathKeys.set(path, (k = nextPathKey++));
  return k;
}

/** The forward pass on one sequence, keeping its frozen quantities and the target head's scores. */
function forwardWithScores(
  arch: Architecture,
  weights: Weights,
  tokens: readonly number[],
  target: ScoreTarget,
): { frozen: SequenceFrozen; scores: Float64Array } {
  const patterns: (tf.Tensor3D | null)[] = arch.layers.map(() => null);
  const scales = new Map<string, tf.Tensor1D>();
  let scores: Float64Array | undefined;
  tf.tidy(() => {
    forwardChecked(arch, {
      tf,
      tokens: tf.tensor2d([[...tokens]], [1, tokens.length], 'int32'),
      weight: at => {
        const t = weights.get(defaultKey(at));
        if (!t) throw new Error(`weights lack ${defaultKey(at)}`);
        return t;
      },
      freezePattern: (layer, pattern) => {
        patterns[layer] = tf.keep(tf.squeeze(pattern, [0]) as tf.Tensor3D);
      },
      freezeScale: (key, scale) => {
        scales.set(key, tf.keep(tf.squeeze(scale, [0]) as tf.Tensor1D));
      },
      recordScores: (layer, s) => {
        if (layer === target.layer) scores = Float64Array.from(tf.slice(s, [0, target.head], [1, 1]).dataSync());
      },
    });
  });
  if (!scores) throw new Error(`the forward pass computed no scores for layer ${target.layer}`);
  return { frozen: { patterns, scales }, scores };
}
