// A term's formula in normal form, and its docs/design.md §3 JSON object. The entry points that every
// output (expand, eval, latex, docs) goes through.
import type { Term } from './expand.js';
import { forgetPaths, internedPaths, pathToJSON } from '../paths/path.js';
import type { Architecture } from '../language/architecture.js';
import { Rewriter } from '../simplify/rewrite.js';
import type { Path } from '../paths/path.js';
import { lowerStep, readout, readoutStep } from './lower.js';
import * as N from '../formula/nodes.js';
import type { Expr } from '../formula/nodes.js';
import { printExpr, type Style } from '../formula/print.js';

let shared = new Rewriter();

/** The raw formula of a term: docs/design.md §1's steps composed, with its coefficient. */
export function rawFormula(term: Term, arch: Architecture): Expr {
  const body = readout(term.path, arch);
  return term.coefficient.equals(1) ? body : N.term(term.coefficient, body);
}

let residuals = new WeakMap<Architecture, Map<Path, Expr>>();

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

/**
 * Interned paths and formula nodes past which a stream forgets them all. Found on bench/symbolic.bench.ts:
 * a bound this size forgets every few thousand terms and costs no time (a forgotten sub-formula is rebuilt
 * in microseconds), while it caps the interning tables at a few tens of MB (docs/architecture.md, "Memory").
 */
export const INTERNED_BOUND = 1 << 16;

/**
 * Called between two terms of a stream (expand): once the interning tables and the caches keyed by their
 * nodes hold `bound` entries, empties them all, so a stream's memory does not grow with its terms.
 * Only between terms: within one, every node must come from the same tables (equality is `===`).
 */
export function boundInterning(bound = INTERNED_BOUND): void {
  if (internedPaths() + N.internedNodes() < bound) return;
  forgetPaths();
  N.forgetInterned();
  shared = new Rewriter();
  residuals = new WeakMap();
}

export function formatTerm(term: Term, arch: Architecture, style: Style, options: { simplify?: boolean } = {}): string {
  return printExpr(options.simplify === false ? rawFormula(term, arch) : formula(term, arch), style);
}

export interface TermJSON {
  readonly path: unknown;
  readonly coefficient: number;
  /** The exact q·√r when `coefficient`, a double, may not hold it: a non-integer (docs/design.md §3). */
  readonly exactCoefficient?: ExactCoefficientJSON;
  readonly degree: number;
  readonly text: string;
  readonly latex: string;
}

/** q·√r: `rational` is q as "n" or "n/d", `sqrt` is r, a square-free integer ≥ 1. */
export interface ExactCoefficientJSON {
  readonly rational: string;
  readonly sqrt: number;
}

/** The exact form of a coefficient that a double does not hold exactly; undefined for an integer. */
export function exactCoefficientJSON(c: Term['coefficient']): ExactCoefficientJSON | undefined {
  if (c.isRational && c.d === 1n) return undefined;
  return { rational: c.rational.toFraction(), sqrt: Number(c.radicand) };
}

export function termToJSON(term: Term, arch: Architecture, options: { simplify?: boolean } = {}): TermJSON {
  return {
    path: pathToJSON(term.path),
    coefficient: term.coefficient.valueOf(),
    ...spread(exactCoefficientJSON(term.coefficient)),
    degree: term.degree,
    text: formatTerm(term, arch, 'text', options),
    latex: formatTerm(term, arch, 'latex', options),
  };
}

const spread = (exact: ExactCoefficientJSON | undefined) => (exact ? { exactCoefficient: exact } : {});
