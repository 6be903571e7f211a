// One view of a model's weights: every quantity the numeric and analysis layers derive from them, defined
// once and computed once per view. In tfjs (float32, row convention `x @ W` as stored): a head's W_V, W_O
// and W_OV, the folded attention output bias, a frozen norm as a linear map on n × d rows and its
// transpose, the pull-back of a logit direction, the m × V map after a bilinear layer's hidden units. In
// float64 (host copies, src/linalg/matrix.ts): the same quantities the float64 routes need. Derived tfjs
// tensors are kept until `dispose()`; float64 arrays handed out are shared with the cache: read only.
import * as tf from '@tensorflow/tfjs-core';
import { UserError } from '../errors.js';
import type { NormSite } from '../formula/nodes.js';
import type { Architecture } from '../language/architecture.js';
import { defaultKey, HOMOGENEOUS, type Site, site } from '../language/site.js';
import { column, type Matrix, multiply } from '../linalg/matrix.js';
import type { Norm } from '../model/blocks/norm.js';
import { blocksOf } from '../model/blocks.js';
import type { Path } from '../paths/path.js';
import type { Weights } from './weights.js';

export const W_E = site('embed', null, 'W_E');
export const W_POS = site('pos_embed', null, 'W_pos');
export const W_U = site('unembed', null, 'W_U');
export const B_U = site('unembed', null, 'b_U');

export type HeadWeight = 'W_Q' | 'W_K' | 'W_V' | 'W_O';

/** The pre-norm in front of a block input (`ln1`, `ln2` of a layer, `final` before W_U), as its block has it. */
export function normAt(arch: Architecture, at: NormSite, layer: number | null): Norm | undefined {
  return blocksOf(arch).normAt(at, layer);
}

/** The norm's own bias (and the homogeneous coordinate) enter its block behind the norm: they are not normed. */
export function entersBehind(norm: Norm | undefined, path: Path): boolean {
  return norm !== undefined && !norm.normalizes(path);
}

export class WeightView {
  private readonly derived = new Map<string, tf.Tensor>();
  private readonly vectors = new Map<Site, Float64Array>();
  private readonly matrices = new Map<string, Matrix>();
  private readonly outputBiases = new Map<Site, Float64Array>();

  constructor(
    readonly arch: Architecture,
    private readonly weights: Weights,
  ) {}

  /** The stored tensor at a site. */
  tensor(at: Site): tf.Tensor {
    const t = this.weights.get(defaultKey(at));
    if (!t) throw new UserError(`the weights lack ${defaultKey(at)}`);
    return t;
  }

  norm(at: NormSite, layer: number | null): Norm | undefined {
    return normAt(this.arch, at, layer);
  }

  // ---- tfjs, float32 -------------------------------------------------------------------------------

  /** Head h's slice of W_Q, W_K, W_V ([d, d_head]) or W_O ([d_head, d]). */
  head(name: HeadWeight, layer: number, head: number): tf.Tensor2D {
    return this.kept(`${name}:${layer}.${head}`, () =>
      tf.squeeze(tf.slice(this.tensor(site('attn', layer, name)), [head], [1]), [0]),
    );
  }

  /** W_V^h W_O^h, d × d: the head's OV circuit in row convention (docs/design.md §1 head row, transposed). */
  ov(layer: number, head: number): tf.Tensor2D {
    return this.kept(`OV:${layer}.${head}`, () =>
      tf.matMul(this.head('W_V', layer, head), this.head('W_O', layer, head)),
    );
  }

  /** The residual-stream vector a bias path stands for: the attention output bias carries the value biases. */
  bias(at: Site): tf.Tensor1D {
    if (!isOutputBias(at)) return this.tensor(homogeneousRefused(at)) as tf.Tensor1D;
    return this.kept(`b_O:${at.layer}`, () => tf.tensor1d(Float32Array.from(this.bias64(at))));
  }

  /** The frozen norm on rows x [n, d]: centred (LayerNorm), times the per-position scale when given, times the gain. */
  normed(norm: Norm | undefined, x: tf.Tensor2D, scale?: tf.Tensor1D): tf.Tensor2D {
    if (!norm) return x;
    const centred = norm.kind === 'layer' ? tf.sub(x, tf.mean(x, 1, true)) : x;
    const scaled = scale ? tf.mul(centred, tf.expandDims(scale, 1)) : centred;
    return (norm.gain ? tf.mul(scaled, this.tensor(norm.gain)) : scaled) as tf.Tensor2D;
  }

  /** The transpose of `normed`: the direction on the norm's input that reads what u reads on its output. */
  normPulledBack(norm: Norm | undefined, u: tf.Tensor2D, scale?: tf.Tensor1D): tf.Tensor2D {
    if (!norm) return u;
    const gained = (norm.gain ? tf.mul(u, this.tensor(norm.gain)) : u) as tf.Tensor2D;
    const centred = norm.kind === 'layer' ? tf.sub(gained, tf.mean(gained, 1, true)) : gained;
    return (scale ? tf.mul(centred, tf.expandDims(scale, 1)) : centred) as tf.Tensor2D;
  }

  /** A logit direction [n, V] through W_U alone, [n, d]: what it reads on the final norm's output. */
  unembedPulledBack(direction: tf.Tensor2D): tf.Tensor2D {
    return tf.matMul(direction, this.tensor(W_U) as tf.Tensor2D, false, true);
  }

  /** A logit direction [n, V] pulled back through W_U and the frozen final norm, [n, d]. */
  logitPulledBack(direction: tf.Tensor2D, finalScale?: tf.Tensor1D): tf.Tensor2D {
    return this.normPulledBack(this.norm('final', null), this.unembedPulledBack(direction), finalScale);
  }

  /** The m × V map from bilinear layer l's hidden units to the logits: W_out, the final norm less its scale, W_U. */
  afterHidden(layer: number): tf.Tensor2D {
    return this.kept(`after-hidden:${layer}`, () => {
      const out = this.normed(this.norm('final', null), this.tensor(site('mlp', layer, 'W_out')) as tf.Tensor2D);
      return tf.matMul(out, this.tensor(W_U) as tf.Tensor2D);
    });
  }

  // ---- host, float64 -------------------------------------------------------------------------------

  /** A stored tensor's values in float64, flat. */
  vector64(at: Site): Float64Array {
    let v = this.vectors.get(at);
    if (!v) this.vectors.set(at, (v = Float64Array.from(this.tensor(at).dataSync())));
    return v;
  }

  /** A stored 2-D tensor in float64 as stored (row convention), or head h's slice of a 3-D one. */
  matrix64(at: Site, head?: number): Matrix {
    const shape = this.tensor(at).shape;
    const [rows, cols] = shape.slice(-2) as [number, number];
    const start = (head ?? 0) * rows * cols;
    return { rows, cols, data: this.vector64(at).subarray(start, start + rows * cols) };
  }

  /** W_V^h W_O^h in float64, d × d. */
  ov64(layer: number, head: number): Matrix {
    const key = `OV:${layer}.${head}`;
    let m = this.matrices.get(key);
    if (!m) {
      const at = (name: HeadWeight) => this.matrix64(site('attn', layer, name), head);
      this.matrices.set(key, (m = multiply(at('W_V'), at('W_O'))));
    }
    return m;
  }

  /**
   * `bias` in float64. docs/design.md §3: a value bias passes through a head unchanged in position (rows of
   * A sum to 1), so the output bias carries it: b_O + Σ_h b_V^h W_O^h.
   */
  bias64(at: Site): Float64Array {
    if (!isOutputBias(at)) return this.vector64(homogeneousRefused(at));
    let folded = this.outputBiases.get(at);
    if (!folded) {
      folded = Float64Array.from(this.vector64(at));
      const b_V = this.vector64(site('attn', at.layer, 'b_V'));
      const heads = this.tensor(site('attn', at.layer, 'W_O')).shape[0]!;
      for (let h = 0; h < heads; h++) {
        const W_O = this.matrix64(site('attn', at.layer, 'W_O'), h);
        for (let i = 0; i < W_O.cols; i++) {
          let s = 0;
          for (let j = 0; j < W_O.rows; j++) s += b_V[h * W_O.rows + j]! * W_O.data[j * W_O.cols + i]!;
          folded[i]! += s;
        }
      }
      this.outputBiases.set(at, folded);
    }
    return folded;
  }

  /** `normed` on one row in float64, less the scale: (x − mean x) ⊙ g, or x ⊙ g for RMSNorm. */
  normed64(norm: Norm | undefined, x: ArrayLike<number>): Float64Array {
    if (!norm) return Float64Array.from(x);
    const gain = this.gain64(norm, x.length);
    const mean = norm.kind === 'layer' ? mean64(x) : 0;
    return Float64Array.from(x, (v, i) => (v - mean) * gain[i]!);
  }

  /** A norm's gain in float64; ones for a norm without one. */
  private gain64(norm: Norm, width: number): Float64Array {
    return norm.gain ? this.vector64(norm.gain) : new Float64Array(width).fill(1);
  }

  /** `normPulledBack` on one row in float64, less the scale. */
  normPulledBack64(norm: Norm | undefined, u: ArrayLike<number>): Float64Array {
    if (!norm) return Float64Array.from(u);
    const gain = this.gain64(norm, u.length);
    const gained = Float64Array.from(u, (v, i) => v * gain[i]!);
    if (norm.kind !== 'layer') return gained;
    const mean = mean64(gained);
    return gained.map(v => v - mean);
  }

  /** The logit of `token` pulled back through W_U and the final norm less its scale: C (g ⊙ W_U[:, token]). */
  logitPulledBack64(token: number): Float64Array {
    return this.normPulledBack64(this.norm('final', null), column(this.matrix64(W_U), token));
  }

  dispose(): void {
    for (const t of this.derived.values()) t.dispose();
    this.derived.clear();
    this.vectors.clear();
    this.matrices.clear();
    this.outputBiases.clear();
  }

  /** A derived tensor, made once (from new tensors only: a stored one would be disposed with the view). */
  private kept<T extends tf.Tensor>(key: string, make: () => tf.Tensor): T {
    let t = this.derived.get(key);
    if (!t) this.derived.set(key, (t = tf.keep(tf.tidy(make))));
    return t as T;
  }
}

const isOutputBias = (at: Site): at is Site & { layer: number } =>
  at.layer !== null && at === site('attn', at.layer, 'b_O');

function homogeneousRefused(at: Site): Site {
  if (at === HOMOGENEOUS)
    throw new UserError(
      'the homogeneous coordinate {"kind":"bias","name":"1"} is only an argument of a bilinear block',
    );
  return at;
}

function mean64(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  return s / x.length;
}
