// Formula text → IR node, with the `formula` start symbol of the shared grammar.
import nearley from 'nearley';
import type { Token } from 'moo';
import grammar from '../generated/formula-grammar.js';
import { FormulaError, type Lazy } from './formula-syntax.js';
import type { Expr } from './nodes.js';

const formulaGrammar = nearley.Grammar.fromCompiled(grammar);

/**
 * Deeper nesting than any printed formula has. Every walk over the IR (the actions, the checkers, the
 * printer, the evaluator) recurses once per level, so 10,000 parentheses would overflow the stack.
 * A level is a parenthesis, a face product `•` (left-nested) or one more operator applied in a chain
 * `(X)(Y)(Z)` (right-nested).
 */
export const MAX_NESTING = 200;

export function parseFormula(text: string): Expr {
  checkNesting(text);
  const parser = new nearley.Parser(formulaGrammar);
  try {
    parser.feed(text);
  } catch (error) {
    // nearley's own errors carry the token it could not take; anything else (a FormulaError) goes on as it is
    const token = (error as { token?: Token }).token;
    if (!token) throw error;
    throw new FormulaError(
      token.type === 'error'
        ? `unexpected character '${[...token.value][0]}'`
        : `unexpected '${token.value === '\n' ? 'end of line' : token.value}'`,
      token.col,
    );
  }
  const results = parser.results as Lazy[];
  if (results.length === 0) throw new FormulaError('the formula ends too early', text.length + 1);
  return results[0]!();
}

/** A summand, a bilinear argument or a kernel ends here, and its • or chain with it. */
const ENDS_A_CHAIN = ['+', '-', ',', '⊗'];

/** Columns count as the lexer's do: from 1, in UTF-16 units, anew after each line break. */
function checkNesting(text: string): void {
  const links = [0]; // per open parenthesis: the • and chain links met so far at that level
  let depth = 0;
  let col = 0;
  // Stryker disable next-line StringLiteral: any start value but ')' serves
  let previous = '';
  for (const c of text) {
    col = c === '\n' ? 0 : col + c.length;
    if (ENDS_A_CHAIN.includes(c)) {
      depth -= links[links.length - 1]!;
      links[links.length - 1] = 0;
    }
    if (c === '•' || (c === '(' && previous === ')')) {
      links[links.length - 1]!++;
      depth++;
    }
    if (c === '(') {
      links.push(0);
      depth++;
    } else if (c === ')' && links.length > 1) depth -= 1 + links.pop()!;
    if (depth > MAX_NESTING)
      throw new FormulaError(
        `the formula nests more than ${MAX_NESTING} deep (parentheses, • and chained operators (…)(…) each nest)`,
        col,
      );
    if (c.trim() !== '') previous = c;
  }
}

export { FormulaError };
