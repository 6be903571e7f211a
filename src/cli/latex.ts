// `pathsum latex SPEC -o FILE.tex`: the expansion as a standalone document (amsmath only, docs/latex.md),
// chosen as `expand` chooses its terms; with --tokens, the largest terms by contribution, each beside it.
import { countTerms, formatTotal } from '../model/count.js';
import { expand, type ExpandOptions, type Term } from '../model/expand.js';
import { UserError } from '../errors.js';
import { latexDocument, type LatexListing } from '../render/latex-document.js';
import { factor } from '../model/factor.js';
import { formula, rawFormula } from '../model/term-formula.js';
import type { Architecture } from '../language/architecture.js';
import { loadSpecSource } from '../numeric/spec-source.js';
import { visible } from '../language/visible.js';
import { integerFlag, parseFlags } from './args.js';
import type { Io } from './io.js';
import { namedFilters, selection, selectionFlags, type SelectionValues } from './selection.js';
import { refuseOutput, writeAtomically } from './write-file.js';
import { refuseTooManyTerms, termLimitFlags, type TermLimitValues } from './term-limit.js';
import { type EvaluationValues, evaluatedListing, evaluationFlags, refuseEvaluationFlags } from './latex-evaluation.js';

const HELP = `usage: pathsum latex SPEC -o FILE.tex [options]

Writes a standalone LaTeX document (amsmath only; docs/latex.md) of the model's path terms, long
terms broken across lines to fit the page. The header says which terms it lists and of how many:
'logits =' only over the whole sum. At most 2000 terms unless --limit says otherwise.
SPEC is a .pathsum file, a model directory holding one (as examples/modadd), or a Hugging Face folder
(config.json and model.safetensors, as examples/hf-induction). FILE must end in .tex; it is replaced
whole (never half-written), and only if it is a regular file.

  -o, --output FILE    the document (a name ending in .tex)
  --model NAME         the model, when the file holds several
  --limit N            at most N terms (default 2000): the first N, or with --tokens the N largest
  --no-simplify        the raw ordered expansion: both orders of every bilinear pair, formulas unrewritten
  --factor             fold bilinear terms sharing an argument: Σ_p B(p, q) = B(Σ_p p, q)
  --max-degree K       only terms of degree ≤ K in the input tokens
  --layers 0,1         only paths through these layers
  --ablate L.H|L.mlp   drop a head or a bilinear block (repeatable)
  --max-terms N        refuse to hold more terms than this, counted first (default 2,000,000)

Contributions, as 'pathsum eval' computes them (the terms listed largest first, each with its own):
  --tokens T1,T2,...   evaluate every term on these token ids
  --weights FILE       safetensors weights (default: the model directory's, else random weights, see --seed)
  --allow-extra        ignore tensors of the weights file that the spec does not use (a warning each)
  --seed S             seed of the random weights when there are none (default 0)
  --target TOKEN       the logit to explain (default: the model's top prediction)
  --position P         the position whose logit is explained (default: the last)
  --backend B          auto (the default: node if @tensorflow/tfjs-node is installed, else wasm), node, wasm or cpu
  --quiet              no progress bar
`;

const DEFAULT_LIMIT = 2000;

interface Values extends SelectionValues, EvaluationValues, TermLimitValues {
  output?: string;
  limit?: string;
  'no-simplify'?: boolean;
  factor?: boolean;
  help?: boolean;
}

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags<Values>('latex', args, {
    output: { type: 'string', short: 'o' },
    limit: { type: 'string' },
    'no-simplify': { type: 'boolean' },
    factor: { type: 'boolean' },
    ...selectionFlags,
    ...evaluationFlags,
    ...termLimitFlags,
  });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  if (positionals.length !== 1)
    throw new UserError(
      `latex takes one spec file or model directory, found ${positionals.length}; see 'pathsum latex --help'`,
    );
  const output = outputFlag(values.output);
  refuseCombinations(values);
  const arch = loadSpecSource(positionals[0]!, { model: values.model });
  const simplify = !values['no-simplify'];
  const chosen = selection('latex', arch, values);
  const options: ExpandOptions = { ...chosen, symmetrize: simplify };
  const limit = integerFlag('latex', 'limit', values.limit, 1) ?? DEFAULT_LIMIT;
  // with --tokens every term is evaluated to find the largest: all of them are held, not the first N
  refuseTooManyTerms({ command: 'latex', arch, options, values, ...(values.tokens === undefined ? { limit } : {}) });
  const counts = {
    model: arch.name,
    form: values.factor ? 'factored' : simplify ? 'simplified' : 'raw',
    selected: countTerms(arch, options).total,
    all: countTerms(arch, { symmetrize: simplify }).total,
    filters: namedFilters(chosen, values),
  } as const;
  const formulaOf = (t: Term) => (simplify ? formula(t, arch) : rawFormula(t, arch));
  const listing: LatexListing =
    values.tokens === undefined
      ? { ...counts, ...firstTerms(arch, options, limit, values.factor ? factor : ts => ts.map(formulaOf)) }
      : {
          ...counts,
          ...(await evaluatedListing(io, positionals[0]!, values, { arch, options, limit, formulaOf })),
        };
  writeAtomically(output, latexDocument(listing));
  io.stderr(`wrote ${visible(output)}: ${written(listing)}\n`);
  return 0;
}

function outputFlag(output: string | undefined): string {
  if (!output) throw new UserError('latex: name the output file with -o FILE.tex');
  refuseOutput('latex', output, '.tex');
  return output;
}

function refuseCombinations(values: Values): void {
  if (values.factor && values['no-simplify'])
    throw new UserError('latex: --factor folds the simplified sum; it cannot be combined with --no-simplify');
  if (values.factor && values.tokens !== undefined)
    throw new UserError(
      'latex: --factor folds terms into formulas that have no contribution of their own; ' +
        'it cannot be combined with --tokens',
    );
  refuseEvaluationFlags(values);
}

/** The first `limit` terms in expansion order, as formulas (folded, with --factor). */
function firstTerms(
  arch: Architecture,
  options: ExpandOptions,
  limit: number,
  formulas: (terms: Term[], arch: Architecture) => LatexListing['rows'],
) {
  const terms: Term[] = [];
  for (const t of expand(arch, options)) {
    if (terms.length >= limit) break;
    terms.push(t);
  }
  return { rows: formulas(terms, arch), terms: terms.length };
}

/** `9 terms`, `2000 terms (51300 more left out)`, `55 terms in 51 formulas`. */
function written(l: LatexListing): string {
  const folded = l.form === 'factored' ? ` in ${l.rows.length} formulas` : '';
  const left = 'exact' in l.selected ? (l.selected.exact - BigInt(l.terms)).toString() : formatTotal(l.selected);
  return `${l.terms} terms${folded}${left === '0' ? '' : ` (${left} more left out)`}`;
}
