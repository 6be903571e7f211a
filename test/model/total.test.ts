// The count arithmetic: exact where it claims to be (checked against plain BigInt arithmetic),
// and past EXACT_BITS a logarithm that stays finite, ordered and close to the exact value.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  add,
  compare,
  convolve,
  EXACT_BITS,
  formatTotal,
  halve,
  log10,
  log10log10,
  multiply,
  type Total,
  total,
  ZERO,
} from '../../src/model/total.js';

const small = fc.bigInt({ min: 0n, max: 1n << 200n });
const exact = (t: Total) => ('exact' in t ? t.exact : undefined);

/** log10 of n > 0 from its decimal digits: an independent route to the logarithm. */
function decimalLog10(n: bigint): number {
  const digits = n.toString();
  return digits.length - 1 + Math.log10(Number(`${digits[0]}.${digits.slice(1, 17)}`));
}

/** A value past the exact range: a random odd number of EXACT_BITS + extra bits. */
const huge = fc
  .tuple(fc.integer({ min: 1, max: 3 * EXACT_BITS }), fc.bigInt({ min: 1n, max: 1n << 64n }))
  .map(([extra, top]) => (top << BigInt(EXACT_BITS + extra)) | 1n);

describe('Total arithmetic on exact values', () => {
  it('agrees with BigInt: add, multiply, halve', () => {
    fc.assert(
      fc.property(small, small, (a, b) => {
        expect(exact(add(total(a), total(b)))).toBe(a + b);
        expect(exact(multiply(total(a), total(b)))).toBe(a * b);
        expect(exact(halve(total(2n * a)))).toBe(a);
      }),
    );
  });

  it('convolve agrees with the BigInt product of polynomials, squares included', () => {
    const poly = fc.array(fc.bigInt({ min: 0n, max: 1n << 100n }), { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(poly, poly, (p, q) => {
        const n = Math.min(p.length, q.length);
        const [a, b] = [p.slice(0, n), q.slice(0, n)];
        const naive = (x: bigint[], y: bigint[]) =>
          x.map((_, k) => x.slice(0, k + 1).reduce((s, xi, i) => s + xi * y[k - i]!, 0n));
        const totals = a.map(c => total(c));
        expect(
          convolve(
            totals,
            b.map(c => total(c)),
          ).map(exact),
        ).toEqual(naive(a, b));
        expect(convolve(totals, totals).map(exact)).toEqual(naive(a, a));
      }),
    );
  });

  it('stays exact up to EXACT_BITS and keeps the logarithm beyond', () => {
    const limit = 1n << BigInt(EXACT_BITS);
    expect(total(limit - 1n)).toEqual({ exact: limit - 1n });
    expect(add(total(limit - 1n), total(0n))).toEqual({ exact: limit - 1n });
    expect('log10' in add(total(limit - 1n), total(1n))).toBe(true);
    expect(log10(add(total(limit - 1n), total(1n)))).toBeCloseTo(EXACT_BITS * Math.log10(2), 9);
  });
});

describe('Total arithmetic past the exact range', () => {
  it('log10 of a large value matches its decimal digits', () => {
    fc.assert(
      fc.property(huge, n => {
        expect(Math.abs(log10(total(n)) - decimalLog10(n))).toBeLessThan(1e-9 * decimalLog10(n));
      }),
      { numRuns: 30 },
    );
  });

  it('add and multiply of large values match the exact result, by its digits', () => {
    fc.assert(
      fc.property(
        huge,
        fc.oneof(
          huge,
          small.map(s => s + 1n),
        ),
        (a, b) => {
          const close = (t: Total, n: bigint) =>
            expect(Math.abs(log10(t) - decimalLog10(n))).toBeLessThan(1e-9 * decimalLog10(n));
          close(add(total(a), total(b)), a + b);
          close(multiply(total(a), total(b)), a * b);
          close(halve(total(a)), a / 2n);
        },
      ),
      { numRuns: 30 },
    );
  });

  // (n² + n)/2, the unordered pairs of a bilinear layer: 2^L-fold growth of log10 over L layers
  const pairs = (t: Total) => halve(add(multiply(t, t), t));

  it('is monotone and finite through 20,000 squarings', () => {
    const ys = [log10log10(total(3n))];
    let t = total(3n);
    for (let i = 0; i < 20_000; i++) ys.push(log10log10((t = pairs(t))));
    expect(ys.every(Number.isFinite)).toBe(true);
    expect(ys.every((y, i) => i === 0 || y >= ys[i - 1]!)).toBe(true);
    // once the +n and /2 are negligible, each squaring adds log10 2 to log10 log10
    expect(ys[20_000]! - ys[100]!).toBeCloseTo(19_900 * Math.log10(2), 6);
    expect(formatTotal(t)).toMatch(/^≈ 10\^\(10\^6020\.\d+\)$/);
  });

  const anyTotal: fc.Arbitrary<Total> = fc.oneof(
    small.map(n => total(n)),
    huge.map(n => total(n)),
    fc.double({ min: 2e4, max: 1e15, noNaN: true }).map(x => ({ log10: x })),
    fc.double({ min: 15, max: 1e6, noNaN: true }).map(y => ({ log10log10: y })),
  );

  it('sums and products never fall below their operands, and stay finite', () => {
    fc.assert(
      fc.property(anyTotal, anyTotal, (a, b) => {
        for (const t of [add(a, b), 'exact' in b && b.exact === 0n ? a : multiply(a, b)]) {
          expect(compare(a, t)).toBeLessThanOrEqual(0);
          expect(Number.isNaN(log10log10(t))).toBe(false);
          expect(formatTotal(t)).not.toMatch(/NaN|Infinity/);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('compare orders exact values as BigInt does, and every exact value below every logarithm', () => {
    fc.assert(
      fc.property(small, small, (a, b) => {
        expect(compare(total(a), total(b))).toBe(a < b ? -1 : a > b ? 1 : 0);
        expect(compare(total(a), { log10: EXACT_BITS * Math.log10(2) })).toBe(-1);
      }),
    );
    expect(compare({ log10: 1e15 }, { log10log10: 15.000001 })).toBe(-1);
  });

  it('formats each form', () => {
    expect(formatTotal(total(118_827n))).toBe('118827');
    expect(formatTotal({ log10: 123_456.74 })).toBe('≈ 10^123456.7');
    expect(formatTotal({ log10: 7.754381e14 })).toBe('≈ 10^(7.75438e+14)');
    expect(formatTotal({ log10log10: 3010.2109871 })).toBe('≈ 10^(10^3010.211)');
    expect(formatTotal(ZERO)).toBe('0');
  });
});
