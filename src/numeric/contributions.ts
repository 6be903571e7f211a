// Terms' contributions to a logit, ranked and grouped: by magnitude, by path family, by head. Plain
// numbers over paths, with no tensors, so the CLI formats them without loading tfjs.
import type { Term } from '../paths/term.js';
import { headsOf, pathFamily } from '../paths/family.js';

export interface Attribution {
  readonly term: Term;
  /** The term's contribution to the target logit, coefficient included. */
  readonly contribution: number;
}

/** Terms sorted by |contribution|, largest first. */
export const byMagnitude = (attributions: readonly Attribution[]): Attribution[] =>
  [...attributions].sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution));

export interface GroupContribution {
  readonly group: string;
  readonly terms: number;
  readonly contribution: number;
}

/** Contributions summed per path family (src/paths/family.ts), largest |contribution| first. */
export const byFamily = (attributions: readonly Attribution[]) => grouped(attributions, path => [pathFamily(path)]);

/**
 * Per head, the summed contribution of every term whose path passes through it (terms through several heads
 * count for each).
 */
export const byHead = (attributions: readonly Attribution[]) => grouped(attributions, headsOf);

function grouped(
  attributions: readonly Attribution[],
  groupsOf: (path: Term['path']) => readonly string[],
): GroupContribution[] {
  const groups = new Map<string, { terms: number; contribution: number }>();
  for (const { term, contribution } of attributions) {
    for (const group of groupsOf(term.path)) {
      const g = groups.get(group) ?? { terms: 0, contribution: 0 };
      groups.set(group, { terms: g.terms + 1, contribution: g.contribution + contribution });
    }
  }
  return [...groups]
    .map(([group, g]) => ({ group, ...g }))
    .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution));
}
