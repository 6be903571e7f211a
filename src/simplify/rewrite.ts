// The driver: rewrites bottom-up to a fixpoint with a rule table, optionally recording a trace
// of (rule, before, after) — what `--explain` prints and what the soundness tests replay.
// Results are memoized per (interned) node, so shared sub-formulas are simplified once.
import * as N from '../formula/nodes.js';
import type { Expr, Kind } from '../formula/nodes.js';
import type { Rule } from './rule.js';
import { rules as defaultRules } from './rules.js';

export interface Step {
  readonly rule: string;
  readonly before: Expr;
  readonly after: Expr;
}

export class Rewriter {
  private readonly done = new Map<Expr, Expr>();
  private readonly byKind = new Map<Kind, Rule[]>();

  constructor(
    rules: readonly Rule[] = defaultRules,
    private readonly trace?: Step[],
  ) {
    for (const r of rules) for (const kind of r.on) this.byKind.set(kind, [...(this.byKind.get(kind) ?? []), r]);
  }

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
    for (const r of this.byKind.get(e.kind) ?? []) {
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
  switch (e.kind) {
    case 'id':
    case 'ones':
    case 'pattern':
    case 'scale':
    case 'weight':
    case 'vector':
    case 'qkSymbol':
      return e;
    case 'kprod':
      return N.kprod(e.factors.map(f));
    case 'fprod':
      return N.fprod(e.factors.map(f));
    case 'face':
      return N.face(f(e.left), f(e.right));
    case 'transpose':
      return N.transpose(f(e.of));
    case 'bilinear':
      return N.bilinearOf(e.layer, e.symmetrized, f(e.left), f(e.right));
    case 'kron':
      return N.kron(f(e.kernel), f(e.feature));
    case 'apply':
      return N.apply(f(e.op), f(e.arg));
    case 'pair':
      return N.pair(e.layer, e.symmetrized, f(e.left), f(e.right));
    case 'term':
      return N.term(e.coefficient, f(e.body));
    case 'sum':
      return N.sum(e.terms.map(f));
    case 'score':
      return N.score(e.head, f(e.query), e.middle && f(e.middle), f(e.key));
    case 'qkron':
      return N.qkron(e.head, f(e.query), f(e.key), f(e.feature));
  }
}

/** Simplifies once with a fresh trace. */
export function simplifyWithTrace(e: Expr, rules: readonly Rule[] = defaultRules): { result: Expr; trace: Step[] } {
  const trace: Step[] = [];
  return { result: new Rewriter(rules, trace).simplify(e), trace };
}
