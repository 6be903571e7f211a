// What the grammar produces for a spec: generic statements, before parse.ts gives them meaning.
import type { Token } from 'moo';

export type RawArg = Token;

export interface RawStatement {
  readonly keyword: Token;
  readonly args: readonly RawArg[];
  /** The braced body, or null when the statement has none. */
  readonly body: readonly RawStatement[] | null;
}
