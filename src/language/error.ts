// A mistake in a spec: where it is, one sentence saying what is wrong, and a hint when one helps.
import { UserError } from '../errors.js';
import type { Loc } from './ast.js';
import { excerpt } from './excerpt.js';
import { show } from './visible.js';

const MESSAGE_LIMIT = 400;

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

// Every line is escaped (visible.ts) and bounded: a spec's text never reaches the terminal raw.
function render(reason: string, { file, loc, hint, source }: SpecErrorDetails): string {
  const lines = [show(`${file}:${loc.line}:${loc.col}: ${reason}`, MESSAGE_LIMIT)];
  const text = lineOf(source, loc.line);
  if (text.trim() !== '') {
    const { shown, caret } = excerpt(text, loc.col);
    lines.push(`  ${shown}`, `  ${' '.repeat(caret)}^`);
  }
  if (hint) lines.push(show(`hint: ${hint}`, MESSAGE_LIMIT));
  return lines.join('\n');
}

/** Line `line` (from 1) of `source`, without splitting a 10 MB text into an array of lines. */
function lineOf(source: string, line: number): string {
  let start = 0;
  for (let l = 1; l < line; l++) {
    const end = source.indexOf('\n', start);
    if (end < 0) return '';
    start = end + 1;
  }
  const end = source.indexOf('\n', start);
  return source.slice(start, end < 0 ? source.length : end).replace(/\r$/, '');
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
