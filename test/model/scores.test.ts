// Score terms (docs/design.md §1, "Score terms"): the expansion of a head's scores into (query path, key path)
// terms, printed in Elhage et al. 2021's three-factor form. The expected formulas are written by hand from the
// paper's equations (the attention-only 1- and 2-layer transformers), not produced by the code under test.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { printExpr } from '../../src/formula/print.js';
import { compile } from '../../src/model/spec.js';
import {
  countScoreTerms,
  expandScores,
  formatScoreTerm,
  rawScoreFormula,
  scoreFamily,
  type ScoreTarget,
} from '../../src/model/scores.js';
import { simplifyWithTrace } from '../../src/simplify/rewrite.js';
import { smallArchitecture } from '../arbitraries.js';

const model = (layers: string, head = 'attention heads 2 size 4') =>
  compile(`model m {\n vocab 5\n context 4\n width 4\n embed\n layers ${layers} { ${head} }\n unembed\n}\n`)[0]!;

const printed = (layers: string, target: ScoreTarget, head?: string) => {
  const arch = model(layers, head);
  return expandScores(arch, target).map(t => [scoreFamily(t), formatScoreTerm(t, arch, target, 'text')]);
};

describe('score terms of attention-only transformers', () => {
  it('one layer: the direct term W_Eᵀ W_QK W_E alone', () => {
    expect(printed('1', { layer: 0, head: 1 })).toEqual([['direct', '1/√4 · Id ⊗ Id ⊗ W_Eᵀ W_QK^{0.1} W_E']]);
  });

  it('two layers: direct, K-, Q- and Q-and-K-composition, as in the paper', () => {
    // Elhage et al. 2021, two-layer attention-only: the query side is W_E or A^{h₀} ⊗ W_OV^{h₀} W_E, the key
    // side likewise, and the score term of a pair is K_q ⊗ K_k ⊗ T_qᵀ W_QK^{h₁} T_k.
    const F = (kq: string, kk: string, tq: string, tk: string) => `1/√4 · ${kq} ⊗ ${kk} ⊗ ${tq} W_QK^{1.0} ${tk}`;
    const sides = [
      ['Id', 'W_Eᵀ', 'W_E'],
      ['A^{0.0}', 'W_Eᵀ W_OV^{0.0}ᵀ', 'W_OV^{0.0} W_E'],
      ['A^{0.1}', 'W_Eᵀ W_OV^{0.1}ᵀ', 'W_OV^{0.1} W_E'],
    ] as const;
    const family = (q: number, k: number) =>
      q > 0 && k > 0 ? 'Q- and K-composition' : q > 0 ? 'Q-composition' : k > 0 ? 'K-composition' : 'direct';
    const expected = sides.flatMap((q, i) => sides.map((k, j) => [family(i, j), F(q[0], k[0], q[1], k[2])]));
    expect(printed('2', { layer: 1, head: 0 })).toEqual(expected);
  });

  it('fuse-qk fires on every score term without rotary, and score-split splits the sides', () => {
    const arch = model('2');
    const target = { layer: 1, head: 1 };
    for (const t of expandScores(arch, target)) {
      const rules = simplifyWithTrace(rawScoreFormula(t, arch, target)).trace.map(s => s.rule);
      expect(rules).toContain('fuse-qk');
      expect(rules).toContain('score-split');
    }
  });

  it('rotary attention keeps R_{j−i} between W_Qᵀ and W_K (nothing fuses across it)', () => {
    expect(printed('1', { layer: 0, head: 0 }, 'attention heads 1 size 4 rotary')).toEqual([
      ['direct', '1/√4 · Id ⊗ Id ⊗ W_Eᵀ W_Q^{0.0}ᵀ R^{0.0} W_K^{0.0} W_E'],
    ]);
  });

  it('query and key biases are side paths of their own: (b_Q, b_K) needs no W at all', () => {
    const terms = printed('1', { layer: 0, head: 0 }, 'attention heads 1 size 4 bias');
    expect(terms.map(t => t[1])).toEqual([
      '1/√4 · Id ⊗ Id ⊗ W_Eᵀ W_QK^{0.0} W_E',
      '1/√4 · Id ⊗ 1 ⊗ W_Eᵀ W_Q^{0.0}ᵀ b_K^{0.0}',
      '1/√4 · 1 ⊗ Id ⊗ b_Q^{0.0}ᵀ W_K^{0.0} W_E',
      '1/√4 · 1 ⊗ 1 ⊗ b_Q^{0.0}ᵀ b_K^{0.0}',
    ]);
  });

  it('a LayerNorm before the head is frozen on both sides; its gain is symmetric, so Gᵀ is G', () => {
    const [direct] = printed('1', { layer: 0, head: 0 }, 'norm rms; attention heads 1 size 4');
    expect(direct![1]).toBe('1/√4 · D_ln1^{0} ⊗ D_ln1^{0} ⊗ W_Eᵀ G_ln1^{0} W_QK^{0.0} G_ln1^{0} W_E');
  });

  it('the raw form is the scores as the head computes them: (q)ᵀ W_Qᵀ W_K (k)', () => {
    const arch = model('1');
    const [t] = expandScores(arch, { layer: 0, head: 0 });
    expect(printExpr(rawScoreFormula(t!, arch, { layer: 0, head: 0 }))).toBe(
      '1/√4 · (Id ⊗ W_E)ᵀ W_Q^{0.0}ᵀ W_K^{0.0} (Id ⊗ W_E)',
    );
  });

  it('--max-degree bounds the two sides together', () => {
    const arch = model('2');
    const all = expandScores(arch, { layer: 1, head: 0 });
    expect(all.every(t => t.degree === 2)).toBe(true);
    expect(expandScores(arch, { layer: 1, head: 0 }, { maxDegree: 1 })).toEqual([]);
  });
});

describe('the number of score terms, counted in closed form', () => {
  const withAttention = smallArchitecture(3).filter(a => a.layers.some(l => l.attention));
  const options = fc.record({
    symmetrize: fc.boolean(),
    maxDegree: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }),
    ablateBilinear: fc.constantFrom(new Set<number>(), new Set([0])),
  });

  it('is the length of the expansion, for every head, with or without a degree bound or an ablation', () => {
    let compared = 0;
    fc.assert(
      fc.property(withAttention, options, (arch, o) => {
        arch.layers.forEach((layer, l) => {
          if (!layer.attention) return;
          const target = { layer: l, head: layer.attention.heads - 1 };
          const count = countScoreTerms(arch, target, o);
          // three layers can reach 10⁸ score terms: those are counted, not listed
          if (!('exact' in count) || count.exact > 20_000n) return;
          expect(count).toEqual({ exact: BigInt(expandScores(arch, target, o).length) });
          compared++;
        });
      }),
      { numRuns: 60 },
    );
    expect(compared).toBeGreaterThan(60);
  });
});
