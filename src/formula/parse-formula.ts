// Formula text → IR node, with the `formula` start symbol of the shared grammar.
import nearley from 'nearley';
import type { Token } from 'moo';
import grammar from '../generated/grammar.js';
import { FormulaError, type Lazy } from './formula-syntax.js';
import type { Expr } from './nodes.js';

const formulaGrammar = nearley.Grammar.fromCompiled({ ...grammar, ParserStart: 'formula' });

export function parseFormula(text: string): Expr {
  const parser = new nearley.Parser(formulaGrammar);
  try {
    parser.feed(text);
  } catch (error) {
    if (error instanceof FormulaError) throw error;
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

export { FormulaError };
