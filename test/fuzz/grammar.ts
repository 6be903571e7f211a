// A grammar of pathsum command lines for fast-check. The flags come from each command's own --help
// (and whether a flag takes a value from the CLI's answer to `--flag=x`), so the generator follows the
// CLI as it grows; the values come from ./values.ts. A few combinations are kept cheap by construction
// (verify runs once, start never gets past its flags, latex of a large model is limited): see affordable.
import fc from 'fast-check';
import { memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import type { Fixtures } from './harness.js';
import { junk, specs, values } from './values.js';

export const COMMANDS = [
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
] as const;
type Command = (typeof COMMANDS)[number];

export interface Flag {
  readonly name: string;
  readonly takesValue: boolean;
  readonly short?: string;
}

export interface Syntax {
  readonly flags: readonly Flag[];
  /** What the usage line asks for outside brackets: each group lists alternatives (`(--token C | --direction F)`). */
  readonly required: readonly (readonly string[])[];
}

export type Grammar = ReadonlyMap<Command, Syntax>;

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIo();
  const code = await main(argv, io);
  return { code, out: io.out(), err: io.err() };
}

/**
 * Every flag a command's --help names, long (`--limit`) or short only (`-o`), and whether it takes a value:
 * the command itself answers, since a boolean refuses `--flag=x` while a flag with a value takes it and the
 * parse then fails at the next, unknown flag.
 */
export async function readGrammar(): Promise<Grammar> {
  const grammar = new Map<Command, Syntax>();
  for (const command of COMMANDS) {
    const help = await cli([command, '--help']);
    if (help.code !== 0) throw new Error(`pathsum ${command} --help failed: ${help.err}`);
    const names = new Set([...help.out.matchAll(/(?<![\w-])--([a-z][a-z-]*[a-z])/g)].map(m => m[1]!));
    const shorts = new Map<string, string>();
    for (const [, letter] of help.out.matchAll(/(?<![\w-])-([a-zA-Z])(?![\w-])/g)) {
      // a short boolean would run the command: only a flag that wants a value is asked its long name
      const wantsValue = (await cli([command, `-${letter}`, '--zz-not-a-flag'])).err.includes('needs a value');
      const long = wantsValue && /--([a-z-]+) needs a value/.exec((await cli([command, `-${letter}`])).err)?.[1];
      if (long) shorts.set(long, letter!);
      if (long) names.add(long);
    }
    const flags: Flag[] = [];
    for (const name of names) {
      const { err } = await cli([command, `--${name}=x`, '--zz-not-a-flag']);
      if (err.includes(`unknown option '--${name}'`)) continue; // named in prose only
      const short = shorts.get(name);
      flags.push({ name, takesValue: !err.includes('takes no value'), ...(short ? { short } : {}) });
    }
    grammar.set(command, { flags, required: required(help.out, shorts) });
  }
  return grammar;
}

/** The flags of the first usage line outside `[…]`; `(a | b)` is one group of alternatives. */
function required(help: string, shorts: ReadonlyMap<string, string>): string[][] {
  const usage = help.split('\n')[0]!.replace(/\[[^\]]*\]/g, '');
  const long = (flag: string) =>
    flag.startsWith('--') ? flag.slice(2) : [...shorts].find(([, letter]) => letter === flag.slice(1))?.[0];
  const flagsOf = (text: string) =>
    [...text.matchAll(/(?<![\w-])--?[a-zA-Z][a-z-]*/g)].map(m => long(m[0])).filter(f => f !== undefined);
  const groups = [...usage.matchAll(/\(([^)]*)\)/g)].map(m => m[1]!.split('|').flatMap(flagsOf));
  return [...flagsOf(usage.replace(/\([^)]*\)/g, '')).map(f => [f]), ...groups];
}

/** One flag as a user might write it: with its value, `=value`, its short form, or its value forgotten. */
function flagWords(flag: Flag, value: fc.Arbitrary<string>): fc.Arbitrary<string[]> {
  const long = `--${flag.name}`;
  if (!flag.takesValue)
    return fc.oneof(
      { weight: 15, arbitrary: fc.constant<string[]>([long]) },
      value.map(v => [`${long}=${v}`]),
    );
  const forms = [
    { weight: 16, arbitrary: value.map(v => [long, v]) },
    { weight: 4, arbitrary: value.map(v => [`${long}=${v}`]) },
    { weight: 1, arbitrary: fc.constant<string[]>([long]) },
  ];
  if (flag.short) forms.push({ weight: 3, arbitrary: value.map(v => [`-${flag.short}`, v]) });
  return fc.oneof(...forms);
}

function commandArgs(grammar: Grammar, fx: Fixtures, command: Command): fc.Arbitrary<string[]> {
  const valuesOf = values(fx);
  const { flags, required } = grammar.get(command)!;
  const named = (name: string) => flags.find(f => f.name === name)!;
  // --model is right only for its own spec: rarely chosen, so that most lines get past it
  const flag = fc
    .oneof(...flags.map(f => ({ weight: f.name === 'model' ? 1 : 4, arbitrary: fc.constant(f) })))
    .chain(f => flagWords(f, valuesOf(command, f.name)));
  const needed = fc.tuple(
    ...required.map(group =>
      fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom(...group).chain(f => flagWords(named(f), valuesOf(command, f))) },
        { weight: 1, arbitrary: fc.constant<string[]>([]) },
      ),
    ),
  );
  const someFlags = fc.oneof(fc.array(flag, { maxLength: 3 }), fc.array(flag, { maxLength: 8 }));
  const cheap = ['eval', 'verify', 'features', 'start', 'trace', 'circuits', 'report'].includes(command);
  const positionals = fc.array(specs(fx, cheap), {
    minLength: command === 'start' ? 0 : 1,
    maxLength: command === 'check' ? 3 : 1,
  });
  const extra = fc.oneof(
    { weight: 15, arbitrary: fc.constant([]) },
    { weight: 1, arbitrary: fc.array(fc.oneof(junk, specs(fx, cheap)), { minLength: 1, maxLength: 2 }) },
  );
  const chunks = fc
    .tuple(positionals, needed, someFlags, extra)
    .map(([specs, needs, flags, words]) => [...specs.map(s => [s]), ...needs, ...flags, ...words.map(w => [w])]);
  const shuffled = chunks.chain(c => fc.shuffledSubarray(c, { minLength: c.length, maxLength: c.length }));
  return shuffled.chain(c => affordable(command, c.flat()));
}

/**
 * The command line made cheap without losing what it tests: verify runs once unless --runs says otherwise
 * (its values are small), a task makes two sequences unless --count says otherwise (its values are small
 * too), and start always ends in a flag that stops it before its 20-second tour.
 */
function affordable(command: Command, args: string[]): fc.Arbitrary<string[]> {
  if (command === 'verify' && !args.some(a => a.startsWith('--runs'))) return fc.constant([...args, '--runs', '1']);
  if (args.some(a => a.startsWith('--task')) && !args.some(a => a.startsWith('--count')))
    return fc.constant([...args, '--count', '2']);
  if (command !== 'start') return fc.constant(args);
  const stop = fc.constantFrom(['--help'], ['--no-such-flag'], ['--backend', 'webgl'], ['-o'], ['--quiet=yes']);
  return stop.map(s => [...args.filter(a => a !== '--'), ...s]);
}

/** A whole command line: mostly a command with flags, sometimes help, version, or no command at all. */
export function commandLine(grammar: Grammar, fx: Fixtures): fc.Arbitrary<string[]> {
  const command = fc.constantFrom(...COMMANDS).chain(c => commandArgs(grammar, fx, c).map(args => [c, ...args]));
  const words = fc.array(junk, { maxLength: 2 });
  return fc.oneof(
    { weight: 20, arbitrary: command },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom('--help', '-h', '--version', '-v', 'help'), words).map(([h, w]) => [h, ...w]),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.oneof(fc.constantFrom(...COMMANDS, 'nope'), junk), words)
        .map(([c, w]) => ['help', c, ...w]),
    },
    { weight: 1, arbitrary: fc.tuple(junk, words).map(([c, w]) => [c, ...w]) },
    { weight: 1, arbitrary: fc.constant<string[]>([]) },
  );
}
