// A rewrite rule: a name, the law it applies, and a function that rewrites a matching node
// (or returns undefined when the node does not match).
import type { Expr } from '../ir/nodes.js';

export interface Rule {
  readonly name: string;
  readonly law: string;
  readonly rewrite: (e: Expr) => Expr | undefined;
}

export const rule = (name: string, law: string, rewrite: (e: Expr) => Expr | undefined): Rule => ({ name, law, rewrite });
