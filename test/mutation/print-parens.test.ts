// Parentheses the printer must write even in a formula that does not type (issue 15): error messages print it.
import { describe, expect, it } from 'vitest';
import * as N from '../../src/formula/nodes.js';
import { parseFormula } from '../../src/formula/parse-formula.js';
import { printExpr } from '../../src/formula/print.js';
import { expandScores, rawScoreFormula } from '../../src/model/scores.js';
import { compile } from '../../src/model/spec.js';
import { rational } from '../../src/rational.js';

describe('a term K ⊗ T where a kernel belongs', () => {
  it('is parenthesized (the grammar refuses it; a formula built by hand can hold it)', () => {
    const E = N.weight('W_E');
    const nested = N.kron(N.kron(N.id(), E), E);
    expect(printExpr(nested)).toBe('(Id ⊗ W_E) ⊗ W_E');
  });
});

describe('a product under a transpose', () => {
  it('is parenthesized, and reads back as itself', () => {
    const product = N.fprod([N.weight('W_O', 0, 1), N.weight('W_V', 0, 1)]);
    const text = 'Id ⊗ (W_O^{0.1} W_V^{0.1})ᵀ W_E';
    const e = N.kron(N.id(), N.fprod([N.transpose(product), N.weight('W_E')]));
    expect(printExpr(e)).toBe(text);
    expect(parseFormula(text)).toBe(e);
  });
});

describe('LaTeX parentheses', () => {
  it('grow one size per level of nesting, from plain to \\bigg, and stay \\bigg deeper', () => {
    const opening = /\\bigl\(|\\Bigl\(|\\biggl\(|\{\(/g;
    let e = N.weight('W_O', 0, 0);
    const outsideIn: string[][] = [];
    for (let level = 1; level <= 5; level++) {
      e = N.transpose(N.fprod([e, N.weight('W_V', 0, 0)]));
      outsideIn.push(printExpr(e, 'latex').match(opening) ?? []);
    }
    expect(outsideIn).toEqual([
      ['{('],
      ['\\bigl(', '{('],
      ['\\Bigl(', '\\bigl(', '{('],
      ['\\biggl(', '\\Bigl(', '\\bigl(', '{('],
      ['\\biggl(', '\\biggl(', '\\Bigl(', '\\bigl(', '{('],
    ]);
  });
});

describe('a sum under a coefficient', () => {
  it('is parenthesized, and reads back as itself', () => {
    const sum = N.sum([N.kron(N.id(), N.weight('W_E')), N.kron(N.id(), N.weight('W_pos'))]);
    const e = N.term(rational(2), sum);
    expect(printExpr(e)).toBe('2 · (Id ⊗ W_E + Id ⊗ W_pos)');
    expect(parseFormula('2 · (Id ⊗ W_E + Id ⊗ W_pos)')).toBe(e);
  });
});

describe('a raw score term (q)ᵀ M (k) / √d_head', () => {
  it('prints both sides parenthesized around the map, in text and in LaTeX', () => {
    const side = N.kron(N.id(), N.weight('W_E'));
    const map = N.fprod([N.transpose(N.weight('W_Q', 0, 1)), N.weight('W_K', 0, 1)]);
    const e = N.score(N.headScore(0, 1, 4, null), side, map, side);
    expect(printExpr(e)).toBe('1/√4 · (Id ⊗ W_E)ᵀ W_Q^{0.1}ᵀ W_K^{0.1} (Id ⊗ W_E)');
    expect(printExpr(e, 'latex')).toBe(
      '\\tfrac{1}{\\sqrt{4}} \\cdot {(\\mathrm{Id} \\otimes W_E)}^{\\top} \\, {W_Q^{0,1}}^{\\top} \\, W_K^{0,1} \\, ' +
        '(\\mathrm{Id} \\otimes W_E)',
    );
  });
});

describe('a negated sum', () => {
  it('keeps its parentheses after the minus sign, in text and LaTeX', () => {
    const [E, P, U] = [N.weight('W_E'), N.weight('W_pos'), N.weight('W_U')].map(w => N.kron(N.id(), w));
    const e = N.sum([E!, N.term(rational(-1), N.sum([P!, U!]))]);
    expect(printExpr(e)).toBe('Id ⊗ W_E - (Id ⊗ W_pos + Id ⊗ W_U)');
    expect(printExpr(e, 'latex')).toBe(
      '\\mathrm{Id} \\otimes W_E - (\\mathrm{Id} \\otimes W_{\\mathrm{pos}} + \\mathrm{Id} \\otimes W_U)',
    );
  });
});

describe('a raw score term with no map between its sides', () => {
  it('(b_Q, b_K) is b_Qᵀ b_K / √d_head at every position pair: nothing between the two sides', () => {
    const arch = compile(
      'model m {\n vocab 5; context 4; width 4\n embed\n layers 1 { attention heads 1 size 4 bias }\n unembed\n}',
    )[0]!;
    const target = { layer: 0, head: 0 };
    const biases = expandScores(arch, target).find(t => t.query.kind === 'bias' && t.key.kind === 'bias')!;
    const raw = rawScoreFormula(biases, arch, target);
    expect(printExpr(raw)).toBe('1/√4 · (1 ⊗ b_Q^{0.0})ᵀ (1 ⊗ b_K^{0.0})');
    expect(printExpr(raw, 'latex')).toBe(
      '\\tfrac{1}{\\sqrt{4}} \\cdot {(\\mathbf{1} \\otimes b_Q^{0,0})}^{\\top} \\, (\\mathbf{1} \\otimes b_K^{0,0})',
    );
  });
});
