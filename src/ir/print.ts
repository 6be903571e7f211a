// Text and LaTeX printers: one walk over the IR reading the notation table (notation.ts).
// The text form is also the input language of the formula parser (parse-formula.ts).
import type { Fraction } from 'mathjs';
import { match } from 'ts-pattern';
import type { Expr } from './nodes.js';
import { bilinearSymbols, operators, precedence, symbolOf } from './notation.js';

export type Style = 'text' | 'latex';

const caches: Record<Style, Map<Expr, string>> = { text: new Map(), latex: new Map() };

export function printExpr(e: Expr, style: Style = 'text'): string {
  return at(e, 0, style);
}

/** Prints `e`, parenthesized when it binds more loosely than its context `context`. */
function at(e: Expr, context: number, style: Style): string {
  const inner = memoized(e, style);
  return bindingOf(e) < context ? paren(inner, style) : inner;
}

function memoized(e: Expr, style: Style): string {
  const cache = caches[style];
  let s = cache.get(e);
  if (s === undefined) {
    s = render(e, style);
    cache.set(e, s);
  }
  return s;
}

function bindingOf(e: Expr): number {
  return match(e.kind)
    .with('sum', () => precedence.sum)
    .with('term', () => precedence.term)
    .with('kron', () => precedence.kron)
    .with('face', () => precedence.face)
    .with('kprod', 'fprod', () => precedence.product)
    .otherwise(() => precedence.atom);
}

const paren = (s: string, style: Style) => (style === 'latex' ? `\\left(${s}\\right)` : `(${s})`);

function render(e: Expr, style: Style): string {
  const op = (o: keyof typeof operators) => operators[o][style];
  return match(e)
    .with({ kind: 'sum' }, s => s.terms.map((t, i) => summand(t, i === 0, style)).join(''))
    .with({ kind: 'term' }, t => `${coefficient(t.coefficient, style)}${op('times')}${at(t.body, precedence.term + 1, style)}`)
    .with({ kind: 'kron' }, k => `${at(k.kernel, precedence.face, style)}${op('kron')}${at(k.feature, precedence.face, style)}`)
    .with({ kind: 'face' }, f => `${at(f.left, precedence.face, style)}${op('face')}${at(f.right, precedence.face + 1, style)}`)
    .with({ kind: 'kprod' }, { kind: 'fprod' }, p => p.factors.map(f => at(f, precedence.product + 1, style)).join(style === 'latex' ? ' \\, ' : ' '))
    .with({ kind: 'apply' }, a => `${paren(printExpr(a.op, style), style)}${a.arg.kind === 'apply' ? render(a.arg, style) : paren(printExpr(a.arg, style), style)}`)
    .with({ kind: 'pair' }, { kind: 'bilinear' }, b => call(b.layer, b.symmetrized, b.left, b.right, style))
    .with({ kind: 'transpose' }, t => (style === 'latex' ? `{${at(t.of, precedence.atom, style)}}${op('transpose')}` : `${at(t.of, precedence.atom, style)}${op('transpose')}`))
    .with({ kind: 'id' }, { kind: 'ones' }, { kind: 'pattern' }, { kind: 'scale' }, { kind: 'weight' }, { kind: 'vector' }, leaf => symbol(leaf, style))
    .exhaustive();
}

function summand(t: Expr, first: boolean, style: Style): string {
  if (t.kind === 'term' && t.coefficient.s < 0n) {
    const positive = t.coefficient.neg();
    const body = positive.equals(1) ? at(t.body, precedence.term + 1, style) : `${coefficient(positive, style)}${operators.times[style]}${at(t.body, precedence.term + 1, style)}`;
    return `${first ? '-' : operators.minus[style]}${body}`;
  }
  return `${first ? '' : operators.plus[style]}${at(t, precedence.sum + 1, style)}`;
}

function coefficient(c: Fraction, style: Style): string {
  const sign = c.s < 0n ? '-' : '';
  const [n, d] = [c.n.toString(), c.d.toString()];
  if (d === '1') return `${sign}${n}`;
  return style === 'latex' ? `${sign}\\tfrac{${n}}{${d}}` : `${sign}${n}/${d}`;
}

function call(layer: number, symmetrized: boolean, left: Expr, right: Expr, style: Style): string {
  const name = (symmetrized ? bilinearSymbols.symmetrized : bilinearSymbols.plain)[style];
  const args = `${printExpr(left, style)}, ${printExpr(right, style)}`;
  return style === 'latex' ? `${name}^{${layer}}\\left(${args}\\right)` : `${name}^{${layer}}(${args})`;
}

function symbol(e: Expr, style: Style): string {
  const found = symbolOf(e);
  if (!found) throw new Error(`no notation for ${JSON.stringify(e)}`);
  const { entry, layer, head } = found;
  const name = style === 'latex' ? entry.latex : entry.text;
  if (entry.indexing === 'none') return name;
  const index = entry.indexing === 'head' ? `${layer}${style === 'latex' ? ',' : '.'}${head}` : `${layer}`;
  return `${name}^{${index}}`;
}
