// A text file a flag names (--direction, --inputs) is read whole, so it must be a regular file of a
// readable size: a FIFO would block the read forever, /dev/zero would fill the memory. Checked with stat,
// which never blocks, before the reader opens it (src/language/spec-file.ts does the same for specs).
import { type Stats, statSync } from 'node:fs';
import { UserError } from '../errors.js';
import { fileKind } from '../files.js';
import { visible } from '../language/visible.js';

/** 64 MiB: millions of token sequences, and still small enough to read and split at once. */
export const TEXT_FILE_LIMIT = 64 << 20;

/** `path` itself once it is known to be a regular file within the limit; `what` names it (`the inputs`). */
export function regularFile(path: string, what: string): string {
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch {
    return path; // missing or unreadable: the reader says so in its own words
  }
  const refuse = (reason: string) => new UserError(`${visible(path)}: cannot read ${what} (${reason})`);
  if (!stats.isFile()) throw refuse(`${fileKind(stats)}, not a file`);
  if (stats.size > TEXT_FILE_LIMIT) throw refuse(`it is larger than ${TEXT_FILE_LIMIT >> 20} MiB`);
  return path;
}
