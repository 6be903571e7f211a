// The LaTeX document's parts: where formulas may break, parentheses as function application, and headers
// that say what is listed (an equation only over the whole sum).
import katex from 'katex';
import { describe, expect, it } from 'vitest';
import type { Expr } from '../../src/formula/nodes.js';
import { printExpr } from '../../src/formula/print.js';
import { expand } from '../../src/model/expand.js';
import { factor } from '../../src/model/factor.js';
import { formula, rawFormula } from '../../src/model/term-formula.js';
import { loadSpec } from '../../src/model/spec.js';
import { withBreaks } from '../../src/render/latex-breaks.js';
import { latexDocument, type LatexListing } from '../../src/render/latex-document.js';

const twoLayer = loadSpec('examples/two-layer.pathsum');
const seed1 = loadSpec('examples/seed1.pathsum');
const terms = [...expand(twoLayer)];
const raw = [...expand(twoLayer, { symmetrize: false })].slice(0, 200);
/** Every kind of formula the documents print: simplified, raw (applications) and factored (sums inside B). */
const formulas: Expr[] = [
  ...terms.map(t => formula(t, twoLayer)),
  ...raw.map(t => rawFormula(t, twoLayer)),
  ...factor(terms, twoLayer),
];
const unbroken = (latex: string) => latex.replace(/\\penalty\d+ /g, '');

describe('LaTeX of function application', () => {
  it('has no \\left…\\right: B_sym takes its arguments in parentheses sized by what they hold', () => {
    const latex = formulas.map(f => printExpr(f, 'latex'));
    expect(latex.filter(l => /\\left|\\right/.test(l))).toEqual([]);
    // B_sym^{1}(… B_sym^{0}(…) …): the outer pair one size up
    expect(latex).toContain(
      '4 \\cdot A^{1,0} \\, (A^{0,0} \\bullet A^{0,0}) \\bullet A^{1,0} \\, (A^{0,0} \\bullet A^{0,1}) ' +
        '\\otimes W_U \\, B_{\\mathrm{sym}}^{1}\\bigl(' +
        'W_{OV}^{1,0} \\, B_{\\mathrm{sym}}^{0}(W_{OV}^{0,0} \\, W_E, W_{OV}^{0,0} \\, W_E), ' +
        'W_{OV}^{1,0} \\, B_{\\mathrm{sym}}^{0}(W_{OV}^{0,0} \\, W_E, W_{OV}^{0,1} \\, W_E)\\bigr)',
    );
    // a spread of each kind (test/cli/expand.test.ts renders the first 200 of each example)
    for (const l of latex.filter((_, i) => i % 20 === 0))
      expect(() => katex.renderToString(l, { throwOnError: true })).not.toThrow();
  });
});

describe('withBreaks', () => {
  it('places a penalty after each operator, comma and factor, costlier inside parentheses', () => {
    const term = terms
      .map(t => printExpr(formula(t, twoLayer), 'latex'))
      .find(l => l.startsWith('2 \\cdot \\mathrm{Id}'));
    expect(term).toBe(
      '2 \\cdot \\mathrm{Id} \\bullet A^{0,0} \\otimes W_U \\, B_{\\mathrm{sym}}^{0}(W_E, W_{OV}^{0,0} \\, W_E)',
    );
    expect(withBreaks(term!)).toBe(
      '2 \\cdot \\mathrm{Id} \\bullet \\penalty15 A^{0,0} \\otimes \\penalty5 W_U \\, \\penalty20 ' +
        'B_{\\mathrm{sym}}^{0}(W_E, \\penalty30 W_{OV}^{0,0} \\, \\penalty40 W_E)',
    );
  });

  it('breaks between an operator and its argument, and in a sum before each summand', () => {
    const applied = withBreaks('(\\mathrm{Id} \\otimes W_U)\\bigl(A + 2 \\cdot B - C\\bigr)');
    expect(applied).toBe(
      '(\\mathrm{Id} \\otimes \\penalty25 W_U)\\penalty5 \\bigl(A + \\penalty20 2 \\cdot B - \\penalty20 C\\bigr)',
    );
  });

  it('never inside braces (indices, fractions), and removing the penalties gives the formula back', () => {
    for (const f of formulas) {
      const latex = printExpr(f, 'latex');
      const broken = withBreaks(latex);
      expect(unbroken(broken)).toBe(latex);
      let braces = 0;
      for (const [token] of broken.matchAll(/\\penalty|[{}]/g)) {
        if (token === '{') braces++;
        else if (token === '}') braces--;
        else expect(braces).toBe(0);
      }
    }
    expect(withBreaks('\\tfrac{1}{2} \\cdot A^{0,1} \\otimes W_{OV}^{0,1}')).toBe(
      '\\tfrac{1}{2} \\cdot A^{0,1} \\otimes \\penalty5 W_{OV}^{0,1}',
    );
  });
});

const nine = [...expand(seed1)].map(t => formula(t, seed1));
const listing = (over: Partial<LatexListing>): LatexListing => ({
  model: 'seed1',
  form: 'simplified',
  rows: nine,
  terms: 9,
  selected: { exact: 9n },
  all: { exact: 9n },
  filters: [],
  ...over,
});
/** The document after its preamble: the header, the listing and what follows. */
const body = (l: LatexListing) => latexDocument(l).split('\\begin{document}')[1]!;
const evaluation = {
  tokens: [3, 1, 4],
  weights: 'random weights (seed 0)',
  token: 2,
  position: 2,
  predicted: true,
  logit: 15.6,
  sum: 15.59999,
  maxAbsError: 2.5e-6,
};

describe('the header says what the document lists', () => {
  it('the whole sum is an equation: logits = first term, + each other', () => {
    const doc = body(listing({}));
    expect(doc).toContain('The logits of \\texttt{seed1} are the sum of its 9 path terms.');
    expect(doc.match(/\\pathterm\{\}\{\$\\text\{logits\} = \{\}\$\}/g)).toHaveLength(1);
    expect(doc.match(/\\pathterm\{\}\{\$\+\$\}/g)).toHaveLength(8);
    expect(doc).not.toContain('left out');
  });

  it.each([
    ['the first terms', listing({ rows: nine.slice(0, 2), terms: 2 }), 'The first 2 of the 9 path terms'],
    [
      'a filtered part',
      listing({ rows: nine.slice(0, 5), terms: 5, selected: { exact: 5n }, filters: ['--ablate 0.1'] }),
      'The 5 path terms of \\texttt{seed1} kept by \\texttt{--ablate 0.1} (of its 9), in expansion order.',
    ],
    [
      'a count known by its logarithm',
      listing({ rows: nine.slice(0, 2), terms: 2, selected: { log10: 8.57 }, all: { log10: 8.57 } }),
      'The first 2 of the $\\approx 10^{8.6}$ path terms',
    ],
    [
      'the largest by contribution',
      listing({ rows: nine.slice(0, 2), terms: 2, evaluation: { ...evaluation, contributions: [12.05, -0.05] } }),
      'The 2 largest of the 9 path terms of \\texttt{seed1}, by the size of their contribution to the logit of ' +
        'token 2 at position 2; they sum to $12.0000$ of the logit $15.6000$.',
    ],
  ])('%s: no equation, the part named', (_, l, sentence) => {
    const doc = body(l);
    expect(doc).toContain(sentence);
    expect(doc).toContain('They are a part of the expansion, not the whole: they do not add up to the logits.');
    expect(doc).not.toMatch(/=/);
    expect(doc.match(/\\pathterm\{/g)).toHaveLength(l.rows.length + (l.evaluation ? 1 : 0));
  });

  it('says how many terms were left out, and numbers the terms listed', () => {
    const doc = body(listing({ rows: nine.slice(0, 2), terms: 2 }));
    expect(doc).toContain('The other 7 terms are left out of this listing.');
    expect(doc).toMatch(/\\pathterm\{1\.\}\{\}\{\$.*\$\}\n\\pathterm\{2\.\}\{\}/);
  });

  it('with contributions: each beside its term, the evaluation and its check stated', () => {
    const doc = body(listing({ evaluation: { ...evaluation, contributions: nine.map((_, i) => 2 - i * 0.25) } }));
    expect(doc).toContain('Evaluated on the tokens \\texttt{3 1 4} with random weights (seed 0)');
    expect(doc).toContain("the logit of token 2 at position 2 (the model's top prediction) is $15.6000$");
    expect(doc).toContain('All 9 terms sum to $15.6000$ there');
    expect(doc).toContain('at most $2.50 \\cdot 10^{-6}$');
    expect(doc).toContain('\\pathterm{$2.0000$}{$\\text{logits} = {}$}{$');
    expect(doc).toContain('\\pathterm{$0.0000$}{$+$}{$');
    expect(doc).toContain('\\pathterm{\\emph{contribution}}{}{\\emph{term}}');
  });

  it('a weights file name may break after each /, and TeX specials in names are escaped', () => {
    const doc = body(
      listing({
        model: 'a_b',
        evaluation: { ...evaluation, weights: 'm/x_1.safetensors', contributions: nine.map(() => 0) },
      }),
    );
    expect(doc).toContain('\\texttt{m/\\allowbreak{}x\\_1.safetensors}');
    expect(doc).toContain('\\texttt{a\\_b}');
  });

  it('factored: the formulas fold the terms, and the whole folded sum is still the logits', () => {
    const folded = factor([...expand(seed1)], seed1);
    const doc = body(listing({ form: 'factored', rows: folded }));
    expect(doc).toContain(`its 9 path terms, written as ${folded.length} formulas`);
    expect(doc.match(/\\pathterm\{/g)).toHaveLength(folded.length);
  });
});
