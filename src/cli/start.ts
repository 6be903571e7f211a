// `pathsum start` (what `npm start` runs): the tour, on the bundled `induction` model. It prints
// the model, the size of its expansion, the path terms that carry its prediction on an input
// whose second half repeats the first, checks Σ terms = forward on 20 random inputs, and writes
// the LaTeX of the top terms to a file.
import { join } from 'node:path';
import fc from 'fast-check';
import { expand, type Term } from '../model/expand.js';
import { formatTerm, formula } from '../model/term-formula.js';
import { total } from '../model/total.js';
import { latexDocument, type LatexListing } from '../render/latex-document.js';
import {
  type Attribution,
  byFamily,
  byHead,
  byMagnitude,
  evaluateSequence,
  type SequenceEvaluation,
  sumOfTermsError,
} from '../numeric/attribution.js';
import { parseBackend, useBackend } from '../numeric/backend.js';
import { loadModel, type Model } from '../numeric/model.js';
import { visible } from '../language/visible.js';
import { parseFlags } from './args.js';
import { packageRoot } from './package-root.js';
import { summarize } from './check.js';
import type { Io } from './io.js';
import { progress } from './progress.js';
import { refuseOutput, writeAtomically } from './write-file.js';

const HELP = `usage: pathsum start [options]

A tour of pathsum on the bundled induction model (examples/induction): its summary, the size of
its path expansion, the terms that carry its prediction on a repeated sequence, the check that
the terms add up to the forward pass on 20 random inputs, and the LaTeX of the top terms.

  -o, --output FILE    where the LaTeX goes, a name ending in .tex (default pathsum-tour.tex)
  --backend B          auto (the default: node if @tensorflow/tfjs-node is installed, else wasm), node, wasm or cpu
  --quiet              no progress bar
`;

const TOP = 8;
const CHECKS = 20;
const SEED = 2021;
/** Eight tokens, then the first seven again: an induction model continues the repeat with token 2. */
const PREFIX = [3, 17, 8, 21, 5, 11, 14, 2];
const INPUT = [...PREFIX, ...PREFIX.slice(0, 7)];

interface Values {
  output?: string;
  backend?: string;
  quiet?: boolean;
  help?: boolean;
}

export async function run(args: string[], io: Io): Promise<number> {
  const steps = await tourSteps(args, io);
  if (typeof steps === 'number') return steps;
  for (const step of steps) step();
  return 0;
}

/**
 * The tour after its flags: its steps (the terms on the input, the check on random inputs, the document),
 * to run in order; or the exit code when it stops at the flags (--help). start.test.ts runs one per hook.
 */
export async function tourSteps(args: string[], io: Io): Promise<number | (() => void)[]> {
  const { values } = parseFlags<Values>('start', args, {
    output: { type: 'string', short: 'o' },
    backend: { type: 'string' },
    quiet: { type: 'boolean' },
  });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  const file = values.output ?? 'pathsum-tour.tex';
  refuseOutput('start', file, '.tex');
  const backend = await useBackend(parseBackend(values.backend));
  const model = loadModel(bundledModel());
  const terms = [...expand(model.arch)];
  const out = (text: string) => io.stdout(`${text}\n`);

  out(`pathsum tour: the bundled induction model (${model.source}), backend ${backend}\n`);
  out(summarize(model.arch, 'examples/induction/induction.pathsum'));

  let result: SequenceEvaluation;
  let top: Attribution[];
  const explain = () => {
    result = evaluateSequence(model, INPUT, terms);
    const { position, token } = result.target;
    out(`input  ${INPUT.join(' ')}`);
    out(
      `       the first ${PREFIX.length} tokens, then the same again: ` +
        `position ${position} holds token ${INPUT[position]}, which was followed by ${PREFIX[7]} before`,
    );
    const logit = result.logits[position]![token]!;
    const answer = token === PREFIX[7] ? ', the induction answer' : '';
    out(`prediction at position ${position}: token ${token} (logit ${logit.toFixed(3)})${answer}\n`);
    top = byMagnitude(result.attributions).slice(0, TOP);
    out(topTerms(model, result.attributions, top));
  };
  const check = () => out(verification(model, terms, io, values.quiet));
  const write = () => {
    writeAtomically(file, latexDocument(tourListing(model, result, top)));
    out(`wrote ${visible(file)}: the LaTeX of these ${TOP} terms (pdflatex ${visible(file)})`);
    out(`next: pathsum eval examples/induction --tokens ${INPUT.join(',')}   ·   docs/walkthrough.md`);
  };
  return [explain, check, write];
}

/** The tour's document: the TOP largest terms, each with its contribution, and what they add up to. */
function tourListing(model: Model, result: SequenceEvaluation, top: readonly Attribution[]): LatexListing {
  const { position, token } = result.target;
  const all = total(result.attributions.length);
  return {
    model: model.arch.name,
    title: `The ${TOP} path terms that carry the prediction of \\texttt{induction}`,
    form: 'simplified',
    rows: top.map(a => formula(a.term, model.arch)),
    terms: top.length,
    selected: all,
    all,
    filters: [],
    evaluation: {
      tokens: INPUT,
      weights: model.source,
      token,
      position,
      predicted: true,
      logit: result.logits[position]![token]!,
      sum: result.attributions.reduce((s, a) => s + a.contribution, 0),
      maxAbsError: result.maxAbsError,
      contributions: top.map(a => a.contribution),
    },
  };
}

function bundledModel(): string {
  return join(packageRoot(), 'examples', 'induction');
}

function topTerms(model: Model, attributions: readonly Attribution[], terms: readonly Attribution[]): string {
  const total = attributions.reduce((s, a) => s + a.contribution, 0);
  const share = (x: number) => `${((100 * x) / total).toFixed(1)}%`.padStart(7);
  const families = byFamily(attributions).slice(0, TOP);
  return [
    `the ${count(attributions.length)} path terms add up to that logit, ${total.toFixed(3)}; ` +
      `by family, the ${TOP} largest:`,
    `contribution   share   terms  family`,
    ...families.map(
      f =>
        `${f.contribution.toFixed(3).padStart(12)}  ${share(f.contribution)}  ` +
        `${String(f.terms).padStart(6)}  ${f.group}`,
    ),
    '',
    `through each head (a term through several heads counts for each): ${byHead(attributions)
      .map(h => `${h.group} ${share(h.contribution).trim()}`)
      .join(', ')}`,
    '',
    `the ${TOP} largest single terms:`,
    `contribution   share  term`,
    ...terms.map(
      a =>
        `${a.contribution.toFixed(3).padStart(12)}  ${share(a.contribution)}  ` +
        formatTerm(a.term, model.arch, 'text'),
    ),
    '',
  ].join('\n');
}

function verification(model: Model, terms: readonly Term[], io: Io, quiet: boolean | undefined): string {
  const inputs = fc.sample(
    fc.array(fc.integer({ min: 0, max: model.arch.vocab - 1 }), { minLength: 1, maxLength: model.arch.context }),
    { seed: SEED, numRuns: CHECKS },
  );
  const bar = progress(io, 'checking Σ terms = forward', CHECKS, quiet);
  let worst = 0;
  let scale = 0;
  for (const tokens of inputs) {
    const r = sumOfTermsError(model, tokens, terms);
    worst = Math.max(worst, r.maxAbsError);
    scale = Math.max(scale, r.logitScale);
    bar.tick();
  }
  bar.done();
  return (
    `verification: Σ of the ${count(terms.length)} terms = forward logits on ${CHECKS} random inputs (seed ${SEED}): ` +
    `worst max|error| ${worst.toExponential(2)}, logits up to ${scale.toFixed(1)} ` +
    '(pathsum verify examples/induction checks every law)'
  );
}

const count = (n: number) => n.toLocaleString('en-US');
