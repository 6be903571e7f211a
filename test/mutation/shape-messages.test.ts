// The shape checker's verdicts written out by hand (issue 15: a mutation run found its messages, its role checks
// and `maxInputs` untested). Each message names the part that does not fit, as a user reads it.
import { describe, expect, it } from 'vitest';
import * as N from '../../src/formula/nodes.js';
import type { Expr } from '../../src/formula/nodes.js';
import { maxInputs, printShape, shapeOf } from '../../src/formula/shape.js';
import { rational } from '../../src/rational.js';

const [E, U, OV, one] = [N.weight('W_E'), N.weight('W_U'), N.weight('W_OV', 0, 1), N.vector('one')];

describe('a node in the place of another role', () => {
  it.each<[string, () => Expr, string]>([
    ['a feature as a kernel', () => N.kron(E, E), 'W_E is a feature tensor or map where a position kernel belongs'],
    [
      'a kernel as a feature',
      () => N.kron(N.id(), N.id()),
      'Id is a position kernel where a feature tensor or map belongs',
    ],
    ['a term as a kernel', () => N.kron(N.kron(N.id(), E), E), 'Id ⊗ W_E is a term where a position kernel belongs'],
    [
      'a term as a feature',
      () => N.fprod([U, N.kron(N.id(), E)]),
      'Id ⊗ W_E is a term where a feature tensor or map belongs',
    ],
    ['a kernel as a term', () => N.sum([N.id(), N.kron(N.id(), E)]), 'Id is a position kernel where a term belongs'],
  ])('%s', (_, e, message) => {
    expect(() => shapeOf(e())).toThrow(message);
  });
});

describe('messages that describe the part that does not fit', () => {
  it.each<[string, () => Expr, string]>([
    [
      'the transpose of a feature tensor',
      () => N.kron(N.id(), N.transpose(E)),
      'W_Eᵀ: W_E is a feature tensor (d×V); only a map such as W_Q or W_U has a transpose',
    ],
    [
      'the transpose of the coordinate',
      () => N.kron(N.id(), N.transpose(one)),
      '1ᵀ: 1 is the homogeneous coordinate; only a map such as W_Q or W_U has a transpose',
    ],
    [
      'a map as the argument of a bilinear block',
      () => N.kron(N.id(), N.bilinearOf(0, false, U, E)),
      'B^{0}(W_U, W_E): the arguments of B^{0} are feature tensors of the residual stream (d×V^k) or 1, ' +
        'and W_U is a map (V×d)',
    ],
    [
      'a score symbol outside a score',
      () => N.kron(N.id(), N.fprod([N.qkSymbol('b_Q', 0, 1), E])),
      'b_Q^{0.1} occurs only in score terms, which identities do not state',
    ],
    [
      'a term with a coefficient as an operator',
      () => N.apply(N.term(rational(2), N.kron(N.id(), OV)), N.kron(N.id(), E)),
      '(2 · Id ⊗ W_OV^{0.1})(Id ⊗ W_E): only a single operator K ⊗ M (no coefficient, no sum) can be applied to a term',
    ],
    [
      'an operator whose kernel is not n×n',
      () => N.apply(N.kron(N.ones(), OV), N.kron(N.id(), E)),
      "the operator's kernel 1 is n×1; an operator's is n×n",
    ],
    [
      'the coordinate term of a pair with an input',
      () => N.pair(0, false, N.kron(N.id(), one), N.kron(N.id(), E)),
      'the coordinate 1 starts no input, so its kernel is n×1, and Id is n×n',
    ],
    [
      'the coordinate at the end of a product',
      () => N.kron(N.ones(), N.fprod([OV, one])),
      'W_OV^{0.1} 1: the homogeneous coordinate 1 is a feature only inside a bilinear block',
    ],
    [
      'the coordinate inside a product',
      () => N.kron(N.id(), N.fprod([one, E])),
      '1 W_E: the homogeneous coordinate 1 is a feature only inside a bilinear block',
    ],
  ])('%s', (_, e, message) => {
    expect(() => shapeOf(e())).toThrow(message);
  });
});

describe('printed shapes', () => {
  it('write an exponent of several digits as one superscript number', () => {
    expect(printShape({ kind: 'kernel', inputs: 12 })).toBe('n×n¹²');
    expect(printShape({ kind: 'tensor', rows: 'd', inputs: ['V', 'V', 'n', 'V'] })).toBe('d×V²·n·V');
  });
});

describe('the largest number of inputs of a term', () => {
  const twoInputs = () => N.kron(N.face(N.id(), N.id()), N.bilinearOf(0, false, E, E));
  const none = () => N.kron(N.ones(), N.vector('b_O', 0));

  it('is the kernel’s for K ⊗ T, and at least 1 for an operator applied to a term', () => {
    expect(maxInputs(twoInputs())).toBe(2);
    expect(maxInputs(none())).toBe(0);
    expect(maxInputs(N.apply(N.kron(N.id(), OV), none()))).toBe(1);
  });

  it('is the larger of a pair’s two sides, and the largest over a sum', () => {
    const single = N.kron(N.id(), E);
    expect(maxInputs(N.pair(0, false, twoInputs(), single))).toBe(2);
    expect(maxInputs(N.pair(0, false, single, twoInputs()))).toBe(2);
    expect(maxInputs(N.sum([single, twoInputs()]))).toBe(2);
  });
});
