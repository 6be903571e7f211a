// Term counts past the exact range (issue 15), against a recurrence written here on whole numbers: a
// layer of H heads and a symmetrized bilinear block takes a residual of T paths to a = (1 + H)·T (each
// path skips or passes through one head), then to a + a(a + 1)/2 (it skips, or pairs with repetition).
// BigInt carries that exactly far past the counter's 8,192 bits; past BigInt, the same recurrence on
// logarithms. And the display cap on degrees, down to 0, never changes the total.
import { describe, expect, it } from 'vitest';
import type { Architecture, Layer } from '../../src/language/architecture.js';
import { countTerms, DEGREE_CAP_LIMIT, DegreeCapError, formatTotal } from '../../src/model/count.js';
import { expand } from '../../src/model/expand.js';
import { log10, log10log10 } from '../../src/model/total.js';

const layer = (heads: number): Layer => ({
  attention: { heads, headSize: 2, bias: false },
  bilinear: { hidden: 2, bias: false },
});
const model = (layers: number, heads: number, extra: Partial<Architecture> = {}): Architecture => ({
  name: 'deep',
  vocab: 5,
  context: 4,
  width: 3,
  positional: false,
  layers: Array.from({ length: layers }, () => layer(heads)),
  unembed: { bias: false },
  renames: new Map(),
  ...extra,
});

/** The exact count, by the recurrence above. */
function exactCount(layers: number, heads: number): bigint {
  let t = 1n;
  for (let l = 0; l < layers; l++) {
    const a = BigInt(1 + heads) * t;
    t = a + (a * (a + 1n)) / 2n;
  }
  return t;
}

/** log10 of a positive BigInt from its leading 48 bits and its bit length. */
function bigLog10(n: bigint): number {
  const bits = n.toString(2).length;
  const shift = Math.max(0, bits - 48);
  return Math.log10(Number(n >> BigInt(shift))) + shift * Math.log10(2);
}

/** log10 of the count on doubles: a + a(a+1)/2 = a²/2 · (1 + 3/a), with 3/a below a double's resolution here. */
function approximateLog10(layers: number, heads: number, exactLayers: number): number {
  let x = bigLog10(exactCount(exactLayers, heads));
  for (let l = exactLayers; l < layers; l++) x = 2 * (x + Math.log10(1 + heads)) - Math.log10(2);
  return x;
}

describe('term counts of huge models', () => {
  it('are exact below 8,192 bits, and their log10 is right to 12 digits up to 250,000 bits', () => {
    for (let layers = 1; layers <= 14; layers++) {
      const expected = exactCount(layers, 3);
      const counted = countTerms(model(layers, 3)).total;
      if ('exact' in counted) {
        expect(counted.exact).toBe(expected);
      } else {
        expect(expected.toString(2).length).toBeGreaterThan(8000);
        expect(Math.abs(log10(counted) / bigLog10(expected) - 1)).toBeLessThan(1e-12);
      }
    }
    expect('log10' in countTerms(model(14, 3)).total).toBe(true);
  });

  it('keep log10 to 10 digits past BigInt, and log10 log10 past 10^15', () => {
    for (const layers of [20, 30, 45]) {
      const counted = countTerms(model(layers, 7)).total;
      expect('log10' in counted).toBe(true);
      expect(Math.abs(log10(counted) / approximateLog10(layers, 7, 14) - 1)).toBeLessThan(1e-10);
    }
    // 2^55 · 1.3 > 10^15: past that only log10 log10 is kept
    const counted = countTerms(model(55, 7)).total;
    expect('log10log10' in counted).toBe(true);
    expect(log10log10(counted)).toBeCloseTo(Math.log10(approximateLog10(55, 7, 14)), 9);
    expect(formatTotal(counted)).toBe(`≈ 10^(10^${Math.log10(approximateLog10(55, 7, 14)).toPrecision(7)})`);
  });
});

describe('the display cap on degrees', () => {
  const small = model(1, 2, { positional: true });

  it('leaves the total alone, down to a cap of 0', () => {
    // residual: E and P; after 2 heads, 6 paths (3 of degree 0, 3 of degree 1); 6·7/2 = 21 pairs; 27 in all
    const all = [...expand(small)];
    expect(all).toHaveLength(27);
    for (const degreeCap of [0, 1, 2, 8]) {
      const counts = countTerms(small, { degreeCap });
      expect(counts.total).toEqual({ exact: 27n });
      expect(counts.byDegree).toEqual([9, 12, 6].slice(0, degreeCap + 1).map(k => ({ exact: BigInt(k) })));
    }
    expect([0, 1, 2].map(k => all.filter(t => t.degree === k).length)).toEqual([9, 12, 6]);
  });

  it('with a degree bound of 0, counts the degree-0 terms alone', () => {
    for (const degreeCap of [0, 4]) {
      const counts = countTerms(small, { maxDegree: 0, degreeCap });
      expect(counts.total).toEqual({ exact: 9n });
      expect(counts.maxDegree).toBe(0n);
      expect(counts.byDegree).toEqual([{ exact: 9n }]);
    }
    expect([...expand(small, { maxDegree: 0 })]).toHaveLength(9);
  });

  it('shows degrees 0 to 8 unless told otherwise', () => {
    const counts = countTerms(model(3, 1));
    expect(counts.maxDegree).toBe(8n);
    expect(countTerms(model(4, 1)).byDegree).toHaveLength(9);
    expect(countTerms(model(4, 1), { degreeCap: 2 }).byDegree).toHaveLength(3);
  });

  it('counts a degree bound of exactly 256 degree by degree, and refuses 257 in one sentence', () => {
    const deep = model(10, 0);
    expect(countTerms(deep).maxDegree).toBe(1024n);
    const bounded = countTerms(deep, { maxDegree: DEGREE_CAP_LIMIT });
    expect([bounded.maxDegree, bounded.byDegree.length]).toEqual([256n, 257]);
    let error: unknown;
    try {
      countTerms(deep, { maxDegree: 257 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DegreeCapError);
    expect((error as Error).message).toBe(
      'a degree cap of 257 is too large to count degree by degree: caps count at most 256 degrees ' +
        '(a cap at or above the highest degree, 1024, keeps every term)',
    );
  });
});
