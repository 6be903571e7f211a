// What a user reads when a formula does not parse (issue 15: a mutation run found the message untested): the
// column, counted by hand from 1 (an index's column is that of the text inside its braces), then the reason.
import { describe, expect, it } from 'vitest';
import { parseFormula } from '../../src/formula/parse-formula.js';

describe('a formula that does not parse', () => {
  it.each([
    ['Id ⊗ W_X', "column 6: 'W_X' is not a feature tensor (see docs/notation.md)"],
    ['Id ⊗ ', 'column 6: the formula ends too early'],
    ['2 · · W_E', "column 5: unexpected '·'"],
    ['Id ⊗\nW_E', "column 5: unexpected 'end of line'"],
    ['Id ⊗ W_OV W_E', "column 10: 'W_OV' needs an index: layer.head, e.g. ^{0.1}"],
    ['1 ⊗ b_O', "column 8: 'b_O' needs an index: a layer, e.g. ^{0}"],
    ['1 ⊗ b_O^{0.1}', "column 10: 'b_O' is indexed by a layer, e.g. ^{0}"],
    ['Id ⊗ B^{0.1}(W_E, W_E)', 'column 9: a bilinear map is indexed by its layer, e.g. ^{0}'],
    ['2√0 · Id ⊗ W_E', 'column 3: a coefficient cannot take the root of 0'],
    ['1/0 · Id ⊗ W_E', 'column 3: a coefficient cannot have denominator 0'],
    ['√2/0 · Id ⊗ W_E', 'column 4: a coefficient cannot have denominator 0'],
  ])('%s: %s', (text, message) => {
    expect(() => parseFormula(text)).toThrow(message);
  });
});

describe('the roots a coefficient may take', () => {
  it('go up to 10¹², and a decimal is not a coefficient', () => {
    expect(() => parseFormula('√1000000000000 · Id ⊗ W_E')).not.toThrow();
    expect(() => parseFormula('√1000000000001 · Id ⊗ W_E')).toThrow(
      'column 2: a coefficient takes roots of numbers up to 1000000000000',
    );
    expect(() => parseFormula('1.5 · Id ⊗ W_E')).toThrow("column 1: expected an integer coefficient, found '1.5'");
  });
});
