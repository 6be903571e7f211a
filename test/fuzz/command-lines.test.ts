// Issue 14, kept fixed: random command lines from a grammar of pathsum's commands and flags (read from
// their --help), with values chosen at the edges, never make pathsum crash, print a stack trace or a raw
// control character, exit with anything but 0 or 1 (141 once its reader has gone), or touch a file it
// was not asked to write. Most cases run in-process; a few through the built CLI, for exit codes and pipes.
import { appendFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OUTPUT_CLOSED_STATUS } from '../../src/cli/io.js';
import { commandLine, type Grammar, readGrammar } from './grammar.js';
import {
  expectJsonWhenAsked,
  expectOnlyOutput,
  expectWellBehaved,
  example,
  type Fixtures,
  makeCaseDir,
  makeFixtures,
  type Outcome,
  outputPaths,
  runInProcess,
  runSubprocess,
  type SpawnOptions,
  snapshot,
} from './harness.js';

/**
 * Each search stops after a few seconds (far below the suite's 30 s limit per test, issue 9), whatever the machine;
 * PATHSUM_FUZZ_SCALE=10 runs ten times the cases and time, for a deeper search than CI's.
 */
const SCALE = Number(process.env.PATHSUM_FUZZ_SCALE ?? 1);

let grammar: Grammar;
let fixtures: Fixtures;
let cases: string;
let fixturesBefore: Map<string, string>;

beforeAll(async () => {
  grammar = await readGrammar();
  fixtures = makeFixtures();
  fixturesBefore = snapshot(fixtures.dir);
  cases = mkdtempSync(join(tmpdir(), 'pathsum-fuzz-cases-'));
});

afterAll(() => {
  rmSync(cases, { recursive: true, force: true });
  rmSync(fixtures.dir, { recursive: true, force: true });
});

/**
 * The built CLI: it ends within 20 s, by itself, and a stop by its reader (141) adds no message: stderr holds
 * at most what was said before the output began (the backend chosen, a weights file's warnings).
 */
async function runPiped(args: string[], options: SpawnOptions): Promise<Outcome> {
  const outcome = await runSubprocess(args, { seconds: 20, ...options });
  expect(outcome.timedOut, `still running after 20 s: ${JSON.stringify(args)}`).toBe(false);
  expect(outcome.signal).toBeNull();
  const said = (line: string) => line === '' || /^backend: \w+$/.test(line) || line.startsWith('warning: ');
  if (outcome.code === OUTPUT_CLOSED_STATUS) expect(outcome.err.split('\n').filter(l => !said(l))).toEqual([]);
  return outcome;
}

/** What this suite found, minimised (each was a crash, a hang or a raw escape sequence): always run. */
function found(fx: Fixtures): string[][] {
  const seed1 = example('seed1.pathsum');
  const modadd = example('modadd');
  return [
    ['constructor'],
    ['help', '__proto__'],
    ['check', fx.controlName],
    ['latex', seed1, '-o', 'x\u001b[2J\u0007.tex'],
    ['expand', example('big.pathsum'), '--factor'],
    ['expand', seed1, '--factor', '--format', 'json'],
    ['features', modadd, '--layer', '0', '--direction', '/dev/zero'],
    ['features', modadd, '--layer', '0', '--direction', fx.fifo],
    ['features', modadd, '--layer', '0', '--token', '1', '--inputs', fx.fifo],
    ['eval', modadd, '--inputs', '/dev/zero'],
    ['latex', example('two-layer.pathsum'), '--max-degree', '4294967296', '-o', 'out.tex'],
    ['expand', example('big.pathsum'), '--max-degree', '4294967295', '--limit', '2'],
    ['report', fx.controlName, '--tokens', '1,2,3', '--runs', '0', '--budget', '0'],
  ];
}

/**
 * fc.assert, except that a machine too busy to finish one case within the time limit is not a failure
 * (fast-check fails a property interrupted before its first success): a case that fails still does.
 */
async function search<T>(property: fc.IAsyncProperty<T>, params: fc.Parameters<T>): Promise<void> {
  const details = await fc.check(property, params);
  if (details.failed && !(details.interrupted && details.counterexample === null))
    throw new Error(fc.defaultReportMessage(details) ?? 'the property failed');
}

/** Runs one command line in a fresh directory and checks every law on what it did. */
async function check(argv: string[], run: (argv: string[], cwd: string) => Promise<Outcome>): Promise<void> {
  const dir = makeCaseDir(cases);
  const before = snapshot(dir);
  // a case that crashes the worker (a heap overflow) leaves no counterexample: the log names it
  if (process.env.PATHSUM_FUZZ_LOG) appendFileSync(process.env.PATHSUM_FUZZ_LOG, `${JSON.stringify(argv)}\n`);
  const outcome = await run(argv, dir);
  expectWellBehaved(outcome);
  expectJsonWhenAsked(outcome);
  expectOnlyOutput(before, snapshot(dir), dir, outputPaths(argv, dir), outcome);
  expect(snapshot(fixtures.dir), 'a shared fixture changed').toEqual(fixturesBefore);
  rmSync(dir, { recursive: true, force: true });
}

describe('command lines from the grammar', () => {
  it('the grammar knows every command and its flags', () => {
    expect([...grammar.keys()]).toEqual([
      'check',
      'expand',
      'latex',
      'eval',
      'verify',
      'features',
      'start',
      'import',
      'trace',
      'circuits',
      'report',
    ]);
    const flag = (command: string, name: string) => grammar.get(command as never)!.flags.find(f => f.name === name);
    expect(grammar.get('expand')!.flags.map(f => f.name)).toEqual(
      expect.arrayContaining(['limit', 'format', 'explain', 'ablate']),
    );
    expect(flag('latex', 'output')).toEqual({ name: 'output', takesValue: true, short: 'o' });
    expect(flag('eval', 'json')).toEqual({ name: 'json', takesValue: false });
    expect(grammar.get('latex')!.required).toEqual([['output']]);
    expect(grammar.get('features')!.required).toEqual([['weights'], ['layer'], ['token', 'direction']]);
    expect(grammar.get('trace')!.flags.map(f => f.name)).toEqual(
      expect.arrayContaining(['tokens', 'target', 'target-next', 'position', 'budget', 'threshold', 'split-positions']),
    );
    expect(flag('trace', 'split-positions')).toEqual({ name: 'split-positions', takesValue: false });
    expect(grammar.get('trace')!.required).toEqual([['tokens']]);
    expect(grammar.get('report')!.required).toEqual([['tokens']]);
    expect(flag('report', 'output')).toEqual({ name: 'output', takesValue: true, short: 'o' });
  });

  // the fixtures are made in beforeAll: the titles name them by their field
  const named = Object.fromEntries(['dir', 'fifo', 'controlName'].map(k => [k, `<${k}>`])) as unknown as Fixtures;
  it.each(found(named).map((argv, i) => ({ i, line: argv.join(' ') })))('in-process, found before: $line', async ({
    i,
  }) => {
    await check(found(fixtures)[i]!, runInProcess);
  });

  // the search's budget in two tests, each with its own seed, so that neither runs long (a run still going at
  // the time limit is interrupted: a test takes its budget, loaded machine or not)
  it.each([1, 2])(
    'in-process, search %i of 2: exit 0 or 1, one plain message, no control characters, only the -o file written',
    async () => {
      await search(
        fc.asyncProperty(commandLine(grammar, fixtures), argv => check(argv, runInProcess)),
        { numRuns: 500 * SCALE, interruptAfterTimeLimit: 4_000 * SCALE },
      );
    },
    30_000 * SCALE,
  );

  it(
    'as a subprocess, its stdout a pipe that may close early or a full disk: the same, and 141 only when closed',
    async () => {
      const stdout = fc.oneof(
        { weight: 3, arbitrary: fc.constant({}) },
        { weight: 2, arbitrary: fc.nat(5000).map(n => ({ closeAfter: n })) },
        ...(existsSync('/dev/full') ? [{ weight: 1, arbitrary: fc.constant({ stdoutFile: '/dev/full' }) }] : []),
      );
      await search(
        // no argument of a real process can hold a NUL byte
        fc.asyncProperty(commandLine(grammar, fixtures), stdout, (argv, options) =>
          check(
            argv.map(a => a.replaceAll('\0', '\u0001')),
            (args, cwd) => runPiped(args, { cwd, ...options }),
          ),
        ),
        { numRuns: 30 * SCALE, interruptAfterTimeLimit: 6_000 * SCALE },
      );
    },
    30_000 * SCALE,
  );
});
