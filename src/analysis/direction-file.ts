// The output direction a user chooses (a token's logit, or a vector from a file) and the file format
// of a vector: plain parsing, apart from the weights, so the CLI checks it before loading them.
import { readFileSync } from 'node:fs';
import { UserError } from '../errors.js';
import { describeErrno } from '../files.js';

export type DirectionChoice =
  | { readonly kind: 'token'; readonly token: number }
  | { readonly kind: 'vector'; readonly vector: readonly number[]; readonly source: string };

/** A direction file: a JSON array of numbers, or numbers separated by whitespace or commas. */
export function readDirectionFile(path: string): DirectionChoice {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UserError(`${path}: cannot read the direction (${describeErrno(error)})`);
  }
  return { kind: 'vector', vector: parseDirection(text, path), source: path };
}

export function parseDirection(text: string, source: string): number[] {
  const trimmed = text.trim();
  let values: unknown[];
  if (trimmed.startsWith('[')) {
    try {
      values = JSON.parse(trimmed) as unknown[];
    } catch {
      throw new UserError(`${source}: the direction is not valid JSON`);
    }
    if (!Array.isArray(values)) throw new UserError(`${source}: the direction must be a JSON array of numbers`);
  } else {
    values = trimmed === '' ? [] : trimmed.split(/[\s,]+/).map(w => (/^[-+0-9.eE]+$/.test(w) ? Number(w) : w));
  }
  const bad = values.findIndex(v => typeof v !== 'number' || !Number.isFinite(v));
  if (bad >= 0)
    throw new UserError(
      `${source}: entry ${bad} of the direction is not a finite number (${JSON.stringify(values[bad])})`,
    );
  if (values.length === 0) throw new UserError(`${source}: the direction is empty`);
  return values as number[];
}
