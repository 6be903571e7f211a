// Hash-consing must keep apart what differs (issue 15): each node built here is checked against the
// parts it was built from, written out by hand, never against a second node built the same way.
import { describe, expect, it } from 'vitest';
import * as N from '../../src/formula/nodes.js';
import { printExpr } from '../../src/formula/print.js';
import { Coefficient, rational } from '../../src/rational.js';
import Fraction from 'fraction.js';

// built inside each test, not at import: a mutant reached only at import counts as static (stryker.config.mjs)
const X = () => N.kron(N.id(), N.fprod([N.weight('W_U'), N.weight('W_E')]));
const Y = () => N.kron(N.pattern(0, 1), N.fprod([N.weight('W_U'), N.weight('W_OV', 0, 1), N.weight('W_E')]));
const Z = () => N.kron(N.id(), N.weight('W_pos'));

describe('interned nodes keep their parts', () => {
  it('a sum holds every one of its terms, in order', () => {
    const s = N.sum([N.term(rational(2), X()), N.term(rational(-1), Y()), Z()]);
    expect(s.kind).toBe('sum');
    expect(s.kind === 'sum' && s.terms.map(t => N.splitTerm(t).body)).toEqual([X(), Y(), Z()]);
    expect(printExpr(s)).toBe('2 · Id ⊗ W_U W_E - A^{0.1} ⊗ W_U W_OV^{0.1} W_E + Id ⊗ W_pos');
  });

  it('two sums of different terms are two nodes, each with its own terms', () => {
    const first = N.sum([X(), Y()]);
    const second = N.sum([Y(), Z()]);
    expect(first.kind === 'sum' && first.terms).toEqual([X(), Y()]);
    expect(second.kind === 'sum' && second.terms).toEqual([Y(), Z()]);
    expect(first).not.toBe(second);
  });

  it('one body with coefficients of either sign, or with a root, is that many terms', () => {
    const coefficients = [
      rational(3, 2),
      rational(-3, 2),
      rational(3),
      Coefficient.of(new Fraction(3, 2), new Fraction(2)),
      Coefficient.of(new Fraction(-3, 2), new Fraction(2)),
    ];
    const built = coefficients.map(c => N.term(c, X()));
    expect(new Set(built).size).toBe(coefficients.length);
    expect(built.map(t => (t.kind === 'term' ? t.coefficient.valueOf() : NaN))).toEqual([
      1.5,
      -1.5,
      3,
      1.5 * Math.SQRT2,
      -1.5 * Math.SQRT2,
    ]);
    expect(built.map(t => printExpr(t).split(' · ')[0])).toEqual(['3/2', '-3/2', '3', '3/√2', '-3/√2']);
  });

  it('a transpose is the transpose of what it was built from', () => {
    const q = N.weight('W_Q', 0, 1);
    const k = N.weight('W_K', 0, 1);
    const [tq, tk] = [N.transpose(q), N.transpose(k)];
    expect(tq.kind === 'transpose' && tq.of).toBe(q);
    expect(tk.kind === 'transpose' && tk.of).toBe(k);
    expect(printExpr(N.fprod([tq, k]))).toBe('W_Q^{0.1}ᵀ W_K^{0.1}');
  });

  it('products and pairs keep their factors and sides', () => {
    const a = N.weight('W_E');
    const b = N.weight('W_pos');
    const ab = N.fprod([N.weight('W_U'), a]);
    const ub = N.fprod([N.weight('W_U'), b]);
    expect(ab.kind === 'fprod' && ab.factors[1]).toBe(a);
    expect(ub.kind === 'fprod' && ub.factors[1]).toBe(b);
    const p = N.pair(0, false, X(), Z());
    const q = N.pair(0, false, Z(), X());
    expect(p.kind === 'pair' && [p.left, p.right]).toEqual([X(), Z()]);
    expect(q.kind === 'pair' && [q.left, q.right]).toEqual([Z(), X()]);
    const sym = N.pair(0, true, X(), Z());
    expect(sym.kind === 'pair' && sym.symmetrized).toBe(true);
    expect(N.pair(1, false, X(), Z())).not.toBe(p);
  });
});

describe('forgetting the interned nodes', () => {
  it('empties the tries and every node cache; a node built before stays valid, an equal one after is new', () => {
    const cache = N.nodeCache<string>();
    const before = X();
    cache.set(before, 'seen');
    expect(N.internedNodes()).toBeGreaterThan(0);
    N.forgetInterned();
    expect(N.internedNodes()).toBe(0);
    expect(cache.size).toBe(0);
    const after = X();
    expect(after).not.toBe(before);
    expect(after).toEqual(before);
    expect(N.internedNodes()).toBe(2);
    expect(N.weight('W_E')).toBe(N.weight('W_E'));
  });
});

describe('a feature product drops the identity I', () => {
  it('wherever it stands; a product of identities alone is I', () => {
    const [I, OV, E] = [N.weight('I'), N.weight('W_OV', 0, 0), N.weight('W_E')];
    const product = N.fprod([OV, I, E]);
    expect(product.kind === 'fprod' && product.factors).toEqual([OV, E]);
    expect(N.fprod([I, E])).toBe(E);
    expect(N.fprod([E, I])).toBe(E);
    expect(N.fprod([I, I])).toBe(I);
    expect(N.fprod([I])).toBe(I);
  });
});

describe('the head of a score term', () => {
  it('is one object per head and shape, so equal score terms are one node', () => {
    const head = N.headScore(0, 1, 4, null);
    expect(N.headScore(0, 1, 4, null)).toBe(head);
    expect(N.headScore(0, 1, 4, 10_000)).not.toBe(head);
    expect(N.headScore(0, 1, 4, 10_000)).toEqual({ layer: 0, head: 1, size: 4, rotaryBase: 10_000 });
    const score = () => N.score(N.headScore(0, 1, 4, null), X(), N.weight('W_QK', 0, 1), Z());
    expect(score()).toBe(score());
  });
});
