// The arithmetic of counts (src/model/total.ts, issue 15) at the edges of its forms, on values worked out by hand:
// exact BigInts up to 2^8192 and past it, sums and products across the three forms, halving, comparison to the last
// representable step, and the polynomial products checked against BigInt convolution.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  add,
  compare,
  convolve,
  halve,
  log10,
  log10log10,
  multiply,
  type Total,
  total,
} from '../../src/model/total.js';

const exact = (n: bigint): Total => ({ exact: n });
const LOG10_2 = Math.log10(2);
const two = (k: number): bigint => 1n << BigInt(k);

/** The log10 a count holds, or undefined when it holds another form. */
const x = (t: Total): number | undefined => ('log10' in t ? t.log10 : undefined);
const y = (t: Total): number | undefined => ('log10log10' in t ? t.log10log10 : undefined);

describe('a count from a whole number', () => {
  it('stays exact below 2^8192 and keeps only log10 from 2^8192 on', () => {
    expect(total(5)).toEqual(exact(5n));
    expect(total(two(8192) - 1n)).toEqual(exact(two(8192) - 1n));
    // log10 2^k = k · log10 2, to the 12 digits a double holds at this size
    expect(x(total(two(8192)))).toBeCloseTo(8192 * LOG10_2, 9);
    expect(x(total(3n * two(8191)))).toBeCloseTo(8191 * LOG10_2 + Math.log10(3), 9);
  });

  it('takes the log10 of numbers of any length, 10^k for k past 2,466 digits', () => {
    for (const k of [2467, 4951, 4952, 6000, 20_000]) expect(x(total(10n ** BigInt(k)))).toBeCloseTo(k, 9);
    // 2^16448 = 2^(64·257), the edge of the table of word powers, and one below it
    for (const n of [two(16448), two(16448) - 1n, two(16448) + 1n, two(20_000) * 7n]) {
      const bits = n.toString(2).length;
      const top = Number(n >> BigInt(bits - 53)) / 2 ** 52;
      expect(x(total(n))).toBeCloseTo((bits - 1) * LOG10_2 + Math.log10(top), 9);
    }
  });
});

describe('the logarithms of a count', () => {
  it('are 10^y and y for 10^(10^y), infinite x once y passes 308', () => {
    expect([log10({ log10log10: 2 }), log10log10({ log10log10: 2 })]).toEqual([100, 2]);
    expect([log10({ log10log10: 400 }), log10log10({ log10log10: 400 })]).toEqual([Infinity, 400]);
    expect(log10log10(exact(10n ** 100n))).toBeCloseTo(2, 14);
  });
});

describe('sums across forms', () => {
  it('add an exact count to a logarithm', () => {
    // 10^2465 + 10^2465 = 2 · 10^2465
    expect(x(add(exact(10n ** 2465n), { log10: 2465 }))).toBeCloseTo(2465 + LOG10_2, 10);
    expect(x(add({ log10: 2465 }, exact(10n ** 2465n)))).toBeCloseTo(2465 + LOG10_2, 10);
    expect(add(exact(10n ** 2000n), { log10: 3000 })).toEqual({ log10: 3000 });
  });

  it('keep the larger of two logarithms whatever their order, 10^1000 + 10^3000 = 10^3000', () => {
    expect(add({ log10: 1000 }, { log10: 3000 })).toEqual({ log10: 3000 });
    expect(add({ log10: 3000 }, { log10: 1000 })).toEqual({ log10: 3000 });
    expect(x(add({ log10: 3000 }, { log10: 3000 + Math.log10(3) }))).toBeCloseTo(3000 + Math.log10(4), 10);
  });

  it('leave the exact range when the sum reaches 2^8192', () => {
    expect(add(exact(two(8191)), exact(two(8191) - 1n))).toEqual(exact(two(8192) - 1n));
    expect(x(add(exact(two(8191)), exact(two(8191))))).toBeCloseTo(8192 * LOG10_2, 9);
  });

  it('keep log10 log10 of a doubly huge count, whatever it is added to', () => {
    for (const other of [exact(5n), { log10: 1000 }, { log10log10: 20 }]) {
      expect(add({ log10log10: 400 }, other)).toEqual({ log10log10: 400 });
      expect(add(other, { log10log10: 400 })).toEqual({ log10log10: 400 });
    }
    expect(add({ log10log10: 20 }, { log10log10: 21 })).toEqual({ log10log10: 21 });
  });
});

describe('products across forms', () => {
  it('stay exact while the product is below 2^8192, even with one factor past 2^4096', () => {
    expect(multiply(exact(two(4096)), exact(two(4000)))).toEqual(exact(two(8096)));
    expect(multiply(exact(two(4000)), exact(two(4096)))).toEqual(exact(two(8096)));
    expect(multiply(exact(two(4096)), exact(two(4095)))).toEqual(exact(two(8191)));
    expect(multiply(exact(two(8000)), exact(191n))).toEqual(exact(two(8000) * 191n));
    expect(multiply(exact(3n), exact(7n))).toEqual(exact(21n));
  });

  it('keep only log10 from 2^8192 on', () => {
    expect(x(multiply(exact(two(4096)), exact(two(4096))))).toBeCloseTo(8192 * LOG10_2, 9);
    expect(x(multiply(exact(10n ** 2000n), exact(10n ** 2000n)))).toBeCloseTo(4000, 9);
    expect(x(multiply(exact(two(8191)), exact(two(8191))))).toBeCloseTo(16382 * LOG10_2, 9);
  });

  it('add logarithms: 10^3000 · 10^2000 = 10^5000, 10^(10^20) · 10^(10^20) = 10^(10^20.30103)', () => {
    expect(multiply({ log10: 3000 }, { log10: 2000 })).toEqual({ log10: 5000 });
    expect(x(multiply(exact(10n ** 100n), { log10: 3000 }))).toBeCloseTo(3100, 10);
    expect(y(multiply({ log10log10: 20 }, { log10log10: 20 }))).toBeCloseTo(20 + LOG10_2, 12);
    // 10^(10^20) · 10^(10^20 · 3) = 10^(10^20 · 4)
    expect(y(multiply({ log10log10: 20 }, { log10log10: 20 + Math.log10(3) }))).toBeCloseTo(20 + Math.log10(4), 12);
    expect(y(multiply({ log10log10: 20 + Math.log10(3) }, { log10log10: 20 }))).toBeCloseTo(20 + Math.log10(4), 12);
    // 10^(10^20) · 10^(10^14) = 10^(10^20 + 10^14): y grows by log10(1 + 10^-6)
    expect(y(multiply({ log10log10: 20 }, { log10: 1e14 }))).toBeCloseTo(20 + Math.log10(1 + 1e-6), 14);
    expect(y(multiply(exact(10n), { log10log10: 20 }))).toBeCloseTo(20, 14);
  });
});

describe('halving', () => {
  it('divides exact counts and takes log10 2 off a logarithm; 10^(10^y) keeps its y', () => {
    expect(halve(exact(10n))).toEqual(exact(5n));
    expect(x(halve({ log10: 5000 }))).toBeCloseTo(5000 - LOG10_2, 10);
    expect(halve({ log10log10: 20 })).toEqual({ log10log10: 20 });
  });
});

describe('comparison', () => {
  it('tells exact counts apart that their logarithms cannot', () => {
    expect(compare(exact(10n ** 30n), exact(10n ** 30n + 1n))).toBe(-1);
    expect(compare(exact(10n ** 30n + 1n), exact(10n ** 30n))).toBe(1);
  });

  it('tells logarithms apart by one step of a double, that their log10 log10 cannot', () => {
    // 2^-42 is two steps of a double at 1000; log10 of the two is the same double 3
    const above = 1000 + 2 ** -42;
    expect(Math.log10(above)).toBe(3);
    expect(compare({ log10: 1000 }, { log10: above })).toBe(-1);
    expect(compare({ log10: above }, { log10: 1000 })).toBe(1);
  });
});

describe('polynomial products', () => {
  /** Σ_{i+j=k} a_i b_j on BigInts, truncated at a's length. */
  const brute = (a: bigint[], b: bigint[]): bigint[] =>
    a.map((_, k) => {
      let c = 0n;
      for (let i = 0; i <= k; i++) c += a[i]! * (b[k - i] ?? 0n);
      return c;
    });
  const coefficients = fc.array(fc.bigInt({ min: 0n, max: 1000n }), { minLength: 1, maxLength: 7 });

  it('convolve as BigInt arithmetic does, for a square and for two polynomials', () => {
    fc.assert(
      fc.property(coefficients, coefficients, (a, b) => {
        const padded = [...b, ...a.map(() => 0n)].slice(0, a.length);
        const [ta, tb] = [a.map(exact), padded.map(exact)];
        expect(convolve(ta, tb)).toEqual(brute(a, padded).map(exact));
        expect(convolve(ta, ta)).toEqual(brute(a, a).map(exact));
      }),
      { numRuns: 200 },
    );
  });

  it('square [1, 2, 3, 4] to [1, 4, 10, 20]', () => {
    const a = [1n, 2n, 3n, 4n].map(exact);
    expect(convolve(a, a)).toEqual([1n, 4n, 10n, 20n].map(exact));
    expect(convolve(a, [...a])).toEqual([1n, 4n, 10n, 20n].map(exact));
  });
});
