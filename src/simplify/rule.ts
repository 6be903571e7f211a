// A rewrite rule: a name, the law it applies, the node kinds it can match (so the driver tries
// only the rules that may apply), and a function that rewrites a match or returns undefined.
import type { Expr, Kind } from '../formula/nodes.js';

export interface Rule {
  readonly name: string;
  readonly law: string;
  readonly on: readonly Kind[];
  readonly rewrite: (e: Expr) => Expr | undefined;
}

export const rule = (name: string, law: string, on: Kind[], rewrite: (e: Expr) => Expr | undefined): Rule => ({
  name,
  law,
  on,
  rewrite,
});
