// Writes a file whole or not at all: a temporary file beside it, renamed into place.
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { UserError } from '../errors.js';

export function writeAtomically(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, text);
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new UserError(`cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}
