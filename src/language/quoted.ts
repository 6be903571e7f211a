// Quoted names in a spec (`rename KEY "tok_embeddings.weight"`). Between the quotes any visible
// character stands for itself; the only escapes are \\ \" \n \t and \uXXXX (a character beyond
// U+FFFF as a surrogate pair of two \u escapes). Invisible characters (controls, U+200B, …) must
// be escaped, so a spec never hides part of a name. `quote` writes exactly what `unquote` reads.
import { codePoint, isInvisible, visibleChar } from './visible.js';

/** Names longer than this are refused; the lexer's string rule bounds its escapes by the same. */
export const NAME_LIMIT = 1024;

const SIMPLE = new Map([
  ['\\', '\\'],
  ['"', '"'],
  ['n', '\n'],
  ['t', '\t'],
]);
const ESCAPED = new Map([...SIMPLE].map(([letter, char]) => [char, `\\${letter}`]));
const ESCAPES_HINT = 'the escapes are \\\\ \\" \\n \\t and \\uXXXX';

/** A mistake inside a quoted name: what is wrong, and its offset from the opening quote. */
export class QuoteError extends Error {
  constructor(
    readonly reason: string,
    readonly offset: number,
    readonly hint?: string,
  ) {
    super(reason);
  }
}

/** The name a string token stands for (`text` includes its quotes). Throws QuoteError. */
export function unquote(text: string): string {
  let out = '';
  let i = 1;
  for (let length = 0; i < text.length - 1; length++) {
    if (length === NAME_LIMIT) throw new QuoteError(`a quoted name longer than ${NAME_LIMIT} characters`, 0);
    const [value, width] = text[i] === '\\' ? escapeAt(text, i) : plain(text, i);
    out += value;
    i += width;
  }
  return out;
}

function plain(text: string, i: number): [string, number] {
  const char = String.fromCodePoint(text.codePointAt(i)!);
  if (isInvisible(char)) {
    const hint = /[\ud800-\udfff]/.test(char) ? undefined : `write it as ${escaped(char)}`;
    throw new QuoteError(`a quoted name holds the invisible character ${codePoint(char)}`, i, hint);
  }
  return [char, char.length];
}

/** The escape at text[i] (a backslash): the characters it stands for and its length. */
function escapeAt(text: string, i: number): [string, number] {
  const letter = String.fromCodePoint(text.codePointAt(i + 1)!);
  const simple = SIMPLE.get(letter);
  if (simple !== undefined) return [simple, 2];
  if (letter !== 'u')
    throw new QuoteError(`unknown escape '\\${visibleChar(letter)}' in a quoted name`, i, ESCAPES_HINT);
  const high = hex4(text, i);
  if (high < 0xd800 || high > 0xdfff) return [String.fromCharCode(high), 6];
  const low = text.startsWith('\\u', i + 6) ? hex4(text, i + 6) : -1;
  if (high > 0xdbff || low < 0xdc00 || low > 0xdfff)
    throw new QuoteError(
      `'\\u${text.slice(i + 2, i + 6)}' is half of a surrogate pair`,
      i,
      'write the character itself, or both halves, as in \\ud83d\\ude00',
    );
  return [String.fromCharCode(high, low), 12];
}

function hex4(text: string, i: number): number {
  const digits = text.slice(i + 2, i + 6);
  if (!/^[0-9A-Fa-f]{4}$/.test(digits))
    throw new QuoteError("'\\u' needs exactly four hexadecimal digits", i, 'write \\u00e9 for é');
  return Number.parseInt(digits, 16);
}

/** Why the lexer read no string at the '"' that starts `rest`: too many escapes, or no closing quote. */
export function unreadQuote(rest: string): string {
  const end = rest.indexOf('\n');
  const line = end < 0 ? rest : rest.slice(0, end);
  for (let i = 1; i < line.length; i++) {
    if (line[i] === '\\') i++;
    else if (line[i] === '"') return `a quoted name longer than ${NAME_LIMIT} characters`;
  }
  return 'a quoted name is not closed before the end of the line';
}

/** A name as a quoted string that `unquote` reads back. */
export function quote(name: string): string {
  let out = '"';
  for (const char of name) out += escaped(char);
  return `${out}"`;
}

function escaped(char: string): string {
  return ESCAPED.get(char) ?? (isInvisible(char) ? unicodeEscape(char) : char);
}

/** `\u200b`, or a surrogate pair `\ud83d\ude00` beyond U+FFFF. */
function unicodeEscape(char: string): string {
  const unit = (k: number) => `\\u${char.charCodeAt(k).toString(16).padStart(4, '0')}`;
  return char.length === 1 ? unit(0) : unit(0) + unit(1);
}
