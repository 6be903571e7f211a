// Dense float64 matrices, row-major. tfjs computes in float32; the analysis needs float64 so that
// eigendecompositions reconstruct to 1e-12, hence its own small matrix type.

export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

export function zeros(rows: number, cols: number): Matrix {
  return { rows, cols, data: new Float64Array(rows * cols) };
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
