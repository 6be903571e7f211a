// The path backbone (src/paths/path.ts) where a mutation run found no in-process test: the degree of composite
// paths, counted by hand, and `forgetPaths`, which empties the interning tables between the terms of a stream.
import { describe, expect, it } from 'vitest';
import { HOMOGENEOUS } from '../../src/language/site.js';
import {
  bias,
  bilinear,
  comparePaths,
  degree,
  embed,
  forgetPaths,
  head,
  internedPaths,
  pos,
} from '../../src/paths/path.js';

describe('the degree of a path in the one-hot inputs', () => {
  it('is 1 for a token, 0 for a position or a bias, and a head keeps the degree of what it moves', () => {
    expect([degree(embed()), degree(pos()), degree(bias(HOMOGENEOUS))]).toEqual([1, 0, 0]);
    expect(degree(head(1, 0, head(0, 1, embed())))).toBe(1);
    expect(degree(head(0, 0, pos()))).toBe(0);
  });

  it('adds up over the two arguments of a bilinear pair, at any depth', () => {
    const E = embed();
    expect(degree(bilinear(0, E, pos(), false))).toBe(1);
    expect(degree(bilinear(0, E, head(0, 0, E), true))).toBe(2);
    expect(degree(bilinear(1, bilinear(0, E, E, false), E, false))).toBe(3);
    expect(degree(bilinear(1, bilinear(0, E, E, false), bilinear(0, E, bias(HOMOGENEOUS), false), true))).toBe(3);
  });
});

describe('forgetting the interned heads and pairs', () => {
  it('empties the tables: an equal path built after is a new object, one built before stays valid', () => {
    const before = bilinear(0, head(0, 1, embed()), pos(), false);
    expect(bilinear(0, head(0, 1, embed()), pos(), false)).toBe(before);
    expect(internedPaths()).toBeGreaterThanOrEqual(2);
    forgetPaths();
    expect(internedPaths()).toBe(0);
    const after = bilinear(0, head(0, 1, embed()), pos(), false);
    expect(after).not.toBe(before);
    expect(after).toEqual(before);
    expect(internedPaths()).toBe(2);
    expect(embed()).toBe(embed());
  });
});

describe('the order of a symmetrized pair’s arguments', () => {
  const E = embed();
  const [first, second] = [bilinear(0, E, E, false), bilinear(1, E, E, false)];

  it('puts the pair of the earlier layer first, whichever order they come in', () => {
    expect(comparePaths(first, second)).toBeLessThan(0);
    expect(comparePaths(second, first)).toBeGreaterThan(0);
    const pair = bilinear(2, second, first, true);
    expect(pair.kind === 'bilinear' && [pair.left, pair.right]).toEqual([first, second]);
    expect(bilinear(2, first, second, true)).toBe(pair);
  });
});
