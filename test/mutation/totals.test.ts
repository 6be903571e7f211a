// The forms of a count (src/model/total.ts, issue 15) on values worked out by hand: zero and one in every form,
// the comparison across forms, and the boundaries between them.
import { describe, expect, it } from 'vitest';
import {
  add,
  compare,
  formatTotal,
  LOG10_LIMIT,
  log10,
  log10log10,
  multiply,
  type Total,
  ZERO,
} from '../../src/model/total.js';

const exact = (n: bigint): Total => ({ exact: n });

describe('counts in their three forms', () => {
  it('take logarithms of 0 and 1 as -∞ and 0', () => {
    expect([log10(ZERO), log10(exact(1n)), log10(exact(1000n))]).toEqual([-Infinity, 0, 3]);
    expect([log10log10(ZERO), log10log10(exact(1n)), log10log10(exact(10n))]).toEqual([-Infinity, -Infinity, 0]);
    expect(log10log10({ log10: 100 })).toBe(2);
  });

  it('multiply by zero to the exact zero, whatever the other form', () => {
    for (const big of [{ log10: 5000 }, { log10log10: 20 }]) {
      expect(multiply(big, ZERO)).toEqual(ZERO);
      expect(multiply(ZERO, big)).toEqual(ZERO);
    }
  });

  it('add logarithms: 10^3 + 10^3 = 10^3.30103', () => {
    const sum = add({ log10: 3000 }, { log10: 3000 });
    expect('log10' in sum && sum.log10).toBeCloseTo(3000 + Math.log10(2), 12);
    expect(add({ log10: 3000 }, { log10: 1000 })).toEqual({ log10: 3000 });
  });

  it('keep log10 up to 10^15 itself, and log10 log10 past it', () => {
    expect(multiply({ log10: LOG10_LIMIT / 2 }, { log10: LOG10_LIMIT / 2 })).toEqual({ log10: LOG10_LIMIT });
    const past = multiply({ log10: LOG10_LIMIT }, { log10: LOG10_LIMIT });
    expect('log10log10' in past && past.log10log10).toBeCloseTo(15 + Math.log10(2), 12);
  });

  it('compare by value across forms', () => {
    expect([compare(exact(2n), exact(3n)), compare(exact(3n), exact(2n)), compare(exact(3n), exact(3n))]).toEqual([
      -1, 1, 0,
    ]);
    expect(compare({ log10: 5000 }, exact(10n ** 100n))).toBe(1);
    expect(compare(exact(10n ** 100n), { log10: 5000 })).toBe(-1);
    // 10^(10^20) against 10^(10^14), either way round
    expect(compare({ log10log10: 20 }, { log10: 1e14 })).toBe(1);
    expect(compare({ log10: 1e14 }, { log10log10: 13 })).toBe(1);
    expect(compare({ log10: 1e14 }, { log10log10: 14 })).toBe(0);
  });

  it('print x to a tenth below 10^9 and to six digits from there', () => {
    expect(formatTotal({ log10: 999_999_999.94 })).toBe('≈ 10^999999999.9');
    expect(formatTotal({ log10: 1e9 })).toBe('≈ 10^(1.00000e+9)');
    expect(formatTotal({ log10log10: Math.log10(2) * 10_000 })).toBe('≈ 10^(10^3010.300)');
  });
});
