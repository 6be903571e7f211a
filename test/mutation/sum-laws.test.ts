// The laws on sums (src/simplify/sum.ts) on terms whose simplified form is worked out by hand: unequal
// coefficients in a mirror class, terms that cancel, incomplete classes (issue 15).
import { describe, expect, it } from 'vitest';
import { bilinear, embed, head, type Path, pos } from '../../src/paths/path.js';
import type { Term } from '../../src/paths/term.js';
import { rational } from '../../src/rational.js';
import { collect, mirrorClass, multiplicity, simplifySum, sumRules, symmetrize } from '../../src/simplify/sum.js';

const term = (path: Path, c: number): Term => ({ path, coefficient: rational(c), degree: path.kind === 'pos' ? 0 : 1 });
const ordered = (l: Path, r: Path) => bilinear(0, l, r, false);
const sym = (l: Path, r: Path) => bilinear(0, l, r, true);

// p = embed(), q = pos(): built inside each test, as a mutant reached only at import counts as static
/** Terms as [path, coefficient] rows, to compare with the hand-written result. */
const rows = (terms: readonly Term[]) => terms.map(t => [t.path, t.coefficient.valueOf()]);

describe('collecting like terms', () => {
  it('adds the coefficients of one path and keeps the order of first appearance', () => {
    const x = head(0, 0, embed());
    expect(rows(collect([term(embed(), 2), term(x, 1), term(embed(), 3), term(x, -4)]))).toEqual([
      [embed(), 5],
      [x, -3],
    ]);
  });

  it('drops a path whose coefficients cancel, wherever it appears', () => {
    const x = head(0, 0, embed());
    expect(rows(collect([term(embed(), 2), term(x, 1), term(embed(), -2), term(pos(), 1)]))).toEqual([
      [x, 1],
      [pos(), 1],
    ]);
    expect(collect([term(embed(), 1), term(embed(), -1)])).toEqual([]);
  });
});

describe('symmetrizing mirror classes', () => {
  it('merges a complete class of equal coefficients into one term of twice the coefficient', () => {
    expect(rows(symmetrize([term(ordered(embed(), pos()), 3), term(ordered(pos(), embed()), 3)]))).toEqual([
      [sym(embed(), pos()), 6],
    ]);
  });

  it('leaves a class with unequal coefficients as it is: B(p,q) + 2 B(q,p) is not a multiple of B_sym(p,q)', () => {
    const terms = [term(ordered(embed(), pos()), 1), term(ordered(pos(), embed()), 2)];
    expect(rows(symmetrize(terms))).toEqual([
      [ordered(embed(), pos()), 1],
      [ordered(pos(), embed()), 2],
    ]);
  });

  it('leaves an incomplete class as it is, and a path given twice is not its own mirror', () => {
    expect(rows(symmetrize([term(ordered(pos(), embed()), 1)]))).toEqual([[ordered(pos(), embed()), 1]]);
    expect(rows(symmetrize([term(ordered(embed(), pos()), 1), term(ordered(embed(), pos()), 1)]))).toEqual([
      [ordered(embed(), pos()), 1],
      [ordered(embed(), pos()), 1],
    ]);
  });

  it('leaves a class with a member given twice as it is, though every mirror is there', () => {
    const terms = [
      term(ordered(embed(), pos()), 1),
      term(ordered(pos(), embed()), 1),
      term(ordered(embed(), pos()), 1),
    ];
    expect(rows(symmetrize(terms))).toEqual(rows(terms));
  });

  it('turns a diagonal pair into its symmetrized self with the same coefficient', () => {
    expect(rows(symmetrize([term(ordered(embed(), embed()), 5)]))).toEqual([[sym(embed(), embed()), 5]]);
  });

  it('counts the ordered paths a symmetrized path stands for, through heads and nested pairs', () => {
    expect(multiplicity(sym(embed(), pos()))).toBe(2n);
    expect(multiplicity(sym(embed(), embed()))).toBe(1n);
    expect(multiplicity(head(1, 0, sym(embed(), pos())))).toBe(2n);
    expect(multiplicity(bilinear(1, sym(embed(), pos()), embed(), true))).toBe(4n);
    expect(multiplicity(bilinear(1, sym(embed(), pos()), sym(embed(), pos()), true))).toBe(4n);
    expect(multiplicity(bilinear(1, sym(embed(), pos()), embed(), false))).toBe(2n);
    expect(mirrorClass(head(1, 0, bilinear(1, ordered(pos(), embed()), pos(), false)))).toBe(
      head(1, 0, bilinear(1, sym(embed(), pos()), pos(), true)),
    );
  });

  it('merges a nested class only when all four of its ordered members are there, with equal coefficients', () => {
    const nested = (a: Path, b: Path, outerFirst: boolean) =>
      outerFirst ? bilinear(1, ordered(a, b), embed(), false) : bilinear(1, embed(), ordered(a, b), false);
    const all = [
      nested(embed(), pos(), true),
      nested(pos(), embed(), true),
      nested(embed(), pos(), false),
      nested(pos(), embed(), false),
    ];
    expect(rows(symmetrize(all.map(path => term(path, 1))))).toEqual([
      [bilinear(1, sym(embed(), pos()), embed(), true), 4],
    ]);
    expect(rows(symmetrize(all.slice(0, 3).map(path => term(path, 1))))).toHaveLength(3);
    expect(rows(symmetrize(all.map((path, i) => term(path, i === 3 ? 2 : 1))))).toHaveLength(4);
  });
});

describe('the sum rules in order', () => {
  it('are the table of named laws, each applied alone as its law says', () => {
    expect(sumRules.map(r => [r.name, r.law])).toEqual([
      ['drop-zero', '0 · X = 0'],
      ['collect', 'a X + b X = (a + b) X'],
      ['symmetrize', 'B(p, q) + B(q, p) = 2 B_sym(p, q)'],
    ]);
    const [dropZero, collected, symmetrized] = sumRules;
    expect(rows(dropZero!.apply([term(embed(), 0), term(pos(), 1), term(embed(), 2)]))).toEqual([
      [pos(), 1],
      [embed(), 2],
    ]);
    expect(rows(collected!.apply([term(embed(), 1), term(embed(), 2)]))).toEqual([[embed(), 3]]);
    expect(rows(symmetrized!.apply([term(ordered(pos(), embed()), 2), term(ordered(embed(), pos()), 2)]))).toEqual([
      [sym(embed(), pos()), 4],
    ]);
  });

  it('collect first, so a member that cancels leaves an incomplete class', () => {
    const simplified = simplifySum([
      term(ordered(embed(), pos()), 1),
      term(ordered(pos(), embed()), 1),
      term(ordered(embed(), pos()), -1),
    ]);
    expect(rows(simplified)).toEqual([[ordered(pos(), embed()), 1]]);
  });

  it('drop zero terms given as zero', () => {
    expect(simplifySum([term(embed(), 0), term(pos(), 0)])).toEqual([]);
    expect(rows(simplifySum([term(embed(), 0), term(pos(), 2)]))).toEqual([[pos(), 2]]);
  });

  it('merge members split over several terms once they are collected', () => {
    const terms = [
      term(ordered(embed(), pos()), 1),
      term(ordered(pos(), embed()), 2),
      term(ordered(embed(), pos()), 1),
    ];
    expect(rows(simplifySum(terms))).toEqual([[sym(embed(), pos()), 4]]);
  });
});
