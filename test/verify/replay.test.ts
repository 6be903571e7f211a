// The replay line of a failed `pathsum verify` is a command a POSIX shell runs as printed, and it
// reproduces the same check: same laws, same inputs, same counterexample. Runs the built CLI
// (dist/, which `npm test` builds first) under sh, with a spec path and identities that need quoting.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { shellWord } from '../../src/cli/verify.js';
import { compile } from '../../src/model/spec.js';
import { requiredWeights } from '../../src/model/weights.js';
import { writeSafetensors } from '../../src/numeric/safetensors.js';
import { rng } from '../arbitraries.js';

const BIN = resolve('dist/src/cli/bin.js');
const dir = mkdtempSync(join(tmpdir(), "pathsum replay's "));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// small enough that one verify process takes about a second, most of it start-up
const TINY =
  'model tiny {\n vocab 8; context 4; width 4\n embed\n layer {\n  attention heads 2 size 2\n }\n unembed\n}\n';
const tinySpec = (name: string) => {
  const path = join(dir, name);
  writeFileSync(path, TINY);
  return path;
};

function pathsum(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function sh(script: string) {
  const r = spawnSync('sh', ['-c', `pathsum() { "$PATHSUM_NODE" "$PATHSUM_BIN" "$@"; }\n${script}`], {
    encoding: 'utf8',
    env: { ...process.env, PATHSUM_NODE: process.execPath, PATHSUM_BIN: BIN },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Runs a failing check, then its replay line under sh: both print the same report. */
function replays(args: string[]) {
  const first = pathsum(['verify', ...args, '--quiet']);
  expect(first.err).toBe('');
  expect(first.code).toBe(1);
  const replay = /^ {7}replay: (.*)$/m.exec(first.out)?.[1];
  expect(replay).toBeDefined();
  const again = sh(replay!);
  expect(again.code).toBe(1);
  expect(again.out).toBe(first.out);
  return { out: first.out, replay: replay! };
}

const good = 'A^{0.1} ⊗ W_U W_OV^{0.1} W_E = A^{0.1} ⊗ W_U W_O^{0.1} W_V^{0.1} W_E';
const bad = '-A^{0.1} ⊗ W_U W_OV^{0.1} W_E = A^{0.1} ⊗ W_U W_OV^{0.1} W_E';

describe('verify prints a replay command that reproduces the failure', () => {
  it('random weights: seed, runs, backend, identities (one starting with -), a spec path needing quotes', () => {
    const spec = tinySpec(`it's a "spec".pathsum`);
    const { out, replay } = replays([
      spec,
      '--runs',
      '4',
      '--seed',
      '8',
      '--backend',
      'cpu',
      '--identity',
      good,
      `--identity=${bad}`,
    ]);
    expect(out).toMatch(/counterexample: \{"tokens":\[[\d,]+\],"weightSeed":\d+\}/);
    expect(replay).toBe(
      `pathsum verify ${shellWord(spec)} --seed 8 --runs 4 --backend cpu --identity '${good}' '--identity=${bad}'`,
    );
  });

  it('a weights file, a model name and --no-simplify are part of the replay', () => {
    const spec = tinySpec('tiny model.pathsum');
    const weights = join(dir, 'tiny weights.safetensors');
    const random = rng(3);
    const tensors = requiredWeights(compile(TINY)[0]!).map(w => {
      const data = Float32Array.from({ length: w.shape.reduce((a, b) => a * b, 1) }, () => random() - 0.5);
      return [w.key, { shape: w.shape, data }] as const;
    });
    writeFileSync(weights, writeSafetensors(new Map(tensors)));
    const { replay } = replays([
      spec,
      '--weights',
      weights,
      '--model',
      'tiny',
      '--no-simplify',
      '--runs',
      '3',
      '--seed',
      '2',
      '--backend',
      'cpu',
      '--identity',
      'Id ⊗ W_U W_E = 2 · Id ⊗ W_U W_E',
    ]);
    expect(replay).toContain(` --weights ${shellWord(weights)} --model tiny --no-simplify --backend cpu `);
  });
});

describe('shellWord', () => {
  it('sh reads every quoted word back as the word', () => {
    const word = fc
      .array(
        fc.constantFrom('a', 'Z', '0', ' ', "'", '"', '$', '\\', '`', '!', '*', '-', '⊗', '\n', '#', '~', '=', '{'),
        {
          maxLength: 8,
        },
      )
      .map(cs => cs.join(''));
    const words = fc.sample(word, { numRuns: 200, seed: 1 });
    const { out } = sh(`printf '%s\\0' ${words.map(shellWord).join(' ')}`);
    expect(out.split('\0').slice(0, -1)).toEqual(words);
  });

  it('leaves plain words bare', () => {
    expect(['verify', 'examples/seed1.pathsum', '--seed', '8', '--runs=3'].map(shellWord)).toEqual([
      'verify',
      'examples/seed1.pathsum',
      '--seed',
      '8',
      '--runs=3',
    ]);
  });
});
