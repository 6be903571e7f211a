// Writes a regular file whole or not at all: a temporary file in the same directory, renamed into
// place. Anything else already at the path (a directory, a device such as /dev/stdout, a FIFO, a
// symbolic link) is refused rather than replaced: as root, renaming over /dev/null would break the system.
import { existsSync, lstatSync, renameSync, rmSync, type Stats, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from '../errors.js';
import { describeErrno } from '../files.js';

export function writeAtomically(path: string, text: string): void {
  refuseNonRegular(path);
  const directory = dirname(path);
  // A short name, so that a target name near the length limit does not fail on its temporary
  const temporary = join(directory, `.pathsum-${process.pid}-${Math.random().toString(36).slice(2, 8)}.tmp`);
  try {
    writeFileSync(temporary, text, { flag: 'wx' });
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw writeError(path, error);
  }
}

/**
 * Refuses, before `command` does its work, an output file it could not write: a name without its
 * `suffix`, or a path writeAtomically would refuse (anything but a regular file there, a missing directory).
 */
export function refuseOutput(command: string, path: string, suffix: string): void {
  if (!path.endsWith(suffix)) throw new UserError(`${command}: the output file must end in ${suffix}, found '${path}'`);
  refuseNonRegular(path);
  const directory = dirname(path);
  if (!existsSync(directory)) throw new UserError(`cannot write ${path}: the directory ${directory} does not exist`);
}

function refuseNonRegular(path: string): void {
  let stats: Stats;
  try {
    stats = lstatSync(path);
  } catch (error) {
    // a new file, or a missing directory (reported by the write)
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw writeError(path, error);
  }
  if (!stats.isFile())
    throw new UserError(
      `cannot write ${path}: it is ${kind(stats)}, and pathsum only writes or replaces regular files`,
    );
}

function kind(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isSymbolicLink()) return 'a symbolic link';
  if (stats.isFIFO()) return 'a named pipe';
  if (stats.isSocket()) return 'a socket';
  return 'a device';
}

function writeError(path: string, error: unknown): UserError {
  const missing = (error as NodeJS.ErrnoException).code === 'ENOENT' && !existsSync(dirname(path));
  return new UserError(
    `cannot write ${path}: ${missing ? `the directory ${dirname(path)} does not exist` : describeErrno(error)}`,
  );
}
