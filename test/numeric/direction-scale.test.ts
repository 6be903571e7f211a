// `features --direction FILE` normalizes the direction without overflow or underflow: entries of 1e300 or 1e-300
// give the unit vector that the same direction at scale 1 gives, and a direction whose scale float64 cannot hold
// is refused with one line.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalized, outputDirection } from '../../src/analysis/direction.js';
import { memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { UserError } from '../../src/errors.js';
import { compile } from '../../src/model/spec.js';

const arch = compile('model m {\n vocab 3; context 2; width 4\n embed\n unembed\n}')[0]!;

const direction = fc
  .array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 4, maxLength: 4 })
  .filter(v => v.some(x => Math.abs(x) > 1e-3));

/** v / ‖v‖ the plain way, right for entries near 1. */
function plainUnit(v: readonly number[]): number[] {
  const length = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map(x => x / length);
}

describe('a direction is normalized at any scale float64 holds', () => {
  it('v · 10^k has the unit vector of v, and the norm ‖v‖ · 10^k', () => {
    fc.assert(
      fc.property(direction, fc.integer({ min: -300, max: 300 }), (v, k) => {
        const scaled = v.map(x => x * 10 ** k);
        fc.pre(scaled.every(x => x === 0 || Math.abs(x) >= 2 ** -1022));
        const { u, notes } = outputDirection(arch, new Map(), 0, { kind: 'vector', vector: scaled, source: 'u.txt' });
        const expected = plainUnit(v);
        u.forEach((x, i) => {
          expect(Math.abs(x - expected[i]!)).toBeLessThan(1e-14);
        });
        const { length } = normalized(scaled, 'u.txt');
        const plainLength = Math.sqrt(v.reduce((s, x) => s + x * x, 0)) * 10 ** k;
        expect(Math.abs(length - plainLength)).toBeLessThan(1e-13 * plainLength);
        if (notes.length) expect(notes[0]).toContain(`its norm was ${length.toPrecision(4)}`);
      }),
      { numRuns: 500 },
    );
  });

  it.each([
    [
      [1e300, 0, -2e300, 0],
      [1 / Math.sqrt(5), 0, -2 / Math.sqrt(5), 0],
    ],
    [
      [0, 3e-300, 4e-300, 0],
      [0, 0.6, 0.8, 0],
    ],
    [
      [Number.MAX_VALUE / 4, 0, 0, 0],
      [1, 0, 0, 0],
    ],
  ])('%j', (v, expected) => {
    const { unit } = normalized(v, 'u.txt');
    unit.forEach((x, i) => {
      expect(x).toBeCloseTo(expected[i]!, 15);
    });
  });

  it.each([
    [
      [1.7e308, -1e308, 0, 0],
      "u.txt: the direction's norm exceeds float64's largest number (the largest |entry| is 1.7e+308); scale it down",
    ],
    [
      [1e-310, 0, 0, 0],
      "u.txt: the direction's entries are too small for float64 " +
        '(the largest |entry| is 1e-310, below 2.23e-308); scale them up',
    ],
    [[0, -0, 0, 0], 'u.txt: the direction is zero'],
  ])('refuses %j', (v, message) => {
    expect(() => outputDirection(arch, new Map(), 0, { kind: 'vector', vector: v, source: 'u.txt' })).toThrow(
      new UserError(message),
    );
  });
});

describe('pathsum features --direction', () => {
  async function features(entries: string[]) {
    const dir = mkdtempSync(join(tmpdir(), 'pathsum-direction-'));
    const file = join(dir, 'u.json');
    writeFileSync(file, `[${entries.join(', ')}]`);
    const io = memoryIo();
    const code = await main(['features', 'examples/modadd', '--layer', '0', '--direction', file], io);
    return { code, out: io.out(), err: io.err(), file };
  }

  const width = 64;
  const at = (values: Record<number, string>) => Array.from({ length: width }, (_, i) => values[i] ?? '0');

  it('entries of 1e300 give the table that the same direction at scale 1 gives', async () => {
    const huge = await features(at({ 3: '1e300', 5: '-2e300' }));
    const unit = await features(at({ 3: '1', 5: '-2' }));
    expect(huge.code).toBe(0);
    expect(huge.out).toContain('(its norm was 2.236e+300)');
    const body = (r: { out: string; file: string }) => r.out.split('\n').slice(2).join('\n');
    expect(body(huge)).toBe(body(unit));
  });

  it('a direction too large for float64 is one line and exit 1', async () => {
    const r = await features(at({ 0: '1.7e308', 1: '1.7e308' }));
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toBe(
      `pathsum: ${r.file}: the direction's norm exceeds float64's largest number ` +
        '(the largest |entry| is 1.7e+308); scale it down\n',
    );
  });
});
