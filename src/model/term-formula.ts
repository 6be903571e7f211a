// A term's formula in normal form, and its docs/design.md §3 JSON object. The entry points that every
// output (expand, eval, latex, docs) goes through.
import type { Term } from './expand.js';
import { pathToJSON } from '../paths/path.js';
import type { Architecture } from '../language/architecture.js';
import { Rewriter } from '../simplify/rewrite.js';
import type { Path } from '../paths/path.js';
import { lowerStep, readout, readoutStep } from './lower.js';
import * as N from '../formula/nodes.js';
import type { Expr } from '../formula/nodes.js';
import { printExpr, type Style } from '../formula/print.js';

const shared = new Rewriter();

/** The raw formula of a term: docs/design.md §1's steps composed, with its coefficient. */
export function rawFormula(term: Term, arch: Architecture): Expr {
  const body = readout(term.path, arch);
  return term.coefficient.equals(1) ? body : N.term(term.coefficient, body);
}

const residuals = new WeakMap<Architecture, Map<Path, Expr>>();

/** A path's simplified contribution to the residual stream, built on its sub-paths' (memoized). */
function residual(path: Path, arch: Architecture): Expr {
  let memo = residuals.get(arch);
  if (!memo) residuals.set(arch, (memo = new Map()));
  let e = memo.get(path);
  if (!e) {
    e = shared.simplify(lowerStep(path, arch, p => residual(p, arch)));
    memo.set(path, e);
  }
  return e;
}

/**
 * The simplified formula of a term: `c · K ⊗ T`. Built step by step over simplified sub-paths;
 * the same node as simplifying the whole raw formula (test/simplify/soundness.test.ts).
 */
export function formula(term: Term, arch: Architecture): Expr {
  const body = shared.simplify(readoutStep(term.path, arch, p => residual(p, arch)));
  return term.coefficient.equals(1) ? body : N.term(term.coefficient, body);
}

export function formatTerm(term: Term, arch: Architecture, style: Style, options: { simplify?: boolean } = {}): string {
  return printExpr(options.simplify === false ? rawFormula(term, arch) : formula(term, arch), style);
}

export interface TermJSON {
  readonly path: unknown;
  readonly coefficient: number;
  readonly degree: number;
  readonly text: string;
  readonly latex: string;
}

export function termToJSON(term: Term, arch: Architecture, options: { simplify?: boolean } = {}): TermJSON {
  return {
    path: pathToJSON(term.path),
    coefficient: term.coefficient.valueOf(),
    degree: term.degree,
    text: formatTerm(term, arch, 'text', options),
    latex: formatTerm(term, arch, 'latex', options),
  };
}
