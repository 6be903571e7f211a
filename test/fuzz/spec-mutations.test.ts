// Issue 14, kept fixed: the example specs, mutated at the level of their statements and tokens (swapped,
// duplicated, deleted; numbers replaced by 0, -1 or huge ones; keywords and stray characters inserted
// anywhere), go through `pathsum check` with exit 0 or 1 and, on an error, one message in the spec error
// format: `file:line:col: message`, the line quoted with a caret under the column, maybe a hint.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { visible } from '../../src/language/visible.js';
import { example, expectWellBehaved, runInProcess } from './harness.js';

/** A spec as lines of whitespace-separated tokens (braces, `;` and quoted names kept whole). */
type Spec = string[][];

const TOKEN = /"(?:[^"\\\n]|\\.)*"?|#.*|[{};]|[^\s{};"#]+/g;

const parse = (text: string): Spec => text.split('\n').map(line => line.match(TOKEN) ?? []);
const print = (spec: Spec): string => spec.map(line => line.join(' ')).join('\n');

const sources: readonly string[] = [
  ...readdirSync(example('')).filter(f => f.endsWith('.pathsum')),
  'modadd/modadd.pathsum',
  'induction/induction.pathsum',
].map(f => readFileSync(example(f), 'utf8'));

const KEYWORDS = [
  'model',
  'vocab',
  'context',
  'width',
  'embed',
  'positional',
  'unembed',
  'layer',
  'layers',
  'attention',
  'heads',
  'size',
  'bilinear',
  'hidden',
  'bias',
  'norm',
  'rms',
  'rename',
  '{',
  '}',
  ';',
  '"',
  '"x"',
  '#',
  '=',
];
const NUMBERS = ['0', '-1', '00', '1.5', '1e3', '0x10', '10001', '4294967296', '1073741824', '99999999999999999999'];

/** A mutation names its places by naturals, taken modulo what is there when it is applied. */
type Mutation =
  | { kind: 'swap-statements' | 'swap-arguments'; at: number; a: number; b: number }
  | { kind: 'duplicate-statement' | 'delete-statement' | 'join-lines'; at: number }
  | { kind: 'duplicate-argument' | 'delete-argument'; at: number; a: number }
  | { kind: 'replace-number'; at: number; a: number; value: string }
  | { kind: 'insert'; at: number; a: number; value: string };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constantFrom('swap-statements', 'swap-arguments'), at: fc.nat(), a: fc.nat(), b: fc.nat() }),
  fc.record({ kind: fc.constantFrom('duplicate-statement', 'delete-statement', 'join-lines'), at: fc.nat() }),
  fc.record({ kind: fc.constantFrom('duplicate-argument', 'delete-argument'), at: fc.nat(), a: fc.nat() }),
  fc.record({ kind: fc.constant('replace-number'), at: fc.nat(), a: fc.nat(), value: fc.constantFrom(...NUMBERS) }),
  fc.record({
    kind: fc.constant('insert'),
    at: fc.nat(),
    a: fc.nat(),
    value: fc.oneof(fc.constantFrom(...KEYWORDS), fc.string({ unit: 'binary', minLength: 1, maxLength: 2 })),
  }),
);

function mutate(spec: Spec, m: Mutation): Spec {
  const lines = spec.map(line => [...line]);
  const i = m.at % lines.length;
  const line = lines[i]!;
  const arg = (n: number) => n % Math.max(1, line.length);
  switch (m.kind) {
    case 'swap-statements': {
      const j = m.a % lines.length;
      [lines[i], lines[j]] = [lines[j]!, lines[i]!];
      return lines;
    }
    case 'duplicate-statement':
      return [...lines.slice(0, i + 1), [...line], ...lines.slice(i + 1)];
    case 'delete-statement':
      return lines.filter((_, k) => k !== i);
    case 'join-lines':
      return [...lines.slice(0, i), [...line, ...(lines[i + 1] ?? [])], ...lines.slice(i + 2)];
    case 'swap-arguments':
      if (line.length > 0) [line[arg(m.a)], line[arg(m.b)]] = [line[arg(m.b)]!, line[arg(m.a)]!];
      return lines;
    case 'duplicate-argument':
      if (line.length > 0) line.splice(arg(m.a), 0, line[arg(m.a)]!);
      return lines;
    case 'delete-argument':
      line.splice(arg(m.a), 1);
      return lines;
    case 'replace-number': {
      const numbers = line.flatMap((t, k) => (/^\d+$/.test(t) ? [k] : []));
      if (numbers.length > 0) line[numbers[m.a % numbers.length]!] = m.value;
      return lines;
    }
    case 'insert':
      line.splice(m.a % (line.length + 1), 0, m.value);
      return lines;
  }
}

const mutant = fc
  .tuple(
    fc.nat(sources.length - 1),
    fc.oneof(
      { weight: 3, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 2 }) },
      { weight: 1, arbitrary: fc.array(mutation, { minLength: 3, maxLength: 6 }) },
    ),
  )
  .map(([s, ms]) => print(ms.reduce(mutate, parse(sources[s]!))));

/** As in command-lines.test.ts: PATHSUM_FUZZ_SCALE=10 searches ten times longer. */
const SCALE = Number(process.env.PATHSUM_FUZZ_SCALE ?? 1);

const dir = mkdtempSync(join(tmpdir(), 'pathsum-fuzz-specs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('mutated example specs through `pathsum check`', () => {
  it('the tokenizer reads every example back to the same tokens', () => {
    for (const source of sources) expect(parse(print(parse(source)))).toEqual(parse(source));
  });

  it(
    'exit 0 or 1; an error is one located message: file:line:col, the line quoted, a caret',
    async () => {
      let n = 0;
      await fc.assert(
        fc.asyncProperty(mutant, async text => {
          const path = join(dir, `mutant-${n++}.pathsum`);
          writeFileSync(path, text);
          const outcome = await runInProcess(['check', path], dir);
          expectWellBehaved(outcome);
          if (outcome.code === 0) expect(outcome.out).toMatch(/^\S+ \(/);
          else expectSpecError(outcome.err, path, text);
        }),
        { numRuns: 600 * SCALE, interruptAfterTimeLimit: 12_000 * SCALE },
      );
    },
    30_000 * SCALE,
  );
});

/** `pathsum: FILE:L:C: message`, then (if the line is not blank) the line and a caret, then maybe a hint. */
function expectSpecError(err: string, path: string, text: string): void {
  const why = `${err}\n--- spec:\n${text}`;
  const [first, ...rest] = err.trimEnd().split('\n');
  const prefix = `pathsum: ${visible(path)}:`;
  expect(first!.startsWith(prefix), why).toBe(true);
  const located = /^(\d+):(\d+): \S/.exec(first!.slice(prefix.length));
  expect(located, why).not.toBeNull();
  expect(Number(located![1]), why).toBeLessThanOrEqual(text.split('\n').length);
  expect(rest.length, why).toBeLessThanOrEqual(3);
  for (const line of [first!, ...rest]) expect(line.length, why).toBeLessThan(500);
  const [quoted, caret] = rest;
  if (quoted !== undefined && !quoted.startsWith('hint: ')) {
    expect(quoted, why).toMatch(/^ {2}.*\S/);
    expect(caret, why).toMatch(/^ {2} *\^$/);
    expect(caret!.length - 1, why).toBeLessThanOrEqual(quoted.length);
  }
}
