import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dominantFrequency, frequencyShares } from '../../src/analysis/fourier.js';

describe('Fourier shares of a token profile', () => {
  it('a shifted, scaled sinusoid of frequency ω is all ω', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 60 }),
        fc.nat(),
        fc.double({ min: 0, max: 6.3, noNaN: true }),
        fc.double({ min: 0.1, max: 10, noNaN: true }),
        fc.double({ min: -5, max: 5, noNaN: true }),
        (p, w0, phase, amplitude, offset) => {
          const w = 1 + (w0 % Math.floor(p / 2));
          const phi = 2 * w === p ? 0 : phase; // at ω = p/2 only the cosine exists
          const profile = Array.from(
            { length: p + 1 },
            (_, a) => offset + amplitude * Math.cos((2 * Math.PI * w * a) / p + phi),
          );
          const found = dominantFrequency(profile, p);
          expect(found.frequency).toBe(w);
          expect(found.share).toBeCloseTo(1, 9);
        },
      ),
    );
  });

  it('shares sum to 1 (Parseval) and each lies in [0, 1]', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 2, maxLength: 40 }), profile => {
        const shares = frequencyShares(profile);
        const mean = profile.reduce((s, x) => s + x, 0) / profile.length;
        if (profile.every(x => Math.abs(x - mean) < 1e-9)) return;
        for (const s of shares) expect(s).toBeGreaterThanOrEqual(-1e-12);
        expect(shares.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 8);
      }),
    );
  });

  it('a constant profile has no frequency', () => {
    expect(dominantFrequency([2, 2, 2, 2])).toEqual({ frequency: 0, share: 0 });
  });
});
