// The driver: rewrites bottom-up to a fixpoint with a rule table, optionally recording a trace
// of (rule, before, after) — what `--explain` prints and what the soundness tests replay.
// Results are memoized per (interned) node, so shared sub-formulas are simplified once.
import { match } from 'ts-pattern';
import * as N from '../ir/nodes.js';
import type { Expr } from '../ir/nodes.js';
import type { Rule } from './rule.js';
import { rules as defaultRules } from './rules.js';

export interface Step {
  readonly rule: string;
  readonly before: Expr;
  readonly after: Expr;
}

export class Rewriter {
  private readonly done = new Map<Expr, Expr>();

  constructor(
    private readonly rules: readonly Rule[] = defaultRules,
    private readonly trace?: Step[],
  ) {}

  simplify(e: Expr): Expr {
    const cached = this.done.get(e);
    if (cached) return cached;
    let current = mapChildren(e, c => this.simplify(c));
    for (let fired = this.fire(current); fired; fired = this.fire(current)) {
      current = mapChildren(fired, c => this.simplify(c));
    }
    this.done.set(e, current);
    this.done.set(current, current);
    return current;
  }

  private fire(e: Expr): Expr | undefined {
    for (const r of this.rules) {
      const after = r.rewrite(e);
      if (after !== undefined && after !== e) {
        this.trace?.push({ rule: r.name, before: e, after });
        return after;
      }
    }
    return undefined;
  }
}

/** Rebuilds a node from its rewritten children (the same node when nothing changed). */
export function mapChildren(e: Expr, f: (child: Expr) => Expr): Expr {
  return match(e)
    .with({ kind: 'id' }, { kind: 'ones' }, { kind: 'pattern' }, { kind: 'scale' }, { kind: 'weight' }, { kind: 'vector' }, leaf => leaf)
    .with({ kind: 'kprod' }, k => N.kprod(k.factors.map(f)))
    .with({ kind: 'fprod' }, p => N.fprod(p.factors.map(f)))
    .with({ kind: 'face' }, x => N.face(f(x.left), f(x.right)))
    .with({ kind: 'transpose' }, t => N.transpose(f(t.of)))
    .with({ kind: 'bilinear' }, b => N.bilinearOf(b.layer, b.symmetrized, f(b.left), f(b.right)))
    .with({ kind: 'kron' }, k => N.kron(f(k.kernel), f(k.feature)))
    .with({ kind: 'apply' }, a => N.apply(f(a.op), f(a.arg)))
    .with({ kind: 'pair' }, p => N.pair(p.layer, p.symmetrized, f(p.left), f(p.right)))
    .with({ kind: 'term' }, t => N.term(t.coefficient, f(t.body)))
    .with({ kind: 'sum' }, s => N.sum(s.terms.map(f)))
    .exhaustive();
}

/** Simplifies once with a fresh trace. */
export function simplifyWithTrace(e: Expr, rules: readonly Rule[] = defaultRules): { result: Expr; trace: Step[] } {
  const trace: Step[] = [];
  return { result: new Rewriter(rules, trace).simplify(e), trace };
}
