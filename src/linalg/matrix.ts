// Dense float64 matrices, row-major: the one matrix type of the float64 routes (the reference
// evaluator of formulas, the analysis). tfjs computes in float32; the reference evaluator checks
// float32 results against float64 ones, and eigendecompositions reconstruct to 1e-12.

export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

export function zeros(rows: number, cols: number): Matrix {
  return { rows, cols, data: new Float64Array(rows * cols) };
}

export function matrix(rows: number, cols: number, fill: (i: number, j: number) => number = () => 0): Matrix {
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[i * cols + j] = fill(i, j);
  return { rows, cols, data };
}

/** A B, skipping zero entries of A (kernels and one-hot inputs are sparse). */
export function multiply(a: Matrix, b: Matrix): Matrix {
  if (a.cols !== b.rows) throw new Error(`shape mismatch: ${a.rows}×${a.cols} times ${b.rows}×${b.cols}`);
  const out = new Float64Array(a.rows * b.cols);
  for (let i = 0; i < a.rows; i++) {
    for (let k = 0; k < a.cols; k++) {
      const x = a.data[i * a.cols + k]!;
      if (x === 0) continue;
      for (let j = 0; j < b.cols; j++) out[i * b.cols + j]! += x * b.data[k * b.cols + j]!;
    }
  }
  return { rows: a.rows, cols: b.cols, data: out };
}

export const add = (a: Matrix, b: Matrix): Matrix => ({ ...a, data: a.data.map((x, i) => x + b.data[i]!) });

export const scaled = (a: Matrix, c: number): Matrix => ({ ...a, data: a.data.map(x => x * c) });

/** max |a − b| over every entry; Infinity when the shapes differ. */
export function maxAbsDifference(a: Matrix, b: Matrix): number {
  if (a.rows !== b.rows || a.cols !== b.cols) return Infinity;
  let worst = 0;
  for (let i = 0; i < a.data.length; i++) worst = Math.max(worst, Math.abs(a.data[i]! - b.data[i]!));
  return worst;
}

export function fromRows(rows: readonly (readonly number[])[]): Matrix {
  const cols = rows[0]?.length ?? 0;
  const m = zeros(rows.length, cols);
  rows.forEach((r, i) => {
    m.data.set(r, i * cols);
  });
  return m;
}

export function row(m: Matrix, i: number): Float64Array {
  return m.data.subarray(i * m.cols, (i + 1) * m.cols);
}

export function column(m: Matrix, j: number): Float64Array {
  const c = new Float64Array(m.rows);
  for (let i = 0; i < m.rows; i++) c[i] = m.data[i * m.cols + j]!;
  return c;
}

export function at(m: Matrix, i: number, j: number): number {
  return m.data[i * m.cols + j]!;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

export function norm(a: ArrayLike<number>): number {
  return Math.sqrt(dot(a, a));
}

/** A Bᵀ: both operands are walked along contiguous rows. */
export function multiplyTransposed(a: Matrix, b: Matrix): Matrix {
  if (a.cols !== b.cols) throw new Error(`multiplyTransposed: ${a.rows}×${a.cols} by (${b.rows}×${b.cols})ᵀ`);
  const out = zeros(a.rows, b.rows);
  for (let i = 0; i < a.rows; i++) {
    const ai = row(a, i);
    for (let j = 0; j < b.rows; j++) out.data[i * b.rows + j] = dot(ai, row(b, j));
  }
  return out;
}

/** M v for M [r, c] and v [c]. */
export function apply(m: Matrix, v: ArrayLike<number>): Float64Array {
  const out = new Float64Array(m.rows);
  for (let i = 0; i < m.rows; i++) out[i] = dot(row(m, i), v);
  return out;
}

export function transpose(m: Matrix): Matrix {
  const out = zeros(m.cols, m.rows);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) out.data[j * m.rows + i] = m.data[i * m.cols + j]!;
  return out;
}

/** (M + Mᵀ)/2. */
export function symmetrize(m: Matrix): Matrix {
  const n = m.rows;
  const out = zeros(n, n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) out.data[i * n + j] = (m.data[i * n + j]! + m.data[j * n + i]!) / 2;
  return out;
}

export function frobeniusSquared(m: Matrix): number {
  return dot(m.data, m.data);
}

/** xᵀ M y. */
export function quadratic(m: Matrix, x: ArrayLike<number>, y: ArrayLike<number> = x): number {
  return dot(x, apply(m, y));
}
