// A mistake in a spec: where it is, one sentence saying what is wrong, and a hint when one helps.
import { UserError } from '../errors.js';
import type { Loc } from './ast.js';

export interface SpecErrorDetails {
  readonly file: string;
  readonly loc: Loc;
  readonly hint?: string;
  /** The text of the spec, to quote the offending line. */
  readonly source: string;
}

export class SpecError extends UserError {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly reason: string;
  readonly hint: string | undefined;

  constructor(reason: string, details: SpecErrorDetails) {
    super(render(reason, details));
    this.file = details.file;
    this.line = details.loc.line;
    this.col = details.loc.col;
    this.reason = reason;
    this.hint = details.hint;
  }
}

function render(reason: string, { file, loc, hint, source }: SpecErrorDetails): string {
  const text = source.split('\n')[loc.line - 1] ?? '';
  const lines = [`${file}:${loc.line}:${loc.col}: ${reason}`];
  if (text.trim() !== '') lines.push(`  ${text.replace(/\t/g, ' ')}`, `  ${' '.repeat(Math.max(0, loc.col - 1))}^`);
  if (hint) lines.push(`hint: ${hint}`);
  return lines.join('\n');
}

/** The closest candidate by edit distance, when it is close enough to be a likely typo. */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return bestDistance <= Math.max(1, Math.floor(word.length / 3)) + 1 && bestDistance < word.length ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
