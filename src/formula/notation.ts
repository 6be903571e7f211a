// The notation table (docs/design.md §4): every symbol's text and LaTeX form and every operator's
// spelling and precedence. The printers and the formula parser both read this one table, so the
// text and LaTeX forms can never disagree about what a node is, and the parser reads back what
// the text printer writes.
import * as N from './nodes.js';
import type { Expr, NormSite } from './nodes.js';

/** How a symbol is indexed: `^{l.h}` (a head), `^{l}` (a layer) or not at all. */
export type Indexing = 'head' | 'layer' | 'none';

export interface SymbolEntry {
  /** The word in text form, e.g. `W_OV`, `D_ln1`. */
  readonly text: string;
  readonly latex: string;
  readonly indexing: Indexing;
  readonly side: 'kernel' | 'feature';
  readonly make: (layer: number, head: number) => Expr;
}

const sym = (
  text: string,
  latex: string,
  indexing: Indexing,
  side: 'kernel' | 'feature',
  make: (l: number, h: number) => Expr,
): SymbolEntry => ({
  text,
  latex,
  indexing,
  side,
  make,
});

const perHead = (name: 'W_Q' | 'W_K' | 'W_V' | 'W_O' | 'W_OV' | 'W_QK', latex: string) =>
  sym(name, latex, 'head', 'feature', (l, h) => N.weight(name, l, h));

const normSites: readonly NormSite[] = ['ln1', 'ln2'];

export const symbols: readonly SymbolEntry[] = [
  sym('Id', '\\mathrm{Id}', 'none', 'kernel', () => N.id()),
  sym('1', '\\mathbf{1}', 'none', 'kernel', () => N.ones()),
  sym('A', 'A', 'head', 'kernel', (l, h) => N.pattern(l, h)),
  ...normSites.map(s => sym(`D_${s}`, `D_{\\mathrm{${s}}}`, 'layer', 'kernel', l => N.scale(s, l))),
  sym('D_final', 'D_{\\mathrm{final}}', 'none', 'kernel', () => N.scale('final', null)),
  sym('W_E', 'W_E', 'none', 'feature', () => N.weight('W_E')),
  sym('W_pos', 'W_{\\mathrm{pos}}', 'none', 'feature', () => N.weight('W_pos')),
  sym('W_U', 'W_U', 'none', 'feature', () => N.weight('W_U')),
  perHead('W_Q', 'W_Q'),
  perHead('W_K', 'W_K'),
  perHead('W_V', 'W_V'),
  perHead('W_O', 'W_O'),
  perHead('W_OV', 'W_{OV}'),
  perHead('W_QK', 'W_{QK}'),
  ...normSites.map(s => sym(`G_${s}`, `G_{\\mathrm{${s}}}`, 'layer', 'feature', l => N.weight('G', l, null, s))),
  sym('G_final', 'G_{\\mathrm{final}}', 'none', 'feature', () => N.weight('G', null, null, 'final')),
  sym('C', 'C', 'none', 'feature', () => N.weight('C')),
  sym('I', '\\mathrm{I}', 'none', 'feature', () => N.weight('I')),
  sym('b_O', 'b_O', 'layer', 'feature', l => N.vector('b_O', l)),
  sym('b_out', 'b_{\\mathrm{out}}', 'layer', 'feature', l => N.vector('b_out', l)),
  ...normSites.map(s => sym(`b_${s}`, `b_{\\mathrm{${s}}}`, 'layer', 'feature', l => N.vector('b_ln', l, s))),
  sym('b_final', 'b_{\\mathrm{final}}', 'none', 'feature', () => N.vector('b_ln', null, 'final')),
  sym('b_U', 'b_U', 'none', 'feature', () => N.vector('b_U')),
  sym('1', '1', 'none', 'feature', () => N.vector('one')),
  sym('b_Q', 'b_Q', 'head', 'feature', (l, h) => N.qkSymbol('b_Q', l, h)),
  sym('b_K', 'b_K', 'head', 'feature', (l, h) => N.qkSymbol('b_K', l, h)),
  sym('R', 'R_{j-i}', 'head', 'feature', (l, h) => N.qkSymbol('R', l, h)),
];

/** The 1/√d_head of a score term, written before its kernels. */
export const scoreScale = {
  text: (size: number) => `1/√${size}`,
  latex: (size: number) => `\\tfrac{1}{\\sqrt{${size}}}`,
} as const;

/** Bilinear maps B^l and their symmetric part B^l_sym, applied to two arguments. */
export const bilinearSymbols = {
  plain: { text: 'B', latex: 'B' },
  symmetrized: { text: 'B_sym', latex: 'B_{\\mathrm{sym}}' },
} as const;

export const operators = {
  kron: { text: ' ⊗ ', latex: ' \\otimes ' },
  face: { text: ' • ', latex: ' \\bullet ' },
  times: { text: ' · ', latex: ' \\cdot ' },
  plus: { text: ' + ', latex: ' + ' },
  minus: { text: ' - ', latex: ' - ' },
  transpose: { text: 'ᵀ', latex: '^{\\top}' },
} as const;

/** Binding strength: a child binding more loosely than its context is parenthesized. */
export const precedence = { sum: 1, term: 2, kron: 3, face: 4, product: 5, atom: 9 } as const;

const byNode = new Map<Expr, { entry: SymbolEntry; layer: number; head: number }>();

/** The table entry that prints a leaf node, with its indices. */
export function symbolOf(e: Expr): { entry: SymbolEntry; layer: number; head: number } | undefined {
  const cached = byNode.get(e);
  // Stryker disable next-line ConditionalExpression: the cache is speed only, the search finds the same entry
  if (cached) return cached;
  const layer = 'layer' in e && typeof e.layer === 'number' ? e.layer : 0;
  const head = 'head' in e && typeof e.head === 'number' ? e.head : 0;
  const entry = symbols.find(s => s.make(layer, head) === e);
  if (!entry) return undefined;
  const found = { entry, layer, head };
  byNode.set(e, found);
  return found;
}

export function symbolsNamed(word: string, side: 'kernel' | 'feature'): SymbolEntry | undefined {
  return symbols.find(s => s.text === word && s.side === side);
}
