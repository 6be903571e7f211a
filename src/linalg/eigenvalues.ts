// Eigenvalues of a small real square matrix that need not be symmetric (a head's d_head × d_head circuit
// factor): Householder reduction to Hessenberg form, then the complex QR algorithm with Wilkinson shifts
// and Givens rotations, deflating from the bottom. mathjs `eigs` fails to converge on most random 16 × 16
// matrices; this converges on every one the tests draw. Only eigenvalues: no vectors are accumulated.
import type { Matrix } from './matrix.js';

export type Complex = readonly [re: number, im: number];

const EPS = 2.220446049250313e-16;
const MAX_SWEEPS_PER_VALUE = 100;

/** All n eigenvalues, with multiplicity, in no particular order. */
export function eigenvalues(m: Matrix): Complex[] {
  if (m.rows !== m.cols) throw new Error(`eigenvalues of a ${m.rows}×${m.cols} matrix`);
  const n = m.rows;
  const h = hessenberg(m);
  const re = Float64Array.from(h.data);
  const im = new Float64Array(n * n);
  const abs = (i: number, j: number) => Math.hypot(re[i * n + j]!, im[i * n + j]!);
  let hi = n - 1;
  let its = 0;
  while (hi > 0) {
    let lo = hi;
    while (lo > 0 && abs(lo, lo - 1) > EPS * (abs(lo, lo) + abs(lo - 1, lo - 1))) lo--;
    if (lo > 0) [re[lo * n + lo - 1], im[lo * n + lo - 1]] = [0, 0];
    if (lo === hi) {
      hi--;
      its = 0;
      continue;
    }
    if (++its > MAX_SWEEPS_PER_VALUE) throw new Error(`eigenvalues: no convergence at row ${hi} of ${n}`);
    // an exceptional shift now and then breaks the cycles a shift can fall into
    const shift: Complex = its % 11 === 10 ? [re[hi * n + hi]! + abs(hi, hi - 1), 0] : wilkinson(re, im, n, hi);
    qrStep(re, im, n, lo, hi, shift);
  }
  return Array.from({ length: n }, (_, i) => [re[i * n + i]!, im[i * n + i]!] as const);
}

/** Q A Qᵀ upper Hessenberg, by Householder reflections (a similarity: the eigenvalues are A's). */
function hessenberg(m: Matrix): Matrix {
  const n = m.rows;
  const a = Float64Array.from(m.data);
  for (let k = 0; k < n - 2; k++) {
    const v = new Float64Array(n);
    let norm = 0;
    for (let i = k + 1; i < n; i++) norm += a[i * n + k]! ** 2;
    norm = Math.sqrt(norm);
    if (norm === 0) continue;
    const alpha = a[(k + 1) * n + k]! > 0 ? -norm : norm;
    for (let i = k + 1; i < n; i++) v[i] = a[i * n + k]!;
    v[k + 1]! -= alpha;
    const vv = v.reduce((s, x) => s + x * x, 0);
    if (vv === 0) continue;
    // A ← (I − 2vvᵀ/vᵀv) A (I − 2vvᵀ/vᵀv)
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let i = k + 1; i < n; i++) dot += v[i]! * a[i * n + j]!;
      const f = (2 * dot) / vv;
      for (let i = k + 1; i < n; i++) a[i * n + j]! -= f * v[i]!;
    }
    for (let i = 0; i < n; i++) {
      let dot = 0;
      for (let j = k + 1; j < n; j++) dot += a[i * n + j]! * v[j]!;
      const f = (2 * dot) / vv;
      for (let j = k + 1; j < n; j++) a[i * n + j]! -= f * v[j]!;
    }
  }
  return { rows: n, cols: n, data: a };
}

/** The eigenvalue of the trailing 2 × 2 block nearer its bottom-right entry. */
function wilkinson(re: Float64Array, im: Float64Array, n: number, hi: number): Complex {
  const at = (i: number, j: number): Complex => [re[i * n + j]!, im[i * n + j]!];
  const [a, b, c, d] = [at(hi - 1, hi - 1), at(hi - 1, hi), at(hi, hi - 1), at(hi, hi)];
  const half: Complex = [(a[0] - d[0]) / 2, (a[1] - d[1]) / 2];
  const root = sqrt(add(mul(half, half), mul(b, c)));
  const mean: Complex = [(a[0] + d[0]) / 2, (a[1] + d[1]) / 2];
  const [x, y] = [add(mean, root), add(mean, [-root[0], -root[1]])];
  return Math.hypot(x[0] - d[0], x[1] - d[1]) <= Math.hypot(y[0] - d[0], y[1] - d[1]) ? x : y;
}

/** One shifted QR step on the active block lo..hi: H − μ = QR, H ← RQ + μ, with Givens rotations. */
function qrStep(re: Float64Array, im: Float64Array, n: number, lo: number, hi: number, mu: Complex): void {
  for (let i = lo; i <= hi; i++) {
    re[i * n + i]! -= mu[0];
    im[i * n + i]! -= mu[1];
  }
  const rotations: { c: number; s: Complex }[] = [];
  for (let k = lo; k < hi; k++) {
    const r = givens([re[k * n + k]!, im[k * n + k]!], [re[(k + 1) * n + k]!, im[(k + 1) * n + k]!]);
    rotations.push(r);
    // rows k, k+1 ← G [row k; row k+1], G = [[c, s], [−s̄, c]]
    for (let j = k; j <= hi; j++) {
      const x: Complex = [re[k * n + j]!, im[k * n + j]!];
      const y: Complex = [re[(k + 1) * n + j]!, im[(k + 1) * n + j]!];
      const top = add(scale(x, r.c), mul(r.s, y));
      const bottom = add(scale(mul(conj(r.s), x), -1), scale(y, r.c));
      [re[k * n + j], im[k * n + j]] = top;
      [re[(k + 1) * n + j], im[(k + 1) * n + j]] = bottom;
    }
  }
  rotations.forEach((r, offset) => {
    const k = lo + offset;
    // columns k, k+1 ← [col k, col k+1] Gᴴ
    for (let i = lo; i <= Math.min(k + 2, hi); i++) {
      const x: Complex = [re[i * n + k]!, im[i * n + k]!];
      const y: Complex = [re[i * n + k + 1]!, im[i * n + k + 1]!];
      const left = add(scale(x, r.c), mul(y, conj(r.s)));
      const right = add(scale(mul(x, r.s), -1), scale(y, r.c));
      [re[i * n + k], im[i * n + k]] = left;
      [re[i * n + k + 1], im[i * n + k + 1]] = right;
    }
  });
  for (let i = lo; i <= hi; i++) {
    re[i * n + i]! += mu[0];
    im[i * n + i]! += mu[1];
  }
}

/** c real and s complex with G [a; b] = [ρ; 0]. */
function givens(a: Complex, b: Complex): { c: number; s: Complex } {
  const [na, nb] = [Math.hypot(...a), Math.hypot(...b)];
  if (nb === 0) return { c: 1, s: [0, 0] };
  if (na === 0) return { c: 0, s: scale(conj(b), 1 / nb) };
  const r = Math.hypot(na, nb);
  return { c: na / r, s: scale(mul(scale(a, 1 / na), conj(b)), 1 / r) };
}

const add = (a: Complex, b: Complex): Complex => [a[0] + b[0], a[1] + b[1]];
const mul = (a: Complex, b: Complex): Complex => [a[0] * b[0] - a[1] * b[1], a[0] * b[1] + a[1] * b[0]];
const scale = (a: Complex, f: number): Complex => [a[0] * f, a[1] * f];
const conj = (a: Complex): Complex => [a[0], -a[1]];

function sqrt(z: Complex): Complex {
  const r = Math.hypot(...z);
  const re = Math.sqrt((r + z[0]) / 2);
  const im = Math.sqrt(Math.max(0, (r - z[0]) / 2));
  return [re, z[1] < 0 ? -im : im];
}
