// How a fuzz case runs and what every run must satisfy, whatever its command line: the CLI in-process
// (main with an Io whose reader leaves after OUTPUT_CAP characters) or as a real subprocess, in a fresh
// directory, and the laws of issue 14 checked on the result: exit 0 or 1 (141 only when the reader left),
// no internal error or stack trace, no raw control characters, no file created but the one -o asked for,
// nothing that was not a regular file at the -o path touched.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';
import { type Io, memoryIo, OUTPUT_CLOSED_STATUS, OutputClosed } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = join(ROOT, 'dist/src/cli/bin.js');
export const example = (name: string) => join(ROOT, 'examples', name);

/** Enough output to see that a command works; beyond it the reader leaves, as `| head` does. */
export const OUTPUT_CAP = 200_000;

/** Files shared by every case, made once: read by commands, never written (checked after each case). */
export interface Fixtures {
  readonly dir: string;
  readonly fifo: string;
  /** seed1.pathsum under a name holding an escape sequence and a bell. */
  readonly controlName: string;
  /** A directory with no spec, and one with two. */
  readonly emptyDir: string;
  readonly twoSpecs: string;
  readonly direction: string;
  readonly inputs: string;
}

export function makeFixtures(): Fixtures {
  const dir = mkdtempSync(join(tmpdir(), 'pathsum-fuzz-fixtures-'));
  const fixtures = {
    dir,
    fifo: join(dir, 'fifo'),
    controlName: join(dir, 'seed\u001b[31m\u0007one.pathsum'),
    emptyDir: join(dir, 'empty'),
    twoSpecs: join(dir, 'two'),
    direction: join(dir, 'direction.json'),
    inputs: join(dir, 'inputs.txt'),
  };
  execFileSync('mkfifo', [fixtures.fifo]);
  copyFileSync(example('seed1.pathsum'), fixtures.controlName);
  mkdirSync(fixtures.emptyDir);
  mkdirSync(fixtures.twoSpecs);
  copyFileSync(example('seed1.pathsum'), join(fixtures.twoSpecs, 'a.pathsum'));
  copyFileSync(example('attn1.pathsum'), join(fixtures.twoSpecs, 'b.pathsum'));
  // width 64, as examples/modadd
  writeFileSync(fixtures.direction, JSON.stringify(Array.from({ length: 64 }, (_, i) => Math.sin(i + 1))));
  writeFileSync(fixtures.inputs, '1,2,3\n4,5,6\n# a comment\n7,8\n');
  return fixtures;
}

/** The entries of a fresh case directory, so that -o can name each kind of thing that may be in the way. */
export const CASE_ENTRIES = {
  directory: 'dir.tex',
  symlink: 'link.tex',
  dangling: 'dangling.tex',
  regular: 'old.tex',
  target: 'target.txt',
} as const;

export function makeCaseDir(parent: string): string {
  const dir = mkdtempSync(join(parent, 'case-'));
  mkdirSync(join(dir, CASE_ENTRIES.directory));
  writeFileSync(join(dir, CASE_ENTRIES.directory, 'keep'), 'keep');
  writeFileSync(join(dir, CASE_ENTRIES.target), 'the target of link.tex');
  symlinkSync(join(dir, CASE_ENTRIES.target), join(dir, CASE_ENTRIES.symlink));
  symlinkSync(join(dir, 'nowhere.tex'), join(dir, CASE_ENTRIES.dangling));
  writeFileSync(join(dir, CASE_ENTRIES.regular), 'an old document');
  return dir;
}

/** Every entry under `dir` (not following links): its kind and what identifies its content. */
export function snapshot(dir: string): Map<string, string> {
  const entries = new Map<string, string>();
  const walk = (relative: string) => {
    for (const name of readdirSync(join(dir, relative))) {
      const path = join(relative, name);
      const full = join(dir, path);
      const stats = lstatSync(full);
      if (stats.isDirectory()) {
        entries.set(path, 'directory');
        walk(path);
      } else if (stats.isSymbolicLink()) entries.set(path, `symlink → ${readlinkSync(full)}`);
      else if (stats.isFile()) entries.set(path, `file ${createHash('sha1').update(readFileSync(full)).digest('hex')}`);
      else entries.set(path, stats.isFIFO() ? 'fifo' : 'special');
    }
  };
  walk('');
  return entries;
}

export interface Outcome {
  readonly argv: readonly string[];
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
  /** The reader left before the command finished writing (so 141 is allowed). */
  readonly closed: boolean;
}

/** An Io that keeps what it is given and whose reader leaves once it has OUTPUT_CAP characters. */
function cappedIo(): Io & { out: () => string; err: () => string; closed: () => boolean } {
  const memory = memoryIo();
  let length = 0;
  let closed = false;
  const stdout = (text: string) => {
    if (length >= OUTPUT_CAP) {
      closed = true;
      throw new OutputClosed();
    }
    length += text.length;
    memory.stdout(text);
  };
  return { ...memory, stdout, drained: async () => stdout(''), closed: () => closed };
}

/** `main(argv)` with the process in `cwd`, as a user's shell would be. */
export async function runInProcess(argv: readonly string[], cwd: string): Promise<Outcome> {
  const io = cappedIo();
  const before = process.cwd();
  process.chdir(cwd);
  try {
    const code = await main([...argv], io);
    return { argv, code, out: io.out(), err: io.err(), closed: io.closed() };
  } finally {
    process.chdir(before);
  }
}

export interface SpawnOptions {
  readonly cwd: string;
  /** Characters of stdout read before the pipe is destroyed (the reader leaves, as `head -c` does). */
  readonly closeAfter?: number;
  /** Lines of stdout read before the pipe is destroyed, as `head -n` does. */
  readonly closeAfterLines?: number;
  /** stdout goes to this file (e.g. /dev/full) instead of a pipe. */
  readonly stdoutFile?: string;
  readonly seconds?: number;
  readonly nodeFlags?: readonly string[];
}

export interface SpawnOutcome extends Outcome {
  readonly signal: NodeJS.Signals | null;
  readonly seconds: number;
  readonly timedOut: boolean;
}

/** `node dist/src/cli/bin.js argv`; killed after `seconds` (and then reported as timed out). */
export function runSubprocess(argv: readonly string[], options: SpawnOptions): Promise<SpawnOutcome> {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run 'npm run build' first`);
  const started = Date.now();
  const stdout = options.stdoutFile === undefined ? 'pipe' : openSync(options.stdoutFile, 'w');
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), BIN, ...argv], {
    cwd: options.cwd,
    stdio: ['ignore', stdout, 'pipe'],
    env: { ...process.env, PATHSUM_DEBUG: '' },
  });
  if (typeof stdout === 'number') closeSync(stdout);
  const cap = options.closeAfter ?? OUTPUT_CAP;
  let out = '';
  let err = '';
  let closed = false;
  child.stderr?.on('data', chunk => {
    if (err.length < OUTPUT_CAP) err += chunk;
  });
  child.stdout?.on('data', chunk => {
    if (closed) return;
    out += chunk;
    const lines = options.closeAfterLines === undefined ? 0 : out.split('\n').length - 1;
    if (out.length >= cap || (options.closeAfterLines !== undefined && lines >= options.closeAfterLines)) {
      closed = true;
      child.stdout?.destroy();
    }
  });
  return new Promise(done => {
    let timedOut = false;
    const timer = setTimeout(
      () => {
        timedOut = true;
        child.kill('SIGKILL');
      },
      (options.seconds ?? 30) * 1000,
    );
    child.on('error', error => {
      clearTimeout(timer);
      done({
        argv,
        code: null,
        signal: null,
        out,
        err: `spawn failed: ${error.message}`,
        closed,
        timedOut,
        seconds: 0,
      });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ argv, code, signal, out, err, closed, timedOut, seconds: (Date.now() - started) / 1000 });
    });
  });
}

/** C0 and C1 controls and DEL: what a terminal may act on. Newline is allowed, and tab on stdout. */
const CONTROL = /[^\P{Cc}\n\t]/u;
const CONTROL_OR_TAB = /[^\P{Cc}\n]/u;

const context = (o: Outcome) =>
  `pathsum ${JSON.stringify(o.argv).slice(0, 2000)}\n--- stderr:\n${o.err.slice(0, 2000)}`;

/** The laws every run must keep, whatever it was asked. */
export function expectWellBehaved(o: Outcome): void {
  const why = context(o);
  const allowed = o.closed ? [0, 1, OUTPUT_CLOSED_STATUS] : [0, 1];
  expect(allowed, `exit code ${o.code}\n${why}`).toContain(o.code);
  expect(o.err, why).not.toMatch(/internal error/i);
  expect(o.err, why).not.toMatch(/^ {4}at /m);
  expect(o.err, why).not.toMatch(/heap out of memory|Maximum call stack|RangeError|TypeError/);
  expect(CONTROL_OR_TAB.exec(o.err)?.[0], `a raw control character on stderr\n${why}`).toBeUndefined();
  expect(CONTROL.exec(o.out)?.[0], `a raw control character on stdout\n${why}`).toBeUndefined();
  if (o.code === 1) expect(`${o.out}${o.err}`.trim(), `exit 1 without a word\n${why}`).not.toBe('');
}

/** What `--json` or `--format json` asks for is JSON, whole, when the command succeeds and was read to the end. */
export function expectJsonWhenAsked(o: Outcome): void {
  if (o.code !== 0 || o.closed || o.argv.some(a => a === '--help' || a === '-h' || a === '--')) return;
  const formats = o.argv.flatMap((a, i) =>
    a === '--format' ? [o.argv[i + 1]] : a.startsWith('--format=') ? [a.slice(9)] : [],
  );
  const json =
    (o.argv[0] === 'expand' && formats.at(-1) === 'json') ||
    (['eval', 'features', 'trace', 'circuits'].includes(o.argv[0]!) && o.argv.includes('--json'));
  if (json)
    expect(() => JSON.parse(o.out), `not JSON\n${context(o)}\n--- stdout:\n${o.out.slice(0, 500)}`).not.toThrow();
}

/** The -o paths a command line names (`-o X`, `-oX`, `--output X`, `--output=X`), resolved from `cwd`. */
export function outputPaths(argv: readonly string[], cwd: string): Set<string> {
  const paths = new Set<string>();
  argv.forEach((arg, i) => {
    const next = argv[i + 1];
    if ((arg === '-o' || arg === '--output') && next !== undefined) paths.add(resolve(cwd, next));
    else if (arg.startsWith('--output=')) paths.add(resolve(cwd, arg.slice('--output='.length)));
    else if (/^-o./.test(arg)) paths.add(resolve(cwd, arg.slice(2)));
  });
  return paths;
}

/**
 * The directory after a run: every entry as it was, except at most one regular file at an -o path
 * (created, or a regular file replaced); nothing else created, nothing that was not a regular file changed.
 */
export function expectOnlyOutput(
  before: Map<string, string>,
  after: Map<string, string>,
  dir: string,
  outputs: Set<string>,
  o: Outcome,
): void {
  const why = context(o);
  const written: string[] = [];
  for (const [path, was] of before) {
    const now = after.get(path);
    if (now === was) continue;
    const mayReplace = was.startsWith('file ') && now?.startsWith('file ') && outputs.has(join(dir, path));
    expect(mayReplace, `${path} was ${was}, is now ${now ?? 'gone'}\n${why}`).toBe(true);
    written.push(path);
  }
  for (const [path, now] of after) {
    if (before.has(path)) continue;
    const isOutput = now.startsWith('file ') && outputs.has(join(dir, path));
    expect(isOutput, `${path} (${now}) was created but not asked for\n${why}`).toBe(true);
    written.push(path);
  }
  expect(written.length, `more than one file written: ${written.join(', ')}\n${why}`).toBeLessThanOrEqual(1);
}
