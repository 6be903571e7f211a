// Rotary position embeddings in float64 (docs/design.md §1, "Rotary attention"): the "rotate half" pairing,
// dimension i and i + d/2 turned together by the angle p·base^(−2i/d) at position p. The float64 routes (the
// reference evaluator, the score terms) use this one definition; the forward pass has its own, in tfjs.
import { type Matrix, matrix } from './matrix.js';

/** Row p of x (n × d, d even) turned by R_p. Since R_iᵀ R_j = R_{j−i}, rotating both sides gives q_iᵀ R_{j−i} k_j. */
export function rotateRows(x: Matrix, base: number): Matrix {
  const half = x.cols / 2;
  const get = (p: number, j: number) => x.data[p * x.cols + j]!;
  return matrix(x.rows, x.cols, (p, j) => {
    const angle = p * base ** ((-2 * (j % half)) / x.cols);
    const partner = j < half ? -get(p, j + half) : get(p, j - half);
    return get(p, j) * Math.cos(angle) + partner * Math.sin(angle);
  });
}
