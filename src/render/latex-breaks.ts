// Where a formula may break across lines in a document, and what each break costs TeX. In the printer's
// LaTeX (formula/print.ts) TeX breaks only after ⊗, • and +, never within a product or between the
// arguments of B, so a long term runs off the page. Here each operator of the notation table
// (docs/design.md §4), each comma between arguments and each factor of a product gets an explicit
// \penalty, and TeX's line breaker chooses among them (inline math in a ragged-right paragraph, so every
// line fits). The formula itself is unchanged.
import { operators } from '../formula/notation.js';

/**
 * How much a break costs after each token, before nesting: a sum splits first, then ⊗ (and the
 * boundary between an operator and its argument), the arguments of B, face-splitting, products.
 */
const afterToken = new Map<string, number>([
  [operators.plus.latex, 0],
  [operators.minus.latex, 0],
  [operators.kron.latex, 5],
  [', ', 10],
  [operators.face.latex, 15],
  [' \\, ', 20],
]);
const BETWEEN_APPLICATIONS = 5;
/** Each enclosing pair of parentheses adds this much, so shallow breaks are taken before deep ones. */
const PER_DEPTH = 20;

/** A sized delimiter, a binary operator with its spaces, a product's thin space, a command, or one character. */
const TOKEN = new RegExp(
  [
    '\\\\(?:big|Big|bigg|Bigg)[lr][()]',
    ...[...afterToken.keys()].map(escapeRegExp),
    '\\\\[A-Za-z]+',
    '\\\\.',
    '.',
  ].join('|'),
  'gs',
);

/** `latex` with a \penalty at every place a line may break, outside braces (sub- and superscripts). */
export function withBreaks(latex: string): string {
  let braces = 0;
  let depth = 0;
  let closed = false;
  let out = '';
  for (const [token] of latex.matchAll(TOKEN)) {
    const opens = token.endsWith('(');
    if (opens && closed && braces === 0) out += penalty(BETWEEN_APPLICATIONS, depth);
    out += token;
    if (token === '{') braces++;
    else if (token === '}') braces--;
    else if (opens) depth++;
    else if (token.endsWith(')')) depth--;
    closed = token.endsWith(')');
    const cost = afterToken.get(token);
    if (cost !== undefined && braces === 0) out += penalty(cost, depth);
  }
  return out;
}

const penalty = (cost: number, depth: number) => `\\penalty${cost + PER_DEPTH * depth} `;

function escapeRegExp(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}
