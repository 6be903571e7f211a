// The `pathsum` command: a table of subcommands, each loaded only when used (so `check` never
// loads tfjs). A UserError is printed as it is (exit 1); a reader that closes stdout stops the
// command quietly (exit 141, as for any tool stopped by SIGPIPE); anything else is a bug (exit 2).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { nearest } from '../language/error.js';
import { show, visible } from '../language/visible.js';
import { explain } from './explain-error.js';
import { type Command, type Io, OUTPUT_CLOSED_STATUS, OutputClosed, processIo } from './io.js';
import { packageRoot } from './package-root.js';

interface Entry {
  readonly summary: string;
  readonly load: () => Promise<{ run: Command }>;
}

const commands: Record<string, Entry> = {
  start: { summary: 'the tour: a bundled model expanded, evaluated and verified', load: () => import('./start.js') },
  check: {
    summary: 'parse and check specs; summarize layers, parameters and term counts',
    load: () => import('./check.js'),
  },
  expand: { summary: "print a model's path terms as text, LaTeX or JSON", load: () => import('./expand.js') },
  latex: { summary: 'write the expansion as a standalone LaTeX document', load: () => import('./latex.js') },
  features: {
    summary: "a bilinear layer's interaction matrices: eigenvectors as token features, truncation",
    load: () => import('./features.js'),
  },
  eval: {
    summary: 'evaluate every term on a token sequence; rank them by contribution to a logit',
    load: () => import('./eval.js'),
  },
  circuits: {
    summary: "every head's OV and QK circuits (eigenvalues, copying scores) and composition scores",
    load: () => import('./circuits.js'),
  },
  verify: {
    summary: 'property-test Σ terms = forward pass, weight mode, rewrite rules and identities',
    load: () => import('./verify.js'),
  },
  trace: {
    summary: 'explain one logit exactly at any depth: a best-first tree of partial paths',
    load: () => import('./trace.js'),
  },
  report: {
    summary: 'write a self-contained HTML report: contributions, terms, attention, bilinear layers, checks',
    load: () => import('./report.js'),
  },
  import: {
    summary: 'print the spec of a Hugging Face folder (config.json + model.safetensors)',
    load: () => import('./import.js'),
  },
};

const usage = () =>
  `${[
    'usage: pathsum COMMAND [options]',
    '',
    'commands:',
    ...Object.entries(commands).map(([name, e]) => `  ${name.padEnd(10)} ${e.summary}`),
    '',
    "Run 'pathsum COMMAND --help' for a command's options. Docs: docs/ in the package.",
  ].join('\n')}\n`;

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (error) {
    return report(error, io);
  }
}

async function dispatch([name, ...args]: string[], io: Io): Promise<number> {
  if (name === undefined) {
    io.stderr(usage());
    return 1;
  }
  if (name === '--help' || name === '-h' || (name === 'help' && (args.length === 0 || args[0] === '--help'))) {
    io.stdout(usage());
    return 0;
  }
  if (name === '--version' || name === '-v') {
    io.stdout(`${version()}\n`);
    return 0;
  }
  // `pathsum help expand` is `pathsum expand --help`
  if (name === 'help') return (await command(args[0]!).load()).run(['--help'], io);
  return (await command(name).load()).run(args, io);
}

function command(name: string): Entry {
  // own entries only: `pathsum constructor` is not Object.prototype.constructor
  if (Object.hasOwn(commands, name)) return commands[name]!;
  const guess = nearest(name, Object.keys(commands));
  throw new UserError(
    `unknown command '${show(name)}'${guess ? ` (did you mean '${guess}'?)` : ''}; see 'pathsum --help'`,
  );
}

/** A UserError is one line and exit 1; a closed stdout is a quiet stop; anything else is a bug in pathsum. */
function report(error: unknown, io: Io): number {
  if (error instanceof OutputClosed) return OUTPUT_CLOSED_STATUS;
  if (error instanceof UserError) {
    io.stderr(`pathsum: ${plain(explain(error))}\n`);
    return 1;
  }
  if (process.env.PATHSUM_DEBUG) throw error;
  const message = (error as Error).message ?? String(error);
  io.stderr(`pathsum: internal error: ${message} (a bug in pathsum; PATHSUM_DEBUG=1 shows the stack)\n`);
  return 2;
}

/**
 * A message may quote what the user typed (a flag's value, a file name): escaped here once more, line by
 * line, so that no control character or escape sequence reaches the terminal raw, wherever it was quoted.
 */
const plain = (message: string) => message.split('\n').map(visible).join('\n');

function version(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
