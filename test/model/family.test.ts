import { describe, expect, it } from 'vitest';
import { headsOf, pathFamily } from '../../src/paths/family.js';
import { bilinear, embed, head, pos } from '../../src/paths/path.js';

describe('path families', () => {
  it.each([
    [embed(), 'direct (token)'],
    [pos(), 'direct (position)'],
    [head(1, 0, embed()), 'head L1'],
    [head(1, 2, head(0, 1, embed())), 'virtual head L1←L0'],
    [head(1, 0, bilinear(0, embed(), embed(), true)), 'head L1 of pair L0'],
    [bilinear(1, head(1, 0, embed()), head(0, 1, pos()), true), 'pair L1: head L0 × head L1'],
    [bilinear(1, head(1, 0, embed()), head(0, 1, pos()), false), 'pair L1: head L1 × head L0'],
  ])('%j is a %s', (path, family) => expect(pathFamily(path)).toBe(family));

  it('headsOf lists each head a path passes through once', () => {
    const p = bilinear(1, head(1, 0, head(0, 1, embed())), head(1, 0, embed()), true);
    expect(headsOf(p)).toEqual(['0.1', '1.0']);
    expect(headsOf(embed())).toEqual([]);
  });
});
