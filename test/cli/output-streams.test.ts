// The real process's stdout: a reader that goes away (`| head`) stops the command quietly with the
// SIGPIPE status, a full disk is one line on stderr and exit 1, never a node stack trace. These run the
// built CLI (dist/, which `npm test` builds first) in a subprocess, since only a real pipe can close.
import { spawn } from 'node:child_process';
import { existsSync, openSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Io, memoryIo, OUTPUT_CLOSED_STATUS, OutputClosed } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';

const BIN = 'dist/src/cli/bin.js';

interface Exit {
  readonly code: number | null;
  readonly stderr: string;
  readonly stdout: string;
  readonly seconds: number;
}

/** Runs the CLI; `closeAfter` bytes of stdout are read and the pipe is then closed, as `head -c` does. */
function run(args: string[], options: { closeAfter?: number; stdoutFile?: string } = {}): Promise<Exit> {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run 'npm run build' first`);
  const started = Date.now();
  const stdout = options.stdoutFile === undefined ? 'pipe' : openSync(options.stdoutFile, 'w');
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', stdout, 'pipe'] });
  let out = '';
  let err = '';
  child.stderr?.on('data', chunk => void (err += chunk));
  child.stdout?.on('data', chunk => {
    out += chunk;
    if (options.closeAfter !== undefined && out.length >= options.closeAfter) child.stdout?.destroy();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`pathsum ${args.join(' ')} still running after 60 s`));
    }, 60_000);
    child.on('exit', code => {
      clearTimeout(timer);
      resolve({ code, stderr: err, stdout: out, seconds: (Date.now() - started) / 1000 });
    });
  });
}

const noStackTrace = (stderr: string) => expect(stderr).not.toMatch(/\n\s+at |node:internal|Error:/);

describe('a reader that closes the pipe early', () => {
  it('stops `expand` of a model with astronomically many terms at once, quietly, with status 141', async () => {
    const exit = await run(['expand', 'examples/big.pathsum'], { closeAfter: 100 });
    expect(exit).toMatchObject({ code: OUTPUT_CLOSED_STATUS, stderr: '' });
    expect(exit.stdout.startsWith('D_final ⊗ W_U G_final W_E\n')).toBe(true);
    expect(exit.seconds).toBeLessThan(20); // it never ends otherwise
  });

  it('ends `eval --json` quietly too', async () => {
    const exit = await run(['eval', 'examples/two-layer.pathsum', '--tokens', '1,2,3', '--json'], { closeAfter: 100 });
    expect(exit).toMatchObject({ code: OUTPUT_CLOSED_STATUS, stderr: '' });
    expect(exit.stdout.startsWith('{ "tokens": [1,2,3],')).toBe(true);
  });

  it('exits 0 when the reader took everything before closing', async () => {
    const exit = await run(['expand', 'examples/seed1.pathsum']);
    expect(exit).toMatchObject({ code: 0, stderr: '' });
    expect(exit.stdout.trimEnd().split('\n')).toHaveLength(9);
  });
});

describe.skipIf(!existsSync('/dev/full'))('stdout on a full disk (/dev/full)', () => {
  const full = 'pathsum: cannot write to standard output: no space left on the device\n';
  it.concurrent.each([
    [['check', 'examples/two-layer.pathsum']],
    [['expand', 'examples/big.pathsum']],
    [['expand', 'examples/two-layer.pathsum', '--format', 'json']],
    [['eval', 'examples/seed1.pathsum', '--tokens', '1,2']],
    [['--help']],
  ])('pathsum %j: one line on stderr, exit 1', async args => {
    const exit = await run(args, { stdoutFile: '/dev/full' });
    noStackTrace(exit.stderr);
    expect(exit.stderr.endsWith(full)).toBe(true);
    expect(exit.stderr.split('\n').filter(line => line.startsWith('pathsum:'))).toEqual([full.trimEnd()]);
    expect(exit.code).toBe(1);
  });
});

/** An Io whose reader leaves after `limit` characters, as a pipe to `head -c` does. */
function closingIo(limit: number): Io & { written: () => number } {
  let written = 0;
  const stdout = (text: string) => {
    if (written >= limit) throw new OutputClosed();
    written += text.length;
  };
  return { ...memoryIo(), stdout, drained: async () => stdout(''), written: () => written };
}

describe('in process', () => {
  it.each([1, 5000, 200_000])('expand stops within one buffer once the reader leaves after %d characters', async n => {
    const io = closingIo(n);
    expect(await main(['expand', 'examples/big.pathsum'], io)).toBe(OUTPUT_CLOSED_STATUS);
    expect(io.written()).toBeLessThan(n + (1 << 16) + 1000);
  });
});
