// Text and LaTeX printers: one walk over the IR reading the notation table (notation.ts).
// The text form is also the input language of the formula parser (parse-formula.ts).
import type { Rational } from '../rational.js';
import type { Expr } from './nodes.js';
import { bilinearSymbols, operators, precedence, symbolOf } from './notation.js';

export type Style = 'text' | 'latex';

const caches: Record<Style, Map<Expr, string>> = { text: new Map(), latex: new Map() };

/** The root is not cached: a printed term is rarely printed again, its shared sub-formulas are. */
export function printExpr(e: Expr, style: Style = 'text'): string {
  return render(e, style);
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
  switch (e.kind) {
    case 'sum':
      return precedence.sum;
    case 'term':
      return precedence.term;
    case 'kron':
      return precedence.kron;
    case 'face':
      return precedence.face;
    case 'kprod':
    case 'fprod':
      return precedence.product;
    default:
      return precedence.atom;
  }
}

const paren = (s: string, style: Style) => (style === 'latex' ? `\\left(${s}\\right)` : `(${s})`);

// A switch rather than ts-pattern: printing 100,000 terms visits this for every new node.
function render(e: Expr, style: Style): string {
  const op = (o: keyof typeof operators) => operators[o][style];
  switch (e.kind) {
    case 'sum':
      return e.terms.map((t, i) => summand(t, i === 0, style)).join('');
    case 'term':
      return `${coefficient(e.coefficient, style)}${op('times')}${at(e.body, precedence.term + 1, style)}`;
    case 'kron':
      return `${at(e.kernel, precedence.face, style)}${op('kron')}${at(e.feature, precedence.face, style)}`;
    case 'face':
      return `${at(e.left, precedence.face, style)}${op('face')}${at(e.right, precedence.face + 1, style)}`;
    case 'kprod':
    case 'fprod':
      return e.factors.map(f => at(f, precedence.product + 1, style)).join(style === 'latex' ? ' \\, ' : ' ');
    case 'apply': {
      const map = paren(printExpr(e.op, style), style);
      return `${map}${e.arg.kind === 'apply' ? render(e.arg, style) : paren(printExpr(e.arg, style), style)}`;
    }
    case 'pair':
    case 'bilinear':
      return call(e.layer, e.symmetrized, e.left, e.right, style);
    case 'transpose':
      return style === 'latex'
        ? `{${at(e.of, precedence.atom, style)}}${op('transpose')}`
        : `${at(e.of, precedence.atom, style)}${op('transpose')}`;
    case 'id':
    case 'ones':
    case 'pattern':
    case 'scale':
    case 'weight':
    case 'vector':
      return symbol(e, style);
  }
}

function summand(t: Expr, first: boolean, style: Style): string {
  if (t.kind === 'term' && t.coefficient.s < 0n) {
    const positive = t.coefficient.neg();
    const body = positive.equals(1)
      ? at(t.body, precedence.term + 1, style)
      : `${coefficient(positive, style)}${operators.times[style]}${at(t.body, precedence.term + 1, style)}`;
    return `${first ? '-' : operators.minus[style]}${body}`;
  }
  return `${first ? '' : operators.plus[style]}${at(t, precedence.sum + 1, style)}`;
}

function coefficient(c: Rational, style: Style): string {
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
