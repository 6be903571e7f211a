// The `pathsum` command: a table of subcommands, each loaded only when used (so `check` never
// loads tfjs). A UserError is printed as it is (exit 1); anything else is a bug in pathsum (exit 2).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { nearest } from '../language/error.js';
import { type Command, type Io, processIo } from './io.js';
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
  verify: {
    summary: 'property-test Σ terms = forward pass, weight mode, rewrite rules and identities',
    load: () => import('./verify.js'),
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
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(usage());
    return name === undefined ? 1 : 0;
  }
  if (name === '--version' || name === '-v') {
    io.stdout(`${version()}\n`);
    return 0;
  }
  const entry = commands[name];
  if (!entry) {
    const guess = nearest(name, Object.keys(commands));
    io.stderr(
      `pathsum: unknown command '${name}'${guess ? ` (did you mean '${guess}'?)` : ''}; see 'pathsum --help'\n`,
    );
    return 1;
  }
  try {
    return await (await entry.load()).run(args, io);
  } catch (error) {
    if (error instanceof UserError) {
      io.stderr(`pathsum: ${error.message}\n`);
      return 1;
    }
    if (process.env.PATHSUM_DEBUG) throw error;
    io.stderr(
      `pathsum: internal error: ${(error as Error).message ?? String(error)} (a bug in pathsum; PATHSUM_DEBUG=1 shows the stack)\n`,
    );
    return 2;
  }
}

function version(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
