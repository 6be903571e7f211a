// The eigensolver's laws: Q = Σ λ_i v_i v_iᵀ to float64 tolerance, orthonormal eigenvectors, the same
// spectrum as mathjs `eigs`, sorted by |λ|, and explained shares that add up to ‖Q‖_F².
import fc from 'fast-check';
import { eigs } from 'mathjs';
import { describe, expect, it } from 'vitest';
import { eigenDecomposition, explainedShares, lowRank } from '../../src/analysis/eigen.js';
import { dot, frobeniusSquared, type Matrix, zeros } from '../../src/linalg/matrix.js';
import { orthonormal } from './gram-schmidt.js';

const entry = fc.double({ min: -10, max: 10, noNaN: true });

/** Random symmetric matrices, including ones with repeated eigenvalues and zero rows. */
const symmetric: fc.Arbitrary<Matrix> = fc.integer({ min: 1, max: 12 }).chain(n =>
  fc.oneof(
    fc.array(entry, { minLength: n * n, maxLength: n * n }).map(xs => symmetrized(n, xs)),
    fc
      .tuple(
        fc.array(fc.constantFrom(-2, 0, 0, 1, 3), { minLength: n, maxLength: n }),
        fc.array(entry, { minLength: n * n, maxLength: n * n }),
      )
      .map(([l, xs]) => planted(n, l, xs)),
  ),
);

function symmetrized(n: number, xs: number[]): Matrix {
  const m = zeros(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) m.data[i * n + j] = (xs[i * n + j]! + xs[j * n + i]!) / 2;
  return m;
}

/** Σ λ_i q_i q_iᵀ with q from Gram–Schmidt on random vectors (degenerate spectra on purpose). */
function planted(n: number, lambdas: number[], xs: number[]): Matrix {
  const basis = orthonormal(n, xs);
  const m = zeros(n, n);
  basis.forEach((q, k) => {
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) m.data[i * n + j]! += lambdas[k]! * q[i]! * q[j]!;
  });
  return m;
}

const scaleOf = (q: Matrix) => Math.max(1, Math.sqrt(frobeniusSquared(q)));

describe('eigenDecomposition', () => {
  it('reconstructs Q = Σ λ_i v_i v_iᵀ to float64 tolerance', () => {
    fc.assert(
      fc.property(symmetric, q => {
        const rebuilt = lowRank(eigenDecomposition(q), q.rows);
        const error = Math.max(...q.data.map((x, i) => Math.abs(x - rebuilt.data[i]!)));
        expect(error).toBeLessThan(1e-12 * q.rows * scaleOf(q));
      }),
      { numRuns: 300 },
    );
  });

  it('returns orthonormal eigenvectors with Q v = λ v, the largest component positive', () => {
    fc.assert(
      fc.property(symmetric, q => {
        const { values, vectors } = eigenDecomposition(q);
        const n = q.rows;
        vectors.forEach((v, i) => {
          vectors.forEach((w, j) => {
            expect(Math.abs(dot(v, w) - (i === j ? 1 : 0))).toBeLessThan(1e-12 * n);
          });
          for (let r = 0; r < n; r++)
            expect(Math.abs(dot(q.data.subarray(r * n, (r + 1) * n), v) - values[i]! * v[r]!)).toBeLessThan(
              1e-11 * n * scaleOf(q),
            );
          const largest = Math.max(...v.map(Math.abs));
          expect(v.find(x => Math.abs(x) >= largest - 1e-12)!).toBeGreaterThan(0);
        });
      }),
      { numRuns: 200 },
    );
  });

  it('finds the spectrum mathjs eigs finds, sorted by |λ|', () => {
    fc.assert(
      fc.property(symmetric, q => {
        const n = q.rows;
        const { values } = eigenDecomposition(q);
        for (let i = 1; i < n; i++) expect(Math.abs(values[i]!)).toBeLessThanOrEqual(Math.abs(values[i - 1]!));
        const rows = Array.from({ length: n }, (_, i) => [...q.data.subarray(i * n, (i + 1) * n)]);
        const reference = (eigs(rows).values as number[]).slice().sort((a, b) => a - b);
        const ours = [...values].sort((a, b) => a - b);
        ours.forEach((x, i) => {
          expect(Math.abs(x - reference[i]!)).toBeLessThan(1e-9 * scaleOf(q));
        });
      }),
      { numRuns: 100 },
    );
  });

  it('explained shares rise to 1 and Σ λ_i² = ‖Q‖_F²', () => {
    fc.assert(
      fc.property(symmetric, q => {
        const { values } = eigenDecomposition(q);
        const shares = explainedShares(values);
        const total = frobeniusSquared(q);
        expect(Math.abs(values.reduce((s, l) => s + l * l, 0) - total)).toBeLessThan(1e-10 * Math.max(1, total));
        for (let k = 1; k < shares.length; k++) expect(shares[k]!).toBeGreaterThanOrEqual(shares[k - 1]! - 1e-15);
        expect(shares[shares.length - 1]!).toBeCloseTo(1, 12);
      }),
    );
  });

  it('rejects non-square and non-finite matrices', () => {
    expect(() => eigenDecomposition(zeros(2, 3))).toThrow(/square/);
    const bad = zeros(2, 2);
    bad.data[1] = Number.NaN;
    expect(() => eigenDecomposition(bad)).toThrow(/non-finite/);
  });
});
