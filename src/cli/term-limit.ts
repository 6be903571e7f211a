// The guard of every command that holds all of a model's terms at once (eval, verify, latex, expand --factor):
// the closed-form count (model/count.ts) with the command's own filters, before a single term is built, so
// that a deep model is refused in a line instead of filling the heap (docs/architecture.md, "Memory").
import type { ExpandOptions } from '../model/block.js';
import { countTerms, formatTotal, type Total } from '../model/count.js';
import { UserError } from '../errors.js';
import type { Architecture } from '../language/architecture.js';
import { integerFlag } from './args.js';

export const termLimitFlags = { 'max-terms': { type: 'string' } } as const;

export interface TermLimitValues {
  'max-terms'?: string;
}

/**
 * Measured with `eval --tokens` on random weights (docs/architecture.md, "Memory"): 118,827 terms peak at 223 MB
 * RSS and 656,910 at 609 MB, about 0.75 KB a held term, and about 45 µs each. 2,000,000 terms then take some
 * 1.6 GB, within node's default 4 GB heap with room for the weights, and a minute and a half.
 */
export const DEFAULT_MAX_TERMS = 2_000_000;

export interface TermLimit {
  readonly command: string;
  readonly arch: Architecture;
  /** The same options the command expands with: filters lower the count before it is compared. */
  readonly options: ExpandOptions;
  readonly values: TermLimitValues;
  /** The command's own --limit N, when it keeps only the first N terms. */
  readonly limit?: number;
}

/** Throws a one-line UserError when the command would hold more than --max-terms terms. */
export function refuseTooManyTerms({ command, arch, options, values, limit }: TermLimit): void {
  const maxTerms = integerFlag(command, 'max-terms', values['max-terms'], 1) ?? DEFAULT_MAX_TERMS;
  if (limit !== undefined && limit <= maxTerms) return;
  const total = countTerms(arch, options).total;
  if ('exact' in total && total.exact <= BigInt(maxTerms)) return;
  const ways = [
    ...(command === 'eval' || command === 'verify' ? [] : ['--limit N']),
    '--max-degree K',
    '--layers L',
    '--ablate L.H',
  ];
  throw new UserError(
    `${command}: model '${arch.name}' has ${termCount(total)} path terms, more than --max-terms ` +
      `${maxTerms.toLocaleString('en-US')} held at once; explain one logit with 'pathsum trace' (exact at any ` +
      `depth), or keep fewer terms with ${ways.join(', ')}`,
  );
}

function termCount(total: Total): string {
  return 'exact' in total ? total.exact.toLocaleString('en-US') : formatTotal(total);
}
