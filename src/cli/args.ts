// Flag parsing for every command: node's parseArgs, strict, with mistakes as one-line UserErrors.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UserError } from '../errors.js';
import { nearest } from '../language/error.js';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed<T> {
  readonly values: T;
  readonly positionals: string[];
}

export function parseFlags<T>(command: string, args: string[], options: Options): Parsed<T> {
  const all: Options = { help: { type: 'boolean', short: 'h' }, ...options };
  try {
    const { values, positionals } = parseArgs({
      args: attachNegativeValues(command, args, all),
      options: all,
      allowPositionals: true,
      strict: true,
    });
    return { values: values as T, positionals };
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`${command}: ${describe(command, error as Error & { code?: string }, all)}`);
  }
}

/**
 * parseArgs reads `--max-degree -1` as a flag without its value ("ambiguous"); a negative number after a
 * flag that takes a value is that value, so it gets the flag's own range check. Any other `-…` there
 * means the value was forgotten.
 */
function attachNegativeValues(command: string, args: string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') return [...out, ...args.slice(i)];
    const name = flagName(arg, options);
    const next = args[i + 1];
    const takesValue = name !== undefined && options[name]!.type === 'string';
    if (!takesValue || next === undefined || next.length < 2 || !next.startsWith('-')) {
      out.push(arg);
    } else if (/^-[0-9.]/.test(next)) {
      out.push(`--${name}=${next}`);
      i++;
    } else {
      throw new UserError(
        `${command}: ${arg} needs a value, found the option '${next}' (write --${name}=${next} if that is the value)`,
      );
    }
  }
  return out;
}

/** The option an argument names exactly (`--layers`, `-o`), without an attached `=value`. */
function flagName(arg: string, options: Options): string | undefined {
  if (arg.startsWith('--') && Object.hasOwn(options, arg.slice(2))) return arg.slice(2);
  if (/^-[^-]$/.test(arg)) return Object.keys(options).find(name => options[name]!.short === arg[1]);
  return undefined;
}

function describe(command: string, error: Error & { code?: string }, options: Options): string {
  const quoted = /'(-[^' ,]*)/.exec(error.message)?.[1];
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && quoted) {
    const guess = quoted.startsWith('--') ? nearest(quoted.slice(2), Object.keys(options)) : undefined;
    return `unknown option '${quoted}'${guess ? ` (did you mean --${guess}?)` : ''}; see 'pathsum ${command} --help'`;
  }
  if (error.message.includes('argument missing')) return `${long(quoted, options)} needs a value`;
  if (error.message.includes('does not take an argument')) return `${long(quoted, options)} takes no value`;
  return error.message.split(/\.\s|\n/)[0]!;
}

const long = (flag: string | undefined, options: Options) => {
  const short = flag?.length === 2 ? Object.keys(options).find(n => options[n]!.short === flag[1]) : undefined;
  return short ? `--${short}` : flag;
};

/** A non-negative integer flag in [min, max]; `found '…'` quotes the user's text. */
export function integerFlag(
  command: string,
  name: string,
  value: string | undefined,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^[0-9]+$/.test(value) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER && !(n > max) ? `≥ ${min}` : `from ${min} to ${max}`;
    throw new UserError(`${command}: --${name} must be an integer ${range}, found '${value}'`);
  }
  return n;
}

/** Seeds are 32-bit: a larger one would silently wrap around to a smaller seed's weights. */
export const MAX_SEED = 2 ** 32 - 1;

export function seedFlag(command: string, value: string | undefined): number | undefined {
  return integerFlag(command, 'seed', value, 0, MAX_SEED);
}
