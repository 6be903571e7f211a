// Parentheses the printer must write even in a formula that does not type (issue 15): error messages print it.
import { describe, expect, it } from 'vitest';
import * as N from '../../src/formula/nodes.js';
import { printExpr } from '../../src/formula/print.js';

describe('a term K ⊗ T where a kernel belongs', () => {
  it('is parenthesized (the grammar refuses it; a formula built by hand can hold it)', () => {
    const E = N.weight('W_E');
    const nested = N.kron(N.kron(N.id(), E), E);
    expect(printExpr(nested)).toBe('(Id ⊗ W_E) ⊗ W_E');
  });
});
