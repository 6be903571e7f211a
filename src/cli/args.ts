// Flag parsing for every command: node's parseArgs, strict, with mistakes as one-line UserErrors.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UserError } from '../errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed<T> {
  readonly values: T;
  readonly positionals: string[];
}

export function parseFlags<T>(command: string, args: string[], options: Options): Parsed<T> {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: { help: { type: 'boolean', short: 'h' }, ...options },
      allowPositionals: true,
      strict: true,
    });
    return { values: values as T, positionals };
  } catch (error) {
    throw new UserError(`${command}: ${(error as Error).message.split(/\.\s|\n/)[0]!}`);
  }
}

export function integerFlag(command: string, name: string, value: string | undefined, min = 0): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[0-9]+$/.test(value) || Number(value) < min)
    throw new UserError(`${command}: --${name} must be an integer ≥ ${min}, found '${value}'`);
  return Number(value);
}
