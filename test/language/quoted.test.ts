// Quoted names and what error messages show of spec text: laws, not examples.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { excerpt } from '../../src/language/excerpt.js';
import { NAME_LIMIT, QuoteError, quote, unquote } from '../../src/language/quoted.js';
import { isInvisible, show, visible, visibleChar } from '../../src/language/visible.js';

const anyName = fc.string({ unit: 'binary', maxLength: 40 });
const INVISIBLE_RAW = /(?![ ])[\p{C}\p{Z}]/u;

describe('quoted names', () => {
  it('unquote(quote(name)) = name, and quote writes no invisible character', () => {
    fc.assert(
      fc.property(anyName, name => {
        expect(unquote(quote(name))).toBe(name);
        expect(quote(name)).not.toMatch(INVISIBLE_RAW);
      }),
      { numRuns: 500 },
    );
  });

  it.each([
    ['"plain"', 'plain'],
    ['"tok_embeddings.weight"', 'tok_embeddings.weight'],
    ['"a\\\\b"', 'a\\b'],
    ['"say \\"hi\\""', 'say "hi"'],
    ['"line\\nbreak\\ttab"', 'line\nbreak\ttab'],
    ['"\\u00e9\\u00C9"', 'éÉ'],
    ['"\\ud83d\\ude00"', '😀'],
    ['"é😀"', 'é😀'],
  ])('%s is %j', (text, name) => expect(unquote(text)).toBe(name));

  it.each([
    ['"a\\x41"', 2, "unknown escape '\\x' in a quoted name"],
    ['"\\r"', 1, "unknown escape '\\r' in a quoted name"],
    ['"\\0"', 1, "unknown escape '\\0' in a quoted name"],
    ['"\\u12"', 1, "'\\u' needs exactly four hexadecimal digits"],
    ['"\\u12g4"', 1, "'\\u' needs exactly four hexadecimal digits"],
    ['"\\udc00"', 1, "'\\udc00' is half of a surrogate pair"],
    ['"ab\\ud83d"', 3, "'\\ud83d' is half of a surrogate pair"],
    ['"\t"', 1, 'a quoted name holds the invisible character U+0009'],
    ['"x\u202e"', 2, 'a quoted name holds the invisible character U+202E'],
    [`"${'a'.repeat(NAME_LIMIT + 1)}"`, 0, `a quoted name longer than ${NAME_LIMIT} characters`],
  ])('%s is refused at offset %i', (text, offset, reason) => {
    let caught: unknown;
    try {
      unquote(text);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(QuoteError);
    expect({ offset: (caught as QuoteError).offset, reason: (caught as QuoteError).reason }).toEqual({
      offset,
      reason,
    });
  });

  it(`accepts a name of exactly ${NAME_LIMIT} characters`, () => {
    expect(unquote(`"${'é'.repeat(NAME_LIMIT)}"`)).toHaveLength(NAME_LIMIT);
  });
});

describe('spec text in messages', () => {
  it('visible() leaves no invisible character and changes nothing else', () => {
    fc.assert(
      fc.property(anyName, text => {
        expect(visible(text)).not.toMatch(INVISIBLE_RAW);
        if (![...text].some(isInvisible)) expect(visible(text)).toBe(text);
      }),
    );
    expect(visible('a\x1b[31m\u200b\ufeff\u{e0001}b')).toBe('a\\x1b[31m\\u200b\\ufeff\\u{e0001}b');
  });

  it('show() cuts long text to its limit with a …', () => {
    expect(show('x'.repeat(400_000))).toBe(`${'x'.repeat(39)}…`);
    expect(show('x'.repeat(40))).toBe('x'.repeat(40));
  });

  // ASCII, controls, invisible characters and a tab, each one cell wide or escaped
  const char = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom('a', 'b', ' ', '{', '"') },
    fc.constantFrom('\x1b', '\x00', '\u200b', '\ufeff', '\t', '\x7f'),
  );
  const line = fc.array(char, { minLength: 1, maxLength: 400 }).map(cs => cs.join(''));

  it('the quoted line is a window of at most 80 columns, and the caret is under the character at fault', () => {
    fc.assert(
      fc.property(line, fc.nat(), (text, k) => {
        const col = (k % text.length) + 1;
        const { shown, caret } = excerpt(text, col);
        expect(shown).not.toMatch(INVISIBLE_RAW);
        expect(shown.replace(/…/g, '').length).toBeLessThanOrEqual(80);
        const at = text[col - 1] === '\t' ? ' ' : visibleChar(text[col - 1]!);
        // every cell here is as wide as its text, so the caret's column is an index into `shown`
        expect(shown.slice(caret, caret + at.length)).toBe(at);
        if (text.length <= 80 && ![...text].some(c => c !== '\t' && isInvisible(c))) expect(caret).toBe(col - 1);
      }),
      { numRuns: 500 },
    );
  });

  it('wide characters take two columns under the caret', () => {
    expect(excerpt('名前 @', 4)).toEqual({ shown: '名前 @', caret: 5 });
  });
});
