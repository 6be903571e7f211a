// Feature construction's figures: symmetric eigendecomposition at widths 64–512 (target: 512 in
// under 5 s) with pathsum's Householder + QL solver, against mathjs `eigs` where it finishes in
// reasonable time (it grows ~n³ with a large constant: 9 s at 256, so 512 is not attempted); and
// building one interaction matrix Q_u for a d = 512, m = 2048 layer.
import { eigs } from 'mathjs';
import { eigenDecomposition, lowRank } from '../src/analysis/eigen.js';
import { interactionMatrix } from '../src/analysis/interaction.js';
import { type Matrix, zeros } from '../src/linalg/matrix.js';

function randomSymmetric(n: number, seed: number): Matrix {
  let state = seed;
  const next = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5;
  const q = zeros(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) q.data[i * n + j] = q.data[j * n + i] = next();
  return q;
}

const seconds = (f: () => void) => {
  const start = performance.now();
  f();
  return (performance.now() - start) / 1000;
};

export default function features(): void {
  for (const n of [64, 128, 256, 512]) {
    const q = randomSymmetric(n, n);
    let eigen: ReturnType<typeof eigenDecomposition> | undefined;
    const ours = seconds(() => (eigen = eigenDecomposition(q)));
    const error = lowRank(eigen!, n).data.reduce((e, x, i) => Math.max(e, Math.abs(x - q.data[i]!)), 0);
    const rows = Array.from({ length: n }, (_, i) => [...q.data.subarray(i * n, (i + 1) * n)]);
    const reference =
      n <= 256 ? `${seconds(() => eigs(rows)).toFixed(2)} s` : 'not run (extrapolates to over a minute)';
    const target = n === 512 ? ', target < 5 s' : '';
    console.log(
      `eigendecomposition ${String(n).padStart(3)}×${n}: ${ours.toFixed(3)} s ` +
        `(reconstruction max error ${error.toExponential(1)})${target}; mathjs eigs: ${reference}`,
    );
  }
  const d = 512;
  const m = 2048;
  const random = randomSymmetric(m, 1).data;
  const part = (rows: number, cols: number, offset: number): Matrix => ({
    rows,
    cols,
    data: random.subarray(offset, offset + rows * cols),
  });
  const form = {
    layer: 0,
    width: d,
    homogeneous: false,
    input: part(d, m, 0),
    gate: part(d, m, d * m),
    output: part(m, d, 2 * d * m),
    outputBias: new Float64Array(d),
  };
  const u = Float64Array.from({ length: d }, (_, i) => Math.sin(i));
  console.log(
    `interaction matrix Q_u for d = ${d}, m = ${m}: ${seconds(() => interactionMatrix(form, u)).toFixed(3)} s`,
  );
}
