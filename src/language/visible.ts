// Text from a spec as an error message may show it: a message is printed to a terminal, so a
// control character, an escape sequence or an invisible character from the spec must never reach
// it raw, and a token or line from the spec must never flood it.

/** Controls, format characters (U+200B, U+FEFF, bidi overrides), separators other than ' ', surrogates. */
const INVISIBLE = /[\p{C}\p{Z}]/u;

export function isInvisible(char: string): boolean {
  return char !== ' ' && INVISIBLE.test(char);
}

/** `U+200B`: how a message names one invisible character. */
export function codePoint(char: string): string {
  return `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** One character as a message shows it: itself, `\x1b` for a control byte, `\u200b` for the rest. */
export function visibleChar(char: string): string {
  if (!isInvisible(char)) return char;
  const code = char.codePointAt(0)!;
  if (code < 0x100) return `\\x${code.toString(16).padStart(2, '0')}`;
  return code < 0x10000 ? `\\u${code.toString(16).padStart(4, '0')}` : `\\u{${code.toString(16)}}`;
}

/** Every invisible character of `text` escaped. */
export function visible(text: string): string {
  let out = '';
  for (const char of text) out += visibleChar(char);
  return out;
}

/** User text quoted in a message: escaped, and cut to `max` characters with a '…'. */
export function show(text: string, max = 40): string {
  const chars = [...text.slice(0, 2 * max + 2)];
  return chars.length > max ? `${visible(chars.slice(0, max - 1).join(''))}…` : visible(text);
}
