// Orthonormal bases from random numbers, for planted matrices and models.
import { dot } from '../../src/linalg/matrix.js';

/** Gram–Schmidt on the n vectors in xs (n×n numbers), topped up with unit vectors if some vanish. */
export function orthonormal(n: number, xs: number[]): Float64Array[] {
  const basis: Float64Array[] = [];
  for (let k = 0; basis.length < n; k++) {
    const v =
      k < n
        ? Float64Array.from({ length: n }, (_, i) => xs[k * n + i]! + (i === k ? 1e-3 : 0))
        : Float64Array.from({ length: n }, (_, i) => (i === k - n ? 1 : 0));
    for (const q of basis) {
      const c = dot(v, q);
      v.forEach((x, i) => {
        v[i] = x - c * q[i]!;
      });
    }
    const length = Math.sqrt(dot(v, v));
    if (length > 1e-6) basis.push(v.map(x => x / length));
  }
  return basis;
}
