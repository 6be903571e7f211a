// Laws on sums of path terms (docs/design.md §1): symmetrization of bilinear pairs, collection of like
// terms with exact coefficients, dropping zero terms, and the opt-in factoring for compact output.
import { type Rational, rational } from '../rational.js';
import type { Term } from '../paths/term.js';
import { bilinear, head, type Path } from '../paths/path.js';

export interface SumRule {
  readonly name: string;
  readonly law: string;
  readonly apply: (terms: readonly Term[]) => Term[];
}

export const sumRules: readonly SumRule[] = [
  { name: 'drop-zero', law: '0 · X = 0', apply: terms => terms.filter(t => !t.coefficient.equals(0)) },
  { name: 'collect', law: 'a X + b X = (a + b) X', apply: collect },
  { name: 'symmetrize', law: 'B(p, q) + B(q, p) = 2 B_sym(p, q)', apply: symmetrize },
];

/** Applies every sum rule in order: the simplified form of an ordered expansion. */
export function simplifySum(terms: readonly Term[]): Term[] {
  return sumRules.reduce<Term[]>((ts, r) => r.apply(ts), [...terms]);
}

export function collect(terms: readonly Term[]): Term[] {
  const byPath = new Map<Path, Term>();
  for (const t of terms) {
    const seen = byPath.get(t.path);
    byPath.set(t.path, seen ? { ...seen, coefficient: seen.coefficient.add(t.coefficient) } : t);
  }
  return [...byPath.values()].filter(t => !t.coefficient.equals(0));
}

/** Every bilinear pair made unordered, bottom-up. */
export function mirrorClass(path: Path): Path {
  switch (path.kind) {
    case 'head':
      return head(path.layer, path.head, mirrorClass(path.of));
    case 'bilinear':
      return bilinear(path.layer, mirrorClass(path.left), mirrorClass(path.right), true);
    default:
      return path;
  }
}

/** How many ordered paths one symmetrized path stands for: 2 per off-diagonal pair. */
export function multiplicity(path: Path): bigint {
  switch (path.kind) {
    case 'head':
      return multiplicity(path.of);
    case 'bilinear':
      return (
        multiplicity(path.left) * multiplicity(path.right) * (path.symmetrized && path.left !== path.right ? 2n : 1n)
      );
    default:
      return 1n;
  }
}

/**
 * Replaces each complete mirror class of ordered terms with equal coefficients by one symmetrized
 * term. A class missing a member (a filtered or ablated sum) is left as it is: merging it would
 * change the value, since B(p,q) alone is not B_sym(p,q).
 */
export function symmetrize(terms: readonly Term[]): Term[] {
  const classes = new Map<Path, Term[]>();
  for (const t of terms) {
    const key = mirrorClass(t.path);
    const members = classes.get(key);
    if (members) members.push(t);
    else classes.set(key, [t]);
  }
  const out: Term[] = [];
  for (const [key, members] of classes) {
    const c: Rational = members[0]!.coefficient;
    const complete =
      BigInt(new Set(members.map(m => m.path)).size) === multiplicity(key) &&
      members.length === Number(multiplicity(key));
    if (complete && members.every(m => m.coefficient.equals(c))) {
      out.push({ path: key, coefficient: c.mul(rational(multiplicity(key))), degree: members[0]!.degree });
    } else {
      out.push(...members);
    }
  }
  return out;
}
