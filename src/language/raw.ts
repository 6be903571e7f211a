// What the grammar produces for a spec: generic statements, before parse.ts gives them meaning.
// The grammar builds its lists by consing, newest element first (grammar/spec.ne says why);
// `rawStatements` turns the one chosen parse into arrays.
import type { Token } from 'moo';

export type RawArg = Token;

export interface RawStatement {
  readonly keyword: Token;
  readonly args: readonly RawArg[];
  /** The braced body, or null when the statement has none. */
  readonly body: readonly RawStatement[] | null;
}

/** A list as the grammar builds it: its last element and the list before it. */
export type Consed<T> = { readonly last: T; readonly before: Consed<T> } | null;

export interface GrammarStatement {
  readonly keyword: Token;
  readonly args: Consed<Token>;
  readonly body: { readonly content: Consed<GrammarStatement> } | null;
}

export function cons<T>(last: T, before: Consed<T>): Consed<T> {
  return { last, before };
}

function toArray<T>(list: Consed<T>): T[] {
  const items: T[] = [];
  for (let l = list; l; l = l.before) items.push(l.last);
  return items.reverse();
}

/** The statements of a parse as arrays. Bodies nest at most MAX_NESTING deep (parse.ts checks). */
export function rawStatements(content: Consed<GrammarStatement>): RawStatement[] {
  return toArray(content).map(s => ({
    keyword: s.keyword,
    args: toArray(s.args),
    body: s.body ? rawStatements(s.body.content) : null,
  }));
}
