// The example specs, mutated at random (characters and tokens inserted, deleted, replaced):
// compile either returns models or throws a UserError (a SpecError with its location) whose
// message is a few short lines with no raw control character.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { compile, SpecError } from '../../src/model/spec.js';

const examples = readdirSync('examples', { withFileTypes: true }).flatMap(entry =>
  entry.isDirectory()
    ? readdirSync(join('examples', entry.name))
        .filter(f => f.endsWith('.pathsum'))
        .map(f => join('examples', entry.name, f))
    : entry.name.endsWith('.pathsum')
      ? [join('examples', entry.name)]
      : [],
);
const texts = examples.map(f => readFileSync(f, 'utf8'));

const character = fc.oneof(
  fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }),
  fc.constantFrom('\n', '\t', '\r', '"', '\\', '{', '}', ';', '#', '\x00', '\x1b', '\x7f', '\u0085'),
  fc.constantFrom('\ufeff', '\u200b', '\u202e', '\u2028', 'é', '名', '😀', '⊗', '\ud800'),
);
const token = fc.constantFrom(
  'model m {',
  'layer {',
  'layers 300000 {',
  'layers 10000 {',
  'layers 1073741824 {',
  '}',
  'attention heads 2 size 4',
  'bilinear hidden 4 bias',
  'norm rms',
  'rename embed.W_E "x"',
  'rename embed.W_E "a\\x41"',
  'rename embed.W_E "\\u12"',
  'rename embed.W_E "\\ud800"',
  '"unclosed',
  `"${'n'.repeat(2000)}"`,
  '99999999999999999999999',
  '\x1b[31m',
  '{'.repeat(20),
  'x'.repeat(5000),
);
const piece = fc.oneof(character, token);

type Mutation = { at: number; kind: 'insert' | 'delete' | 'replace'; piece: string; length: number };
const mutation: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(),
  kind: fc.constantFrom('insert' as const, 'delete' as const, 'replace' as const),
  piece,
  length: fc.integer({ min: 1, max: 12 }),
});

function mutate(text: string, m: Mutation): string {
  const at = m.at % (text.length + 1);
  if (m.kind === 'insert') return text.slice(0, at) + m.piece + text.slice(at);
  if (m.kind === 'delete') return text.slice(0, at) + text.slice(at + m.length);
  return text.slice(0, at) + m.piece + text.slice(at + m.length);
}

describe('mutated example specs', () => {
  it('have examples to mutate', () => expect(texts.length).toBeGreaterThanOrEqual(6));

  it('compile, or fail with a short, located, printable message', () => {
    fc.assert(
      fc.property(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 6 }), (k, mutations) => {
        const text = mutations.reduce(mutate, texts[k % texts.length]!);
        try {
          expect(Array.isArray(compile(text, 'fuzz.pathsum'))).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(UserError);
          const message = (error as UserError).message;
          expect(message).not.toMatch(/(?!\n)[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u);
          const lines = message.split('\n');
          expect(lines.length).toBeLessThanOrEqual(4);
          for (const line of lines) expect(line.length).toBeLessThanOrEqual(420);
          if (error instanceof SpecError) expect(lines[0]).toMatch(/^fuzz\.pathsum:\d+:\d+: \S/);
        }
      }),
      { numRuns: 400 },
    );
  });
});

// The grammar conses its lists (grammar/spec.ne): long files and long lines cost linear time.
describe('long inputs', () => {
  const model = (body: string) => `model m {\n  vocab 8; context 4; width 4\n  embed\n${body}\n  unembed\n}\n`;

  it('a spec of 500,000 blank lines and comments compiles', () => {
    expect(compile(model('\n# c\n;'.repeat(500_000)))).toHaveLength(1);
  });

  it('a statement of 20,000 arguments and a body of 20,000 statements are located errors', () => {
    expect(() => compile(model(`  vocab${' 1'.repeat(20_000)}`))).toThrow("unexpected '1' after 'vocab'");
    expect(() => compile(model('  embed\n'.repeat(20_000)))).toThrow("'embed' is given twice");
  });
});
