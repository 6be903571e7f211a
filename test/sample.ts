// Bounded samples for property tests: a law that holds term by term is checked on a spread of an
// expansion's terms, and a law on a whole sum only on models whose expansion is small, so a run takes
// seconds whatever fast-check draws. The benchmarks (bench/) check the large cases.
import type { Architecture } from '../src/language/architecture.js';
import { countTerms } from '../src/model/count.js';

/** At most `max` items, evenly spread over `items` (all of them when there are few). */
export function everyNth<T>(items: readonly T[], max: number): T[] {
  const stride = Math.max(1, Math.ceil(items.length / max));
  return items.filter((_, i) => i % stride === 0);
}

/** Whether the ordered expansion (the larger one) has at most `limit` terms: a filter for fast-check. */
export const termsAtMost =
  (limit: number, maxDegree?: number) =>
  (arch: Architecture): boolean => {
    const total = countTerms(arch, { symmetrize: false, maxDegree }).total;
    return 'exact' in total && total.exact <= BigInt(limit);
  };
