// Reading a spec file: only a regular file of at most SPEC_FILE_LIMIT bytes. The file is opened
// non-blocking and checked with fstat before any read, so a FIFO, a terminal or /dev/zero is
// refused at once instead of hanging or filling the memory.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { UserError } from '../errors.js';
import { describeErrno, fileKind } from '../files.js';
import { visible } from './visible.js';

/** 1 MiB: a thousand times the largest real spec, and small enough to read, lex and parse at once. */
export const SPEC_FILE_LIMIT = 1 << 20;

export function readSpecFile(path: string): string {
  const name = visible(path);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    throw new UserError(`${name}: cannot read the spec (${describeErrno(error)})`);
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new UserError(`${name}: cannot read the spec (${fileKind(stats)}, not a file)`);
    if (stats.size > SPEC_FILE_LIMIT) throw tooLarge(name);
    return new TextDecoder().decode(readAtMost(fd, SPEC_FILE_LIMIT + 1, name));
  } finally {
    closeSync(fd);
  }
}

/** Up to `limit` bytes; the file may have grown since fstat, so the limit is checked again here. */
function readAtMost(fd: number, limit: number, name: string): Uint8Array {
  const buffer = Buffer.alloc(limit);
  let length = 0;
  for (let n = 1; n > 0 && length < limit; length += n) {
    try {
      n = readSync(fd, buffer, length, limit - length, null);
    } catch (error) {
      throw new UserError(`${name}: cannot read the spec (${describeErrno(error)})`);
    }
  }
  if (length >= limit) throw tooLarge(name);
  return buffer.subarray(0, length);
}

function tooLarge(name: string): UserError {
  return new UserError(
    `${name}: the spec is larger than ${SPEC_FILE_LIMIT / (1 << 20)} MiB, the limit for a spec file`,
  );
}
