import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countTerms, DEGREE_CAP_LIMIT, DegreeCapError, formatTotal } from '../../src/model/count.js';
import { expand } from '../../src/model/expand.js';
import type { Architecture, Layer, NormKind } from '../../src/language/architecture.js';

function model(layers: Layer[], extra: Partial<Architecture> = {}): Architecture {
  return {
    name: 'm',
    vocab: 5,
    context: 4,
    width: 3,
    positional: false,
    layers,
    unembed: { bias: false },
    renames: new Map(),
    ...extra,
  };
}

const attnAndBilinear = (heads: number): Layer => ({
  attention: { heads, headSize: 2, bias: false },
  bilinear: { hidden: 4, bias: false },
});

describe('closed-form counts', () => {
  it('match the figures of docs/design.md §1', () => {
    expect(formatTotal(countTerms(model([attnAndBilinear(8)])).total)).toBe('54');
    expect(formatTotal(countTerms(model([attnAndBilinear(8), attnAndBilinear(8)])).total)).toBe('118827');
    expect(formatTotal(countTerms(model([attnAndBilinear(4), attnAndBilinear(4)])).total)).toBe('5150');
    expect(formatTotal(countTerms(model([attnAndBilinear(2)])).total)).toBe('9');
  });

  it('stay finite for 48 layers of 32 heads with bilinear MLPs', () => {
    const counts = countTerms(
      model(
        Array.from({ length: 48 }, () => attnAndBilinear(32)),
        { positional: true },
      ),
    );
    expect(formatTotal(counts.total)).toMatch(/^≈ 10\^\(?\d/);
  });

  it('are exact per degree through thousands of layers: attention alone multiplies degree 1 by 1 + heads', () => {
    const attention = (heads: number): Layer => ({ attention: { heads, headSize: 2, bias: false } });
    const counts = countTerms(model(Array.from({ length: 800 }, () => attention(1000))));
    expect(counts.byDegree[1]).toEqual({ exact: 1001n ** 800n });
    expect(counts.total).toEqual({ exact: 1001n ** 800n });
    // past the exact range (8,192 bits), the logarithm of the same count
    const deeper = countTerms(model(Array.from({ length: 900 }, () => attention(1000)))).total;
    expect('log10' in deeper && deeper.log10).toBeCloseTo(900 * Math.log10(1001), 6);
  });

  it('keep the highest degree 2^(bilinear layers) exact, and every count finite, at 10,000 layers', () => {
    const deep = model(Array.from({ length: 10_000 }, () => attnAndBilinear(2)));
    for (const symmetrize of [true, false]) {
      const counts = countTerms(deep, { degreeCap: 4, symmetrize });
      expect(counts.maxDegree).toBe(2n ** 10_000n);
      for (const t of [...counts.byDegree, counts.total]) expect(formatTotal(t)).not.toMatch(/NaN|Infinity/);
      expect(formatTotal(counts.total)).toMatch(/^≈ 10\^\(10\^3010\.\d+\)$/);
    }
  });

  const norm = fc.constantFrom<NormKind | undefined>(undefined, 'rms', 'layer');
  const layer = fc.record({
    attention: fc.option(
      fc.record({ heads: fc.integer({ min: 0, max: 2 }), headSize: fc.constant(2), bias: fc.boolean(), norm }),
      { nil: undefined },
    ),
    bilinear: fc.option(fc.record({ hidden: fc.constant(3), bias: fc.boolean(), norm }), { nil: undefined }),
  });
  const arch = fc
    .record({
      layers: fc.array(layer, { maxLength: 2 }),
      positional: fc.boolean(),
      unembed: fc.record({ bias: fc.boolean(), norm }),
    })
    .map(a => model(a.layers as Layer[], { positional: a.positional, unembed: a.unembed }));

  it('take a degree cap at or above the highest degree as no cap, and refuse caps too large to count', () => {
    const deep = model(Array.from({ length: 48 }, () => ({ bilinear: { hidden: 2, bias: false } })));
    const all = countTerms(deep);
    expect(all.maxDegree).toBe(2n ** 48n);
    expect(countTerms(deep, { maxDegree: 2 ** 48 }).total).toEqual(all.total);
    expect(countTerms(deep, { maxDegree: 4294967295 * 2 ** 20 }).total).toEqual(all.total);
    expect(() => countTerms(deep, { maxDegree: DEGREE_CAP_LIMIT + 1 })).toThrow(DegreeCapError);
    // a small cap is counted exactly: no term of degree 0, and the embedding alone of degree 1
    expect(countTerms(deep, { maxDegree: 1 }).total).toEqual({ exact: 1n });
  });

  it('equal a brute-force enumeration, per degree and in total', () => {
    fc.assert(
      fc.property(
        arch,
        fc.boolean(),
        fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
        (a, symmetrize, maxDegree) => {
          const terms = [...expand(a, { symmetrize, maxDegree })];
          const counts = countTerms(a, { symmetrize, maxDegree, degreeCap: 4 });
          expect(counts.total).toEqual({ exact: BigInt(terms.length) });
          counts.byDegree.forEach((c, k) => {
            expect(c).toEqual({ exact: BigInt(terms.filter(t => t.degree === k).length) });
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('symmetrized coefficients add up to the ordered count', () => {
    fc.assert(
      fc.property(arch, a => {
        const ordered = [...expand(a, { symmetrize: false })].length;
        const weighted = [...expand(a)].reduce((s, t) => s + Number(t.coefficient.n), 0);
        expect(weighted).toBe(ordered);
      }),
      { numRuns: 100 },
    );
  });
});
