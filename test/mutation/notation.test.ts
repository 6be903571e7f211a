// The notation of the per-head maps in both styles, written out by hand (issue 15: a mutation run found the LaTeX
// of W_Q and W_K unchecked; score formulas print them).
import { describe, expect, it } from 'vitest';
import * as N from '../../src/formula/nodes.js';
import type { WeightName } from '../../src/formula/nodes.js';
import { parseFormula } from '../../src/formula/parse-formula.js';
import { printExpr } from '../../src/formula/print.js';

describe('a head’s maps', () => {
  it.each<[WeightName, string, string]>([
    ['W_Q', 'W_Q^{1.0}', 'W_Q^{1,0}'],
    ['W_K', 'W_K^{1.0}', 'W_K^{1,0}'],
    ['W_V', 'W_V^{1.0}', 'W_V^{1,0}'],
    ['W_O', 'W_O^{1.0}', 'W_O^{1,0}'],
    ['W_OV', 'W_OV^{1.0}', 'W_{OV}^{1,0}'],
    ['W_QK', 'W_QK^{1.0}', 'W_{QK}^{1,0}'],
  ])('%s of head 1.0 is %s in text and %s in LaTeX, and reads back', (name, text, latex) => {
    const w = N.weight(name, 1, 0);
    expect(printExpr(w)).toBe(text);
    expect(printExpr(w, 'latex')).toBe(latex);
    const e = parseFormula(`Id ⊗ ${text} W_E`);
    expect(e.kind === 'kron' && e.feature.kind === 'fprod' && e.feature.factors[0]).toBe(w);
  });
});
