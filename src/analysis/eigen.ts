// Symmetric eigendecomposition in float64: Householder reduction to tridiagonal form, then the
// implicit QL algorithm (tred2/tql2 of EISPACK, as in JAMA). docs/design.md §2 names mathjs `eigs` for this;
// it takes about 1 s at width 128 and 9–19 s at width 256 (so well over a minute at 512), while
// this solver does 512 in under 1 s (bench/features.bench.ts); interaction matrices of real models
// are 512 wide and truncation needs one per residual coordinate. Tests check it against `eigs`.
import { type Matrix, zeros } from '../linalg/matrix.js';

export interface EigenDecomposition {
  /** Eigenvalues sorted by |λ|, largest first. */
  readonly values: Float64Array;
  /** Unit eigenvectors, `vectors[i]` belonging to `values[i]`, mutually orthogonal; the sign is
   *  fixed so that each vector's largest-magnitude component is positive (λ v vᵀ is sign-free). */
  readonly vectors: readonly Float64Array[];
}

export function eigenDecomposition(q: Matrix): EigenDecomposition {
  const n = q.rows;
  if (q.cols !== n) throw new Error(`eigenDecomposition needs a square matrix, found ${q.rows}×${q.cols}`);
  if (q.data.some(v => !Number.isFinite(v))) throw new Error('eigenDecomposition: the matrix holds a non-finite entry');
  // Scaled to a largest entry of 1 so that the Householder norms Σ d_k² neither overflow nor underflow.
  const scale = q.data.reduce((m, x) => Math.max(m, Math.abs(x)), 0) || 1;
  const v = Array.from({ length: n }, (_, i) => Float64Array.from(q.data.subarray(i * n, (i + 1) * n), x => x / scale));
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  tridiagonalize(v, d, e);
  // QL rotates pairs of eigenvector columns; holding Vᵀ makes each rotation touch two contiguous rows.
  const vt = Array.from({ length: n }, (_, j) => Float64Array.from(v, r => r[j]!));
  diagonalize(vt, d, e);
  const order = [...d.keys()].sort((a, b) => Math.abs(d[b]!) - Math.abs(d[a]!) || d[b]! - d[a]!);
  return { values: Float64Array.from(order, i => d[i]! * scale), vectors: order.map(i => withCanonicalSign(vt[i]!)) };
}

function withCanonicalSign(v: Float64Array): Float64Array {
  let largest = 0;
  for (let i = 1; i < v.length; i++) if (Math.abs(v[i]!) > Math.abs(v[largest]!) + 1e-12) largest = i;
  return v[largest]! < 0 ? v.map(x => -x) : v;
}

/** Σ_{i≤k} λ_i² / Σ λ_i² for k = 1..n: the share of ‖Q‖_F² the top k eigencomponents hold. */
export function explainedShares(values: ArrayLike<number>): Float64Array {
  const total = Array.from(values).reduce((s, x) => s + x * x, 0);
  const out = new Float64Array(values.length);
  let running = 0;
  for (let i = 0; i < values.length; i++) {
    running += values[i]! ** 2;
    out[i] = total === 0 ? 1 : running / total;
  }
  return out;
}

/** Σ_{i<k} λ_i v_i v_iᵀ. */
export function lowRank(eigen: EigenDecomposition, k: number): Matrix {
  const n = eigen.values.length;
  const out = zeros(n, n);
  for (let c = 0; c < Math.min(k, n); c++) {
    const lambda = eigen.values[c]!;
    const u = eigen.vectors[c]!;
    for (let i = 0; i < n; i++) {
      const s = lambda * u[i]!;
      for (let j = 0; j < n; j++) out.data[i * n + j]! += s * u[j]!;
    }
  }
  return out;
}

// Householder tridiagonalization (tred2): on return d is the diagonal, e the subdiagonal (e[0] = 0),
// v the accumulated orthogonal transformation.
function tridiagonalize(v: Float64Array[], d: Float64Array, e: Float64Array): void {
  const n = d.length;
  for (let j = 0; j < n; j++) d[j] = v[n - 1]![j]!;
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]!);
    if (scale === 0) {
      e[i] = d[i - 1]!;
      for (let j = 0; j < i; j++) {
        d[j] = v[i - 1]![j]!;
        v[i]![j] = 0;
        v[j]![i] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k]! /= scale;
        h += d[k]! * d[k]!;
      }
      let f = d[i - 1]!;
      let g = f > 0 ? -Math.sqrt(h) : Math.sqrt(h);
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        v[j]![i] = f;
        g = e[j]! + v[j]![j]! * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += v[k]![j]! * d[k]!;
          e[k]! += v[k]![j]! * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j]! /= h;
        f += e[j]! * d[j]!;
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j]! -= hh * d[j]!;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        g = e[j]!;
        for (let k = j; k <= i - 1; k++) v[k]![j]! -= f * e[k]! + g * d[k]!;
        d[j] = v[i - 1]![j]!;
        v[i]![j] = 0;
      }
    }
    d[i] = h;
  }
  for (let i = 0; i < n - 1; i++) {
    v[n - 1]![i] = v[i]![i]!;
    v[i]![i] = 1;
    const h = d[i + 1]!;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = v[k]![i + 1]! / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += v[k]![i + 1]! * v[k]![j]!;
        for (let k = 0; k <= i; k++) v[k]![j]! -= g * d[k]!;
      }
    }
    for (let k = 0; k <= i; k++) v[k]![i + 1] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = v[n - 1]![j]!;
    v[n - 1]![j] = 0;
  }
  v[n - 1]![n - 1] = 1;
  e[0] = 0;
}

// Implicit QL with Wilkinson-style shifts (tql2) on the tridiagonal (d, e); `vt` holds the
// eigenvectors as rows on return.
function diagonalize(vt: Float64Array[], d: Float64Array, e: Float64Array): void {
  const n = d.length;
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  if (n > 0) e[n - 1] = 0;
  let f = 0;
  // Negligible off-diagonals are judged against the whole tridiagonal's norm, not JAMA's running
  // maximum: with a zero leading diagonal the running one is ~0 and tiny e_l are iterated into NaN.
  let tst1 = 0;
  for (let l = 0; l < n; l++) tst1 = Math.max(tst1, Math.abs(d[l]!) + Math.abs(e[l]!));
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    let m = l;
    while (m < n && Math.abs(e[m]!) > eps * tst1) m++;
    if (m > l) {
      let iterations = 0;
      do {
        if (++iterations > 100) throw new Error('eigenDecomposition: QL iteration did not converge');
        let g = d[l]!;
        let p = (d[l + 1]! - g) / (2 * e[l]!);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l]! / (p + r);
        d[l + 1] = e[l]! * (p + r);
        const dl1 = d[l + 1]!;
        let h = g - d[l]!;
        for (let i = l + 2; i < n; i++) d[i]! -= h;
        f += h;
        p = d[m]!;
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1]!;
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i]!;
          h = c * p;
          r = Math.hypot(p, e[i]!);
          e[i + 1] = s * r;
          s = e[i]! / r;
          c = p / r;
          p = c * d[i]! - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]!);
          const a = vt[i]!;
          const b = vt[i + 1]!;
          for (let k = 0; k < n; k++) {
            h = b[k]!;
            b[k] = s * a[k]! + c * h;
            a[k] = c * a[k]! - s * h;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]!) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]!) > eps * tst1);
    }
    d[l]! += f;
    e[l] = 0;
  }
}
