// The pieces eval's tables share, for one sequence (./eval.ts) and for many (./eval-batch.ts).
import type { Term } from '../model/expand.js';
import { formatTerm } from '../model/term-formula.js';
import type { Model } from '../numeric/model.js';

export const termText = (term: Term, model: Model, simplify: boolean) =>
  formatTerm(term, model.arch, 'text', { simplify });

export const fixed = (x: number) => x.toFixed(4);
export const count = (n: number) => n.toLocaleString('en-US');
export const percent = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : '—');

/** The maxAbsError line, and under it why the figure bounds nothing when terms were filtered out. */
export function errorLines(maxAbsError: number, over: string, filter: string | undefined): string[] {
  return [
    `maxAbsError ${maxAbsError.toExponential(2)}: max |Σ terms − forward logits| over ${over}`,
    ...(filter ? [`note: ${filter}`] : []),
  ];
}
