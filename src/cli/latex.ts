// `pathsum latex SPEC -o FILE.tex`: the expansion as a standalone document (amsmath only).
import { countTerms, formatTotal } from '../model/count.js';
import { expand } from '../model/expand.js';
import { UserError } from '../errors.js';
import { latexDocument } from '../render/latex-document.js';
import { formatTerm } from '../model/term-formula.js';
import { loadSpec, resolveSpecPath } from '../model/spec.js';
import { visible } from '../language/visible.js';
import { integerFlag, parseFlags } from './args.js';
import type { Io } from './io.js';
import { selection, selectionFlags, type SelectionValues } from './selection.js';
import { writeAtomically } from './write-file.js';

const HELP = `usage: pathsum latex SPEC -o FILE.tex [--model NAME] [--limit N] [--max-degree K] [--layers …]
                    [--ablate …]

Writes a standalone LaTeX document (amsmath only) listing the simplified path terms, one per line.
At most 2000 terms unless --limit says otherwise; the document says how many were left out.
SPEC is a .pathsum file, or a model directory holding one (as examples/modadd). FILE must end in
.tex; it is replaced whole (never half-written), and only if it is a regular file.
`;

interface Values extends SelectionValues {
  output?: string;
  model?: string;
  limit?: string;
  help?: boolean;
}

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags<Values>('latex', args, {
    output: { type: 'string', short: 'o' },
    model: { type: 'string' },
    limit: { type: 'string' },
    ...selectionFlags,
  });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  if (positionals.length !== 1)
    throw new UserError(
      `latex takes one spec file or model directory, found ${positionals.length}; see 'pathsum latex --help'`,
    );
  if (!values.output) throw new UserError('latex: name the output file with -o FILE.tex');
  if (!values.output.endsWith('.tex'))
    throw new UserError(`latex: the output file must end in .tex, found '${values.output}'`);
  const arch = loadSpec(resolveSpecPath(positionals[0]!), { model: values.model });
  const options = selection('latex', arch, values);
  const limit = integerFlag('latex', 'limit', values.limit, 1) ?? 2000;
  const latex: string[] = [];
  for (const t of expand(arch, options)) {
    if (latex.length >= limit) break;
    latex.push(formatTerm(t, arch, 'latex'));
  }
  const total = countTerms(arch, options).total;
  const omitted =
    'exact' in total
      ? total.exact > BigInt(latex.length)
        ? (total.exact - BigInt(latex.length)).toString()
        : null
      : formatTotal(total);
  writeAtomically(values.output, latexDocument(arch, { latex, omitted }));
  io.stderr(`wrote ${visible(values.output)}: ${latex.length} terms${omitted ? ` (${omitted} more left out)` : ''}\n`);
  return 0;
}
