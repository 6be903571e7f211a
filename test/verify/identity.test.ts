// `verify --identity` rejects what cannot be evaluated with one sentence, before any number is computed:
// ill-shaped sides (the brief's cases, which used to end in "internal error"), sides of different
// shapes, nesting deep enough to overflow the stack, and terms too wide for the dense evaluator.
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { FormulaError, MAX_NESTING, parseFormula } from '../../src/formula/parse-formula.js';
import { printExpr } from '../../src/formula/print.js';
import { loadSpec } from '../../src/model/spec.js';
import { parseIdentity } from '../../src/verify/identity.js';

const twoLayer = loadSpec('examples/two-layer.pathsum');

function failure(text: string): string {
  try {
    parseIdentity(text, twoLayer);
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return (error as UserError).message;
  }
  throw new Error(`${text} was accepted`);
}

describe('ill-shaped identities are one-line errors naming the factor that does not fit', () => {
  it.each([
    ['Id ⊗ W_U W_U = Id ⊗ W_U W_E', 'left side: W_U W_U: W_U is V×d and cannot follow W_U (V×d)'],
    ['Id ⊗ W_E = Id ⊗ W_E W_E', 'right side: W_E W_E: W_E is d×V and cannot follow W_E (d×V)'],
    [
      'A^{0.0} • A^{0.1} ⊗ W_E = Id ⊗ W_E',
      'left side: A^{0.0} • A^{0.1} ⊗ W_E: the kernel A^{0.0} • A^{0.1} is n×n² (2 inputs) ' +
        'but the feature tensor W_E is d×V (1 input)',
    ],
    [
      'Id ⊗ B_sym^{0}(W_E, W_E) = Id ⊗ W_E',
      'left side: Id ⊗ B_sym^{0}(W_E, W_E): the kernel Id is n×n (1 input) ' +
        'but the feature tensor B_sym^{0}(W_E, W_E) is d×V² (2 inputs)',
    ],
    [
      'Id ⊗ W_Eᵀ = Id ⊗ W_E',
      'left side: W_Eᵀ: W_E is a feature tensor (d×V); only a map such as W_Q or W_U has a transpose',
    ],
    [
      'Id ⊗ W_O^{0.0} W_V^{0.1} W_E = Id ⊗ W_E',
      'left side: W_O^{0.0} W_V^{0.1} W_E: W_O^{0.0} is d×d_head^{0.0} and cannot follow W_V^{0.1} W_E ' +
        '(d_head^{0.1}×V)',
    ],
    [
      '(A^{1.0} • A^{1.0}) A^{0.0} ⊗ W_E = Id ⊗ W_E',
      'left side: (A^{1.0} • A^{1.0}) A^{0.0}: A^{1.0} • A^{1.0} is n×n² and cannot follow A^{0.0} (n×n)',
    ],
    [
      'Id ⊗ W_OV^{0.0} = Id ⊗ W_E',
      'left side: Id ⊗ W_OV^{0.0}: W_OV^{0.0} is a map (d×d), not a feature tensor; ' +
        'a term K ⊗ T needs T such as W_E, W_OV W_E or b_O (d×V^k)',
    ],
    [
      '(A^{0.0} ⊗ W_E)(Id ⊗ W_E) = Id ⊗ W_E',
      "left side: (A^{0.0} ⊗ W_E)(Id ⊗ W_E): the operator's feature side W_E is a feature tensor (d×V); " +
        'an operator applies a map such as W_OV or W_U',
    ],
    [
      '(Id ⊗ W_OV^{0.0})(Id ⊗ W_U W_E) = Id ⊗ W_E',
      'left side: (Id ⊗ W_OV^{0.0})(Id ⊗ W_U W_E): W_OV^{0.0} is d×d and cannot apply to Id ⊗ W_U W_E (n×V)',
    ],
    [
      'B^{0}(Id ⊗ W_U W_E, Id ⊗ W_E) = Id ⊗ W_E',
      'left side: B^{0}(Id ⊗ W_U W_E, Id ⊗ W_E): the arguments of B^{0} are terms of the residual stream ' +
        '(n×d), and Id ⊗ W_U W_E is n×V',
    ],
    [
      'Id ⊗ W_E + Id ⊗ W_U W_E = Id ⊗ W_E',
      'left side: Id ⊗ W_E + Id ⊗ W_U W_E: Id ⊗ W_U W_E is n×V but Id ⊗ W_E is n×d; ' +
        'the terms of a sum have one shape',
    ],
    [
      '1 ⊗ 1 = Id ⊗ W_E',
      'left side: 1 ⊗ 1: the homogeneous coordinate 1 is a feature only inside a bilinear block, ' +
        'as an argument of B^{l}(…, …) or as the term 1 ⊗ 1 of a pair',
    ],
    [
      'Id ⊗ W_U W_E = Id ⊗ W_E',
      'the left side is n×V and the right side n×d; both sides of an identity have one shape',
    ],
  ])('%s', (text, message) => {
    expect(failure(text)).toBe(`identity "${text}": ${message}`);
  });

  it('a well-shaped identity parses, transposes and bilinear maps included', () => {
    const text = 'Id ⊗ W_Q^{0.1}ᵀ W_K^{0.1} W_E + A^{1.0} • Id ⊗ B^{1}(W_E, W_E) = Id ⊗ W_QK^{0.1} W_E';
    expect(() => parseIdentity(text, twoLayer)).not.toThrow();
  });
});

describe('nesting is limited before the parser sees the text', () => {
  const nested = (depth: number) => `${'('.repeat(depth)}Id ⊗ W_E${')'.repeat(depth)}`;

  it(`${MAX_NESTING} parentheses parse; 10,000 are a FormulaError at the column of the one too many`, () => {
    expect(printExpr(parseFormula(nested(MAX_NESTING)))).toBe('Id ⊗ W_E');
    const error = catching(() => parseFormula(nested(10_000)));
    expect(error).toBeInstanceOf(FormulaError);
    expect((error as FormulaError).col).toBe(MAX_NESTING + 1);
    expect((error as FormulaError).reason).toMatch(/^the formula nests more than 200 deep/);
  });

  it('long chains of • and of applied operators nest too, each a level; sums of them do not add up', () => {
    const faces = (k: number) => `${Array(k).fill('A^{0.0}').join(' • ')} ⊗ W_E`;
    const applied = (k: number) => `${'(A^{0.0} ⊗ W_OV^{0.0})'.repeat(k)}(Id ⊗ W_E)`;
    for (const text of [faces(5000), applied(5000)])
      expect(catching(() => parseFormula(text))).toBeInstanceOf(FormulaError);
    expect(() => parseFormula(Array(300).fill(faces(3)).join(' + '))).not.toThrow();
    expect(() => parseFormula(Array(300).fill(applied(3)).join(' + '))).not.toThrow();
  });

  it('a chain ends at -, at a comma and at ⊗: 150 links before and 150 after parse', () => {
    const links = (k: number) => `${'(W_OV^{0.0})'.repeat(k)}W_E`;
    const faces = Array(150).fill('A^{0.0}').join(' • ');
    for (const text of [
      `Id ⊗ ${links(150)} - ${faces} ⊗ W_E`,
      `Id ⊗ B^{0}(${links(150)}, ${links(150)})`,
      `(${faces} ⊗ ${links(150)})`,
    ])
      expect(() => parseFormula(text)).not.toThrow();
  });

  it('counts the column of the one too many from the start of its line', () => {
    const error = catching(() => parseFormula(`Id ⊗ W_E +\n${nested(10_000)}`));
    expect((error as FormulaError).col).toBe(MAX_NESTING + 1);
  });

  it('a chain ended at the top level leaves the count of the parentheses after it right', () => {
    const error = catching(() => parseFormula(`Id ⊗ W_E + ${nested(10_000)}`));
    expect(error).toBeInstanceOf(FormulaError);
    expect((error as FormulaError).reason).toMatch(/^the formula nests more than 200 deep/);
  });

  it('through --identity: one line with the column in the whole text, the text abbreviated', () => {
    const text = `${nested(10_000)} = Id ⊗ W_E`;
    const message = failure(text);
    expect(message).toMatch(/^identity "\(+ … \)+ = Id ⊗ W_E": column 201: the formula nests more than 200 deep/);
    expect(message.length).toBeLessThan(400);
  });
});

it('a term too wide for the dense evaluator is refused before evaluation', () => {
  const square = 'B^{0}(W_E, W_E)';
  const wide = `${Array(6).fill('A^{0.0}').join(' • ')} ⊗ B^{1}(${square}, B^{0}(${square}, ${square}))`;
  expect(failure(`${wide} = ${wide}`)).toMatch(
    new RegExp(
      'left side: .* has terms of 6 inputs; evaluating them on up to 8 positions needs ' +
        '8\\^6 = 262,144 columns \\(at most 65,536\\)$',
    ),
  );
});

function catching(f: () => unknown): unknown {
  try {
    f();
  } catch (error) {
    return error;
  }
  return undefined;
}
