// A bilinear block's weights in float64, as the quadratic map it is. With biases,
// (W_in x + b_in) ⊙ (W_gate x + b_gate) = (W̃_in x̃) ⊙ (W̃_gate x̃) for the homogeneous vector
// x̃ = (x, 1) and W̃ = [W | b]: the layer is a purely quadratic form over d+1 coordinates (the same
// homogeneous coordinate that docs/design.md §3 uses for bias paths). b_out is a constant, kept aside.
import { UserError } from '../errors.js';
import type { Architecture, BilinearBlock } from '../language/architecture.js';
import { site } from '../language/site.js';
import { type Matrix, zeros } from '../linalg/matrix.js';
import { WeightView } from '../numeric/weight-view.js';
import type { Weights } from '../numeric/weights.js';

export interface BilinearForm {
  readonly layer: number;
  /** The residual width d. */
  readonly width: number;
  /** The input has the constant coordinate x̃_d = 1 appended (the block has biases). */
  readonly homogeneous: boolean;
  /** W̃_in [d', m] (row convention: row i is input coordinate i; row d is b_in when homogeneous). */
  readonly input: Matrix;
  /** W̃_gate [d', m]. */
  readonly gate: Matrix;
  /** W_out [m, d], times the block's output scale (`scale S`). */
  readonly output: Matrix;
  /** b_out [d] times the output scale, or zeros. */
  readonly outputBias: Float64Array;
}

/** d' = d + 1 with biases, else d: the side of every interaction matrix of this layer. */
export const formDimension = (form: BilinearForm) => form.input.rows;

export function bilinearBlockOf(arch: Architecture, layer: number): BilinearBlock {
  const count = arch.layers.length;
  if (!Number.isInteger(layer) || layer < 0 || layer >= count) {
    throw new UserError(`model '${arch.name}' has no layer ${layer} (layers count from 0; it has ${count})`);
  }
  const block = arch.layers[layer]!.bilinear;
  if (!block) throw new UserError(`layer ${layer} of model '${arch.name}' has no bilinear block`);
  return block;
}

export function bilinearForm(arch: Architecture, weights: Weights, layer: number): BilinearForm {
  const block = bilinearBlockOf(arch, layer);
  const d = arch.width;
  const m = block.hidden;
  const view = new WeightView(arch, weights);
  const s = block.scale?.valueOf() ?? 1;
  const get = (name: string) => view.vector64(site('mlp', layer, name));
  const extend = (w: Float64Array, b: Float64Array | undefined): Matrix => {
    const out = zeros(b ? d + 1 : d, m);
    out.data.set(w);
    if (b) out.data.set(b, d * m);
    return out;
  };
  return {
    layer,
    width: d,
    homogeneous: block.bias,
    input: extend(get('W_in'), block.bias ? get('b_in') : undefined),
    gate: extend(get('W_gate'), block.bias ? get('b_gate') : undefined),
    output: scaled(view.matrix64(site('mlp', layer, 'W_out')), s),
    outputBias: block.bias ? get('b_out').map(v => v * s) : new Float64Array(d),
  };
}

function scaled(w: Matrix, s: number): Matrix {
  return s === 1 ? w : { ...w, data: w.data.map(v => v * s) };
}
