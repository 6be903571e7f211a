// The commands agree on how flags, help, numbers, seeds and model directories behave.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_SEED, seedFlag } from '../../src/cli/args.js';
import { memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { parseBackend } from '../../src/numeric/backend.js';

async function cli(...argv: string[]) {
  const io = memoryIo();
  const code = await main(argv, io);
  return { code, out: io.out(), err: io.err() };
}

const commands = ['check', 'expand', 'latex', 'eval', 'verify', 'features', 'start', 'import', 'report'];

/** The long flags a command's --help documents: an independent list of what it must accept. */
async function documentedFlags(command: string): Promise<string[]> {
  const help = (await cli(command, '--help')).out;
  return [...new Set([...help.matchAll(/(?<![\w-])--([a-z][a-z-]+)/g)].map(m => m[1]!))];
}

/** Levenshtein distance by the textbook recurrence: the test's own, not the CLI's suggester. */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++)
      next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}

describe('unknown flags', () => {
  it('the edit distance is the textbook one', () => {
    expect([editDistance('tokes', 'token'), editDistance('tokes', 'tokens'), editDistance('', 'abc')]).toEqual([
      1, 1, 3,
    ]);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });

  it('a flag with one letter dropped is answered with that flag, for every documented flag', async () => {
    const flags = await Promise.all(commands.map(async c => [c, await documentedFlags(c)] as const));
    const cases = fc.oneof(
      ...flags.map(([command, names]) =>
        fc
          .constantFrom(...names.filter(n => n.length >= 4))
          .chain(name =>
            fc.record({ command: fc.constant(command), name: fc.constant(name), at: fc.nat(name.length - 1) }),
          ),
      ),
    );
    await fc.assert(
      fc.asyncProperty(cases, async ({ command, name, at }) => {
        const dropped = `${name.slice(0, at)}${name.slice(at + 1)}`;
        // as close to another flag (features: --tokes is one edit from --token and from --tokens), either is right
        const others = flags.find(([c]) => c === command)![1].filter(n => n !== name);
        fc.pre(others.every(other => editDistance(dropped, other) > 1));
        const typo = `--${dropped}`;
        const { code, err } = await cli(command, typo);
        expect(code).toBe(1);
        expect(err).toBe(
          `pathsum: ${command}: unknown option '${typo}' (did you mean --${name}?); see 'pathsum ${command} --help'\n`,
        );
      }),
      { numRuns: 60 },
    );
  });

  it.each([
    [['expand', 'x', '--max-degre', '2'], "expand: unknown option '--max-degre' (did you mean --max-degree?)"],
    [['check', '--frobnicate', 'x'], "check: unknown option '--frobnicate'; see 'pathsum check --help'"],
    [['check', '-x'], "check: unknown option '-x'; see 'pathsum check --help'"],
    [['expand', 'x', '--limit'], 'expand: --limit needs a value'],
    [['latex', 'x', '-o'], 'latex: --output needs a value'],
    [['expand', 'x', '--explain=yes'], 'expand: --explain takes no value'],
    [['expand', 'x', '--limit', '--explain'], "expand: --limit needs a value, found the option '--explain'"],
    [['expand', 'examples/seed1.pathsum', '--limit', '-'], "expand: --limit must be an integer ≥ 1, found '-'"],
  ])('%j: one line', async (argv, message) => {
    const { code, err } = await cli(...argv);
    expect(code).toBe(1);
    expect(err.split('\n')).toHaveLength(2);
    expect(err.startsWith(`pathsum: ${message}`)).toBe(true);
  });
});

describe('negative numbers', () => {
  it('reach the flag as its value and get the range message, with or without =', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: -1e9, max: -1 }),
        fc.constantFrom(['max-degree', '≥ 0'], ['limit', '≥ 1']),
        fc.boolean(),
        async (n, [flag, range], joined) => {
          const args = joined ? [`--${flag}=${n}`] : [`--${flag}`, String(n)];
          expect(await cli('expand', 'examples/seed1.pathsum', ...args)).toEqual({
            code: 1,
            out: '',
            err: `pathsum: expand: --${flag} must be an integer ${range}, found '${n}'\n`,
          });
        },
      ),
      { numRuns: 20 },
    );
  });

  it('as a token id, are named as such', async () => {
    expect((await cli('eval', 'examples/seed1.pathsum', '--tokens', '-1,2')).err).toBe(
      "pathsum: eval: --tokens: item 1 '-1' is not a token id (a non-negative integer)\n",
    );
  });
});

describe('seeds', () => {
  it('are the 32-bit integers: 0..2³²−1 pass unchanged, anything larger is refused', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 70n }), s => {
        const text = s.toString();
        if (s <= BigInt(MAX_SEED)) expect(seedFlag('eval', text)).toBe(Number(s));
        else
          expect(() => seedFlag('eval', text)).toThrow(
            `eval: --seed must be an integer from 0 to 4294967295, found '${text}'`,
          );
      }),
    );
  });

  it.each([
    ['eval', '--tokens', '1'],
    ['verify', '--runs', '1'],
  ])('%s --seed 4294967296 (which would wrap to 0) is refused', async (command, ...rest) => {
    const { code, err } = await cli(command, 'examples/seed1.pathsum', ...rest, '--seed', '4294967296');
    expect(code).toBe(1);
    expect(err).toBe(`pathsum: ${command}: --seed must be an integer from 0 to 4294967295, found '4294967296'\n`);
  });
});

describe('help', () => {
  it.each(commands)("'pathsum help %s' is '%s --help'", async command => {
    expect(await cli('help', command)).toEqual(await cli(command, '--help'));
    expect((await cli('help', command)).out).toMatch(new RegExp(`^usage: pathsum ${command}`));
  });

  it.each([
    ['help', 'nosuch', "pathsum: unknown command 'nosuch'; see 'pathsum --help'\n"],
    ['help', 'expnad', "pathsum: unknown command 'expnad' (did you mean 'expand'?); see 'pathsum --help'\n"],
  ])('%s %s: one line', async (...args) => {
    const message = args.pop()!;
    expect(await cli(...args)).toEqual({ code: 1, out: '', err: message });
  });

  it('pathsum help, --help and -h print the command list; no command prints it as an error', async () => {
    const list = await cli('--help');
    expect(list.out).toMatch(/^usage: pathsum COMMAND/);
    expect(await cli('help')).toEqual(list);
    expect(await cli('help', '--help')).toEqual(list);
    expect(await cli('-h')).toEqual(list);
    expect(await cli()).toEqual({ code: 1, out: '', err: list.out });
  });

  it('every command that computes with tfjs documents the same backend default, and the README agrees', async () => {
    expect(parseBackend(undefined)).toBe('auto');
    for (const command of ['eval', 'verify', 'features', 'start', 'report'])
      expect((await cli(command, '--help')).out).toContain(
        '--backend B          auto (the default: node if @tensorflow/tfjs-node is installed, else wasm)',
      );
    const readme = readFileSync('README.md', 'utf8').replace(/\s+/g, ' ');
    expect(readme).toContain('by default (`--backend auto`) `@tensorflow/tfjs-node` when you have installed it');
    expect(readme).not.toMatch(/`--backend wasm`, the default/);
  });
});

describe('features --quiet', () => {
  it('is accepted, as by eval and verify', async () => {
    const quiet = await cli('features', 'examples/modadd', '--layer', '0', '--token', '3', '--quiet');
    expect(quiet.code).toBe(0);
    expect(quiet.out).toBe((await cli('features', 'examples/modadd', '--layer', '0', '--token', '3')).out);
  });
});

describe('model directories', () => {
  it.each([
    ['check', []],
    ['expand', ['--limit', '30']],
    ['expand', ['--format', 'json', '--max-degree', '2']],
  ])('%s %j reads examples/modadd as its one spec', async (command, flags) => {
    const viaDirectory = await cli(command, 'examples/modadd', ...flags);
    const viaFile = await cli(command, 'examples/modadd/modadd.pathsum', ...flags);
    expect(viaDirectory.code).toBe(0);
    expect(viaDirectory).toEqual(viaFile);
  });

  it('latex writes the same document for the directory and its spec', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pathsum-'));
    const [a, b] = [join(dir, 'a.tex'), join(dir, 'b.tex')];
    expect((await cli('latex', 'examples/induction', '-o', a)).code).toBe(0);
    expect((await cli('latex', 'examples/induction/induction.pathsum', '-o', b)).code).toBe(0);
    expect(readFileSync(a, 'utf8')).toBe(readFileSync(b, 'utf8'));
  });

  it('a directory without exactly one spec is one line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pathsum-'));
    const message = (n: number) =>
      `pathsum: ${dir}: a model directory must hold exactly one .pathsum spec, found ${n}\n`;
    for (const args of [
      ['check', dir],
      ['expand', dir],
      ['latex', dir, '-o', join(dir, 'x.tex')],
    ])
      expect(await cli(...args)).toEqual({ code: 1, out: '', err: message(0) });
    writeFileSync(join(dir, 'a.pathsum'), '');
    writeFileSync(join(dir, 'b.pathsum'), '');
    expect((await cli('expand', dir)).err).toBe(message(2));
  });
});
