// The rule table (src/simplify/rules.ts) against what docs/design.md §1 states, and the side conditions a mutation
// run found untested: W_O W_V and W_Qᵀ W_K fuse only within one head of one layer, A 1 = 1 drops the pattern it
// matched and nothing before it, and a fusion never reads past the last factor.
import { describe, expect, it } from 'vitest';
import * as N from '../../src/formula/nodes.js';
import type { Expr } from '../../src/formula/nodes.js';
import { Rewriter } from '../../src/simplify/rewrite.js';
import { rule } from '../../src/simplify/rule.js';
import { rules } from '../../src/simplify/rules.js';

const rewrite = (name: string, e: Expr): Expr | undefined => rules.find(r => r.name === name)!.rewrite(e);

describe('the rule table', () => {
  it('has the rules and laws docs/design.md lists, in the order they are tried', () => {
    expect(rules.map(r => [r.name, r.law])).toEqual([
      ['mixed-product', '(A ⊗ B)(C ⊗ D) = AC ⊗ BD'],
      ['bilinear-split', 'B(K₁ ⊗ T₁, K₂ ⊗ T₂) = (K₁ • K₂) ⊗ B(T₁, T₂)'],
      ['fuse-ov', 'W_O W_V = W_OV'],
      ['fuse-qk', 'W_Qᵀ W_K = W_QK'],
      ['score-split', '(K₁ ⊗ T₁)ᵀ M (K₂ ⊗ T₂) = K₁ ⊗ K₂ ⊗ T₁ᵀ M T₂'],
      ['transpose-product', '(A B)ᵀ = Bᵀ Aᵀ'],
      ['symmetric-transpose', 'Gᵀ = G, Cᵀ = C (a gain is diagonal, the centering symmetric)'],
      ['identity', 'Id K = K Id = K'],
      ['rows-sum-to-one', 'A 1 = 1 (attention rows sum to 1)'],
      ['face-unit', '1 • K = K • 1 = K'],
      ['norm-face', '(D K₁) • (D K₂) = D² (K₁ • K₂)'],
    ]);
  });
});

describe('fusing a head’s maps', () => {
  const [O, V] = [(l: number, h: number) => N.weight('W_O', l, h), (l: number, h: number) => N.weight('W_V', l, h)];
  const E = N.weight('W_E');

  it('W_O W_V of one head of one layer is its W_OV', () => {
    expect(rewrite('fuse-ov', N.fprod([O(1, 2), V(1, 2), E]))).toBe(N.fprod([N.weight('W_OV', 1, 2), E]));
  });

  it.each([
    ['another layer', O(1, 2), V(0, 2)],
    ['another head', O(1, 2), V(1, 0)],
  ])('W_O and W_V of %s do not fuse', (_, o, v) => {
    expect(rewrite('fuse-ov', N.fprod([o, v, E]))).toBeUndefined();
  });

  it('W_Qᵀ W_K fuses within a head only', () => {
    const [Q, K] = [N.weight('W_Q', 0, 1), N.weight('W_K', 0, 1)];
    expect(rewrite('fuse-qk', N.fprod([N.transpose(Q), K, E]))).toBe(N.fprod([N.weight('W_QK', 0, 1), E]));
    expect(rewrite('fuse-qk', N.fprod([N.transpose(Q), N.weight('W_K', 0, 0), E]))).toBeUndefined();
    expect(rewrite('fuse-qk', N.fprod([N.transpose(Q), N.weight('W_K', 1, 1), E]))).toBeUndefined();
  });

  it('a product ending in W_O is left alone (nothing is read past its last factor)', () => {
    expect(rewrite('fuse-ov', N.fprod([N.weight('W_U'), O(0, 0)]))).toBeUndefined();
  });
});

describe('kernel rules', () => {
  it('A 1 = 1 drops the matched pattern and keeps the factors before it', () => {
    const [first, matched] = [N.pattern(1, 1), N.pattern(0, 0)];
    expect(rewrite('rows-sum-to-one', N.kprod([first, matched, N.ones()]))).toBe(N.kprod([first, N.ones()]));
  });

  it('Id K = K applies only where an Id is', () => {
    expect(rewrite('identity', N.kprod([N.pattern(0, 0), N.pattern(1, 0)]))).toBeUndefined();
  });
});

describe('the rewriter', () => {
  it('stops when a rule hands back the node it was given (a rule that changes nothing has not fired)', () => {
    const unchanged = rule('unchanged', 'K = K', ['weight'], e => e);
    const E = N.weight('W_E');
    expect(new Rewriter([unchanged]).simplify(E)).toBe(E);
  });
});
