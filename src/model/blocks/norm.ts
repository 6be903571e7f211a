// A pre-norm (RMSNorm or LayerNorm) on the input of the block that follows it. With its
// per-position scale frozen from the forward pass it is linear (docs/design.md §1, frozen norm
// row): `x ↦ (D ⊗ G) x`, or `(D ⊗ G C) x` with the centering C for LayerNorm, whose bias `b` enters
// the block as one more input path (degree 0), behind the norm. A norm without a gain (`nogain`) has
// the identity I in the gain's place.
import type * as tf from '@tensorflow/tfjs-core';
import * as N from '../../formula/nodes.js';
import type { Expr, NormSite } from '../../formula/nodes.js';
import type { NormKind, NormOptions } from '../../language/architecture.js';
import { HOMOGENEOUS, type Site, site } from '../../language/site.js';
import { bias, type Path } from '../../paths/path.js';
import { type ForwardContext, type WeightSpec, weightSpec } from '../block.js';

export const NORM_EPS = 1e-5;

export class Norm {
  /** The gain `w`; null for a norm without one. */
  readonly gain: Site | null;
  readonly bias: Site;
  readonly eps: number;

  constructor(
    readonly kind: NormKind,
    /** `ln1` before attention, `ln2` before the MLP, `final` before W_U. */
    readonly at: NormSite,
    readonly layer: number | null,
    options: NormOptions = {},
  ) {
    const block = at === 'final' ? 'ln_final' : at;
    this.gain = options.gain === false ? null : site(block, layer, 'w');
    this.bias = site(block, layer, 'b');
    this.eps = options.eps ?? NORM_EPS;
  }

  /** The key its frozen scale has among the forward pass's frozen quantities. */
  get scaleKey(): string {
    return this.at === 'final' ? 'final' : `${this.at}.${this.layer}`;
  }

  weights(width: number): WeightSpec[] {
    const gain = this.gain ? [weightSpec(this.gain, [width], 'gain')] : [];
    return this.kind === 'rms' ? gain : [...gain, weightSpec(this.bias, [width], 'bias')];
  }

  /** `rms norm`, `rms norm without gain (eps 1e-8)`: for `pathsum check`. */
  describe(): string {
    const eps = this.eps === NORM_EPS ? '' : ` (eps ${this.eps})`;
    return `${this.kind} norm${this.gain ? '' : ' without gain'}${eps}`;
  }

  /** Input paths the norm adds to its block's inputs: the LayerNorm bias. */
  extras(): Path[] {
    return this.kind === 'layer' ? [bias(this.bias)] : [];
  }

  /** The norm's own bias and the homogeneous coordinate enter the block behind the norm. */
  normalizes(path: Path): boolean {
    return !(path.kind === 'bias' && (path.site === this.bias || path.site === HOMOGENEOUS));
  }

  /** `(D ⊗ G) x` or `(D ⊗ G C) x`: the frozen norm applied to the formula of a residual path. */
  lower(path: Path, x: Expr): Expr {
    if (!this.normalizes(path)) return x;
    return N.apply(this.operator(), x);
  }

  /** The formula of the norm's own bias path: `1 ⊗ b_ln`. */
  lowerBias(): Expr {
    return N.kron(N.ones(), N.vector('b_ln', this.layer, this.at));
  }

  operator(): Expr {
    const gain = this.gain ? N.weight('G', this.layer, null, this.at) : N.weight('I');
    return N.kron(N.scale(this.at, this.layer), this.kind === 'layer' ? N.fprod([gain, N.weight('C')]) : gain);
  }

  /** The norm of x [B, n, d]; its scale 1/rms (1/σ) per position is frozen for the expansion. */
  forward(x: tf.Tensor3D, context: ForwardContext): tf.Tensor3D {
    const { tf } = context;
    const centred = this.kind === 'layer' ? tf.sub(x, tf.mean(x, -1, true)) : x;
    const scale = tf.rsqrt(tf.add(tf.mean(tf.square(centred), -1, true), this.eps)) as tf.Tensor3D;
    let y = tf.mul(centred, scale) as tf.Tensor3D;
    if (this.gain) y = tf.mul(y, context.weight(this.gain)) as tf.Tensor3D;
    if (this.kind === 'layer') y = tf.add(y, context.weight(this.bias)) as tf.Tensor3D;
    context.freezeScale(this.scaleKey, tf.squeeze(scale, [2]) as tf.Tensor2D);
    return y;
  }
}

/** A block's input with its optional pre-norm: a norm when there is one, the identity when not. */
export function normOf(
  spec: { readonly norm?: NormKind; readonly normOptions?: NormOptions },
  at: NormSite,
  layer: number | null,
): Norm | undefined {
  return spec.norm ? new Norm(spec.norm, at, layer, spec.normOptions) : undefined;
}
