// Family names of symmetrized pairs (src/paths/family.ts, issue 15): the two arguments are named in
// alphabetical order of their names, which differs from the paths' own order (E before P, heads by layer).
import { describe, expect, it } from 'vitest';
import { site } from '../../src/language/site.js';
import { headsOf, pathFamily } from '../../src/paths/family.js';
import { bias, bilinear, embed, head, ONE, pos } from '../../src/paths/path.js';

describe('family names of pairs', () => {
  it.each([
    ['pair L0: direct (position) × direct (token)', () => bilinear(0, embed(), pos(), true)],
    ['pair L0: direct (position) × direct (token)', () => bilinear(0, pos(), embed(), true)],
    ['pair L0: direct (token) × direct (position)', () => bilinear(0, embed(), pos(), false)],
    ['pair L0: direct (position) × direct (token)', () => bilinear(0, pos(), embed(), false)],
    ['pair L1: constant 1 × direct (token)', () => bilinear(1, embed(), bias(ONE), true)],
    ['pair L1: direct (token) × head L0', () => bilinear(1, head(0, 0, embed()), embed(), true)],
    [
      'pair L1: head L0 × virtual head L0←L0',
      () => bilinear(1, head(0, 0, embed()), head(0, 1, head(0, 0, pos())), true),
    ],
  ])('names its arguments in one order: %s', (name, path) => {
    // the path is built inside the test: a mutant reached only while collecting tests counts as static
    expect(pathFamily(path())).toBe(name);
  });

  it('names biases by their tensor and pairs inside pairs by their layer', () => {
    expect(pathFamily(bias(site('attn', 0, 'b_O')))).toBe('bias blocks.0.attn.b_O');
    expect(pathFamily(bias(ONE))).toBe('constant 1');
    const inner = bilinear(0, embed(), embed(), true);
    expect(pathFamily(bilinear(1, inner, bias(site('unembed', null, 'b_U')), false))).toBe(
      'pair L1: pair L0 × bias unembed.b_U',
    );
    expect(pathFamily(head(2, 1, bilinear(1, inner, embed(), true)))).toBe('head L2 of pair L1');
  });

  it('lists the heads a path passes through, inside pairs too', () => {
    const inner = bilinear(0, head(0, 1, embed()), head(0, 0, pos()), true);
    expect(headsOf(head(1, 2, bilinear(1, inner, head(0, 1, embed()), false)))).toEqual(['0.0', '0.1', '1.2']);
    expect(headsOf(bilinear(0, embed(), pos(), true))).toEqual([]);
  });
});
