// Sharkey (2023), §"feature construction": restricted to an output direction u, a bilinear layer is
// the quadratic form u · MLP(x) = x̃ᵀ Q_u x̃ with the symmetric interaction matrix
//   Q_u = Σ_k (W_out u)_k · sym(w̃_in,k w̃_gate,kᵀ),   w̃_in,k = column k of W̃_in [d', m].
// (Column convention writes (uᵀ W_out)_k; our W_out is stored [m, d], so it is (W_out u)_k.)
import { type BilinearForm, formDimension } from './bilinear.js';
import { apply, type Matrix, multiplyTransposed, symmetrize, zeros } from '../linalg/matrix.js';

/** W_out u: how much hidden unit k writes along u. */
export function hiddenReadout(form: BilinearForm, u: ArrayLike<number>): Float64Array {
  if (u.length !== form.width)
    throw new Error(`hiddenReadout: direction of length ${u.length}, width is ${form.width}`);
  return apply(form.output, u);
}

export function interactionMatrix(form: BilinearForm, u: ArrayLike<number>): Matrix {
  const c = hiddenReadout(form, u);
  const n = formDimension(form);
  const m = c.length;
  const scaled = zeros(n, m);
  for (let i = 0; i < n; i++) for (let k = 0; k < m; k++) scaled.data[i * m + k] = form.input.data[i * m + k]! * c[k]!;
  return symmetrize(multiplyTransposed(scaled, form.gate));
}

/** u · b_out: the constant the quadratic form leaves out. */
export function outputOffset(form: BilinearForm, u: ArrayLike<number>): number {
  let s = 0;
  for (let o = 0; o < form.width; o++) s += form.outputBias[o]! * u[o]!;
  return s;
}
