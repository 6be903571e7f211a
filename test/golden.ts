// Golden files (test/golden/, and the generated docs/*.md): what a human reads, compared byte for
// byte. One switch rewrites them, `npm run golden` (PATHSUM_GOLDEN=write); a plain `npm test` only
// compares, so it never writes a file. The diff of a rewrite is reviewed like any other change.
import { existsSync, mkdirSync, readFileSync, renameSync, rmdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { expect } from 'vitest';

export type GoldenMode = 'compare' | 'write';

/** The switch as the environment sets it; anything but unset or `write` is a mistake worth stopping for. */
export function goldenMode(env: NodeJS.ProcessEnv = process.env): GoldenMode {
  if (env.UPDATE_GOLDEN !== undefined)
    throw new Error('UPDATE_GOLDEN is no longer read: `npm run golden` rewrites the golden files');
  const value = env.PATHSUM_GOLDEN;
  if (value === undefined || value === '') return 'compare';
  if (value === 'write') return 'write';
  throw new Error(`PATHSUM_GOLDEN must be unset or 'write', found '${value}'`);
}

export function expectGolden(path: string, actual: string, mode: GoldenMode = goldenMode()): void {
  if (mode === 'write') {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  if (!existsSync(path)) throw new Error(`missing golden file ${path}: run \`npm run golden\` and review it`);
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

/**
 * One part of a golden file that several test files generate, so that no one of them runs long.
 * Part i starts with the line `anchors[i]` and runs up to the line `anchors[i + 1]` (or the end).
 */
export function expectGoldenPart(
  path: string,
  anchors: readonly string[],
  index: number,
  actual: string,
  mode: GoldenMode = goldenMode(),
): void {
  if (!actual.startsWith(`${anchors[index]}\n`)) throw new Error(`part ${index} of ${path} must start with its anchor`);
  if (mode === 'write') {
    // test files run in parallel: the read-modify-write of the shared file is serialized by a lock
    withLock(path, () => {
      const parts = existsSync(path) ? splitAt(readFileSync(path, 'utf8'), anchors) : anchors.map(() => '');
      parts[index] = actual;
      writeFileSync(`${path}.tmp`, parts.join(''));
      renameSync(`${path}.tmp`, path);
    });
    return;
  }
  if (!existsSync(path)) throw new Error(`missing golden file ${path}: run \`npm run golden\` and review it`);
  const committed = readFileSync(path, 'utf8');
  const parts = splitAt(committed, anchors);
  if (parts.some(part => part === ''))
    throw new Error(`${path} lacks a part's first line: run \`npm run golden\` and review it`);
  expect(actual).toBe(parts[index]);
}

/** Where the line `line` starts in `text` at or after `from`, or -1. */
function lineAt(text: string, line: string, from = 0): number {
  if (from === 0 && text.startsWith(`${line}\n`)) return 0;
  const i = text.indexOf(`\n${line}\n`, Math.max(0, from - 1));
  return i < 0 ? i : i + 1;
}

/** The text cut at its anchor lines, found in order; a part whose anchor is missing is empty. */
function splitAt(text: string, anchors: readonly string[]): string[] {
  let from = 0;
  const starts = anchors.map(a => {
    const start = lineAt(text, a, from);
    if (start >= 0) from = start + 1;
    return start;
  });
  return starts.map((start, i) => {
    if (start < 0) return '';
    const next = starts.slice(i + 1).find(s => s >= 0);
    return text.slice(start, next ?? text.length);
  });
}

function withLock(path: string, f: () => void): void {
  const lock = `${path}.lock`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (Date.now() > deadline) throw new Error(`${lock} is held for a minute: remove it if no test is running`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
  try {
    f();
  } finally {
    rmdirSync(lock);
  }
}
