// Text and LaTeX printers: one walk over the IR reading the notation table (notation.ts).
// The text form is also the input language of the formula parser (parse-formula.ts).
import type { Rational } from '../rational.js';
import { type Expr, nodeCache } from './nodes.js';
import { bilinearSymbols, operators, precedence, scoreScale, symbolOf } from './notation.js';

export type Style = 'text' | 'latex';

const caches: Record<Style, Map<Expr, string>> = { text: nodeCache(), latex: nodeCache() };

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
  // Stryker disable next-line ConditionalExpression: a cache, a formula prints alike again
  if (s === undefined) {
    s = render(e, style);
    cache.set(e, s);
  }
  return s;
}

function bindingOf(e: Expr): number {
  // Stryker disable ConditionalExpression: a sum is never a summand, nor a term the body of a term (both are
  // flattened), so a sum bound like a term, or a term like K ⊗ T, is parenthesized in the same places
  switch (e.kind) {
    case 'sum':
      return precedence.sum;
    case 'term':
      return precedence.term;
    // Stryker restore ConditionalExpression
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

const paren = (s: string, style: Style) => (style === 'latex' ? sized(s) : `(${s})`);

/**
 * LaTeX parentheses one size above the largest inside them (plain, then \bigl, \Bigl, \biggl): nesting reads
 * at a glance, and unlike \left…\right they add no space after a function name and let a line break inside.
 */
function sized(inner: string): string {
  const size = delimiterSizes[Math.min(nesting(inner) + 1, delimiterSizes.length - 1)]!;
  return size === '' ? `(${inner})` : `${size}l(${inner}${size}r)`;
}

const delimiterSizes = ['', '\\big', '\\Big', '\\bigg'] as const;

/** The size index of the largest parenthesis in `latex`, -1 when it has none. */
function nesting(latex: string): number {
  const plain = latex.includes('(') ? 0 : -1;
  return delimiterSizes.reduce((largest, size, i) => (latex.includes(`${size}l(`) ? i : largest), plain);
}

// A switch rather than ts-pattern: printing 100,000 terms visits this for every new node.
function render(e: Expr, style: Style): string {
  const op = (o: keyof typeof operators) => operators[o][style];
  switch (e.kind) {
    case 'sum':
      return e.terms.map((t, i) => summand(t, i === 0, style)).join('');
    case 'term':
      return `${printCoefficient(e.coefficient, style)}${op('times')}${at(e.body, precedence.term + 1, style)}`;
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
    case 'score':
      return scoreScale[style](e.head.size) + op('times') + rawScore(e, style);
    case 'qkron': {
      const kernels = [e.query, e.key, e.feature].map(k => at(k, precedence.face, style));
      return scoreScale[style](e.head.size) + op('times') + kernels.join(op('kron'));
    }
    case 'id':
    case 'ones':
    case 'pattern':
    case 'scale':
    case 'weight':
    case 'vector':
    case 'qkSymbol':
      return symbol(e, style);
  }
}

/** `(q)ᵀ M (k)`: the two side terms of a score, unsplit, around the map between them. */
function rawScore(e: Extract<Expr, { kind: 'score' }>, style: Style): string {
  const side = (x: Expr) => paren(printExpr(x, style), style);
  const transposed = style === 'latex' ? `{${side(e.query)}}^{\\top}` : `${side(e.query)}ᵀ`;
  const middle = e.middle ? `${at(e.middle, precedence.product, style)}${style === 'latex' ? ' \\, ' : ' '}` : '';
  return `${transposed}${style === 'latex' ? ' \\, ' : ' '}${middle}${side(e.key)}`;
}

function summand(t: Expr, first: boolean, style: Style): string {
  // Stryker disable next-line EqualityOperator: the sign of 0 is 1n, so s < 0n and s <= 0n agree
  if (t.kind === 'term' && t.coefficient.s < 0n) {
    const positive = t.coefficient.neg();
    const body = positive.equals(1)
      ? at(t.body, precedence.term + 1, style)
      : `${printCoefficient(positive, style)}${operators.times[style]}${at(t.body, precedence.term + 1, style)}`;
    return `${first ? '-' : operators.minus[style]}${body}`;
  }
  return `${first ? '' : operators.plus[style]}${at(t, precedence.sum + 1, style)}`;
}

/**
 * `3/2`, `√3/4`, `2√3`, and `1/√8` rather than `√2/4` when the radicand divides the denominator, as the
 * scale 1/√(2 n_layer) is written; LaTeX `\tfrac{1}{\sqrt{8}}`.
 */
export function printCoefficient(c: Rational, style: Style = 'text'): string {
  const sign = c.s < 0n ? '-' : '';
  const [n, d, r] = [c.n, c.d, c.radicand];
  const root = (x: bigint) => (style === 'latex' ? `\\sqrt{${x}}` : `√${x}`);
  const fraction = (top: string, bottom: string) =>
    bottom === '1' ? top : style === 'latex' ? `\\tfrac{${top}}{${bottom}}` : `${top}/${bottom}`;
  if (r === 1n) return `${sign}${fraction(`${n}`, `${d}`)}`;
  if (d % r === 0n) return `${sign}${fraction(`${n}`, root((d * d) / r))}`;
  return `${sign}${fraction(`${n === 1n ? '' : n}${root(r)}`, `${d}`)}`;
}

function call(layer: number, symmetrized: boolean, left: Expr, right: Expr, style: Style): string {
  const name = (symmetrized ? bilinearSymbols.symmetrized : bilinearSymbols.plain)[style];
  const args = `${printExpr(left, style)}, ${printExpr(right, style)}`;
  return `${name}^{${layer}}${paren(args, style)}`;
}

function symbol(e: Expr, style: Style): string {
  const found = symbolOf(e);
  // Stryker disable next-line StringLiteral: an internal error, every leaf the parser or an expansion builds has one
  if (!found) throw new Error(`no notation for ${JSON.stringify(e)}`);
  const { entry, layer, head } = found;
  const name = style === 'latex' ? entry.latex : entry.text;
  if (entry.indexing === 'none') return name;
  const index = entry.indexing === 'head' ? `${layer}${style === 'latex' ? ',' : '.'}${head}` : `${layer}`;
  return `${name}^{${index}}`;
}
