// Issue 14, kept fixed: inputs that ask for unbounded time or memory (an endless device, a billion
// layers, a 10 MB name, a model of 13 billion parameters, an endless expansion whose reader leaves) end
// in a few seconds in a 96 MB heap, with a one-message error or a correct answer, never a heap crash.
// The built CLI runs in a subprocess (dist/, which `npm test` builds first), since only a real process
// can run out of memory or have its pipe closed.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OUTPUT_CLOSED_STATUS } from '../../src/cli/io.js';
import { example, expectWellBehaved, runSubprocess, type SpawnOutcome } from './harness.js';

const HEAP = ['--max-old-space-size=96'];
/**
 * Node starts in half a second and tfjs loads in one more; work without bound never ends. The cases run
 * side by side, so on a loaded 2-core machine one may take several seconds: the bound catches runaway work
 * and leaves the figures to the benchmarks.
 */
const SECONDS = 25;

const dir = mkdtempSync(join(tmpdir(), 'pathsum-fuzz-resources-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function spec(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `model m {\n  vocab 16; context 8; width 8\n  embed\n${body}\n  unembed\n}\n`);
  return path;
}

async function run(args: string[], options: { closeAfterLines?: number } = {}): Promise<SpawnOutcome> {
  const outcome = await runSubprocess(args, { cwd: dir, seconds: SECONDS, nodeFlags: HEAP, ...options });
  const why = `pathsum ${args.join(' ').slice(0, 200)}\n${outcome.err.slice(0, 1000)}`;
  expect(outcome.timedOut, `still running after ${SECONDS} s: ${why}`).toBe(false);
  expect(outcome.err, why).not.toMatch(/heap out of memory|Allocation failed|FATAL ERROR/);
  expect(outcome.signal, why).toBeNull();
  expectWellBehaved(outcome);
  return outcome;
}

/** One message: `pathsum: …` and at most the quoted line, its caret and a hint, none of them a flood. */
function expectOneMessage(outcome: SpawnOutcome, pattern: RegExp): void {
  expect(outcome.code).toBe(1);
  const lines = outcome.err.trimEnd().split('\n');
  expect(lines[0]).toMatch(/^pathsum: /);
  expect(lines[0]).toMatch(pattern);
  expect(lines.length).toBeLessThanOrEqual(4);
  for (const line of lines) expect(line.length).toBeLessThan(500);
}

describe('bounded in time and memory (96 MB heap, 25 s)', () => {
  it.concurrent('check /dev/zero: refused, not read', async () => {
    expectOneMessage(await run(['check', '/dev/zero']), /\/dev\/zero: cannot read the spec \(it is a device/);
  });

  it.concurrent.each([
    ['a billion', 1073741824],
    ['300,000', 300000],
  ])('check of `layers N` with %s layers: refused at the limit, with its line', async (_, n) => {
    const path = spec(`layers-${n}.pathsum`, `  layers ${n} { bilinear hidden 2 }`);
    const outcome = await run(['check', path]);
    expectOneMessage(outcome, new RegExp(`:4:3: model 'm' would have ${n} layers; the limit is \\d+`));
    expect(outcome.err).toContain(`layers ${n} { bilinear hidden 2 }`);
  });

  it.concurrent('check of 2,000 bilinear layers: counted, the total as a power tower', async () => {
    const outcome = await run(['check', spec('layers-2000.pathsum', '  layers 2000 { bilinear hidden 2 }')]);
    expect(outcome.code).toBe(0);
    expect(outcome.out).toMatch(/^ {4}total +≈ 10\^\(10\^601\.\d+\) +≈ 10\^\(10\^601\.\d+\)$/m);
  });

  it.concurrent('a 10 MB quoted name: the file is refused by its size', async () => {
    const path = spec('long-name.pathsum', `  rename embed.W_E "${'x'.repeat(10 << 20)}"`);
    expectOneMessage(await run(['check', path]), /the spec is larger than 1 MiB/);
  });

  it.concurrent('a 1 MB quoted name within the size limit: refused by its length, the line cut short', async () => {
    const path = spec('name.pathsum', `  layer { bilinear hidden 2 }\n  rename embed.W_E "${'x'.repeat(1_000_000)}"`);
    expectOneMessage(await run(['check', path]), /:5:\d+: a quoted name longer than \d+ characters/);
  });

  it.concurrent('eval --weights /dev/zero: refused, not read', async () => {
    const outcome = await run(['eval', example('seed1.pathsum'), '--tokens', '1,2', '--weights', '/dev/zero']);
    expectOneMessage(outcome, /\/dev\/zero: not a regular file/);
  });

  it.concurrent.each([
    ['verify', []],
    ['eval', ['--tokens', '1,2,3']],
  ])('%s of big.pathsum (13 billion parameters): refused in one line, nothing drawn', async (command, args) => {
    const outcome = await run([command, example('big.pathsum'), ...args]);
    expectOneMessage(outcome, /too many to draw random weights for/);
    expect(outcome.err.trimEnd().split('\n')).toHaveLength(1);
  });

  it.concurrent('expand big.pathsum | head -n 3: an endless expansion, yet the command stops with 141', async () => {
    const outcome = await run(['expand', example('big.pathsum')], { closeAfterLines: 3 });
    expect(outcome.code).toBe(OUTPUT_CLOSED_STATUS);
    expect(outcome.err).toBe('');
    expect(outcome.out.split('\n').slice(0, 2)).toEqual(['D_final ⊗ W_U G_final W_E', 'D_final ⊗ W_U G_final W_pos']);
    expect(outcome.seconds).toBeLessThan(SECONDS);
  });

  it.concurrent('verify --identity nested 20,000 deep: one line, no stack overflow', async () => {
    const deep = `${'('.repeat(20_000)}Id ⊗ W_U W_E${')'.repeat(20_000)} = Id ⊗ W_U W_E`;
    const outcome = await run(['verify', example('seed1.pathsum'), '--runs', '1', '--identity', deep]);
    expectOneMessage(outcome, /--identity ".*": .*nest/);
  });
});
