// `pathsum report SPEC --tokens … [-o FILE.html]`: one self-contained HTML page of a model on one input:
// its summary, the prediction and its contributions, the top terms typeset, attention patterns, the
// bilinear layers' interaction matrices and eigenvectors, and the verification (src/render/report/).
import type { Architecture } from '../language/architecture.js';
import { countTerms, formatTotal } from '../model/count.js';
import { expand } from '../model/expand.js';
import { selectModel } from '../model/spec.js';
import { visible } from '../language/visible.js';
import { parseBackend, useBackend } from '../numeric/backend.js';
import { readSpecSource } from '../numeric/spec-source.js';
import type { Expansion } from '../render/report/report.js';
import { integerFlag, parseFlags, seedFlag } from './args.js';
import { summarize } from './check.js';
import type { Io } from './io.js';
import { modelFlags, modelOptions, type ModelValues, tokensFlag } from './model-flags.js';
import { progress } from './progress.js';
import { oneSpec, targetFlag, targetFlags, type TargetValues } from './target-flags.js';
import { DEFAULT_MAX_TERMS, termLimitFlags, type TermLimitValues } from './term-limit.js';
import { refuseOutput, writeAtomically } from './write-file.js';

const HELP = `usage: pathsum report SPEC --tokens T1,T2,... [-o FILE.html] [options]

Writes one self-contained HTML page (inline styles, fonts embedded, no script, nothing fetched when
opened) about the model on this input: its summary; the prediction and the contributions to the target
logit by path family and by head; the top terms, typeset, with their shares; every head's attention
pattern; for each bilinear layer the interaction matrix along the target's logit, its eigenvalues and
its top eigenvectors' token profiles; the trace tree of the logit; and the verification. Every figure is
the one 'pathsum eval', 'features', 'trace' and 'verify' compute; a chart's tooltips give the exact numbers.
SPEC is a .pathsum file, a directory holding one and model.safetensors, or a Hugging Face folder
(config.json and model.safetensors or its shards, as examples/hf-induction).

  --tokens T1,T2,...   the input token ids (at most the model's context)
  -o, --output FILE    the page, a name ending in .html, replaced whole (default: standard output)
  --weights FILE       safetensors weights (default: random weights, see --seed)
  --allow-extra        ignore tensors of the weights file that the spec does not use (a warning each)
  --seed S             seed of the random weights when no --weights is given, and of the laws' inputs (default 0)
  --model NAME         the model, when the spec file holds several
  --target TOKEN       the logit to explain (default: the model's top prediction)
  --position P         the position whose logit is explained (default: the last)
  --top N              how many terms to list (default 20)
  --runs N             random inputs per law of 'pathsum verify' (default 1; 0 leaves the laws out)
  --scores L.H         also list the score terms of head L.H at the target position and the key it attends
                       to most (as 'pathsum eval --scores L.H')
  --budget N           expansions of the trace tree, as 'pathsum trace --budget' (default 30; 0 leaves it out)
  --max-terms N        the most terms the report holds at once, counted first (default 2,000,000); above
                       it the top terms, the contributions by family and head and the verification are
                       left out, and the trace tree explains the logit exactly at any depth
  --backend B          auto (the default: node if @tensorflow/tfjs-node is installed, else wasm), node, wasm or cpu
  --quiet              no progress bar
`;

interface Values extends ModelValues, TermLimitValues, TargetValues {
  output?: string;
  top?: string;
  runs?: string;
  budget?: string;
  scores?: string;
  help?: boolean;
}

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags<Values>('report', args, {
    ...modelFlags,
    ...targetFlags,
    output: { type: 'string', short: 'o' },
    top: { type: 'string' },
    runs: { type: 'string' },
    budget: { type: 'string' },
    scores: { type: 'string' },
    ...termLimitFlags,
  });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  const spec = oneSpec('report', positionals);
  if (values.output !== undefined) refuseOutput('report', values.output, '.html');
  const backendChoice = parseBackend(values.backend);
  const seed = seedFlag('report', values.seed) ?? 0;
  const { file, models } = readSpecSource(spec);
  const arch = selectModel(models, file, values.model);
  const tokens = tokensFlag('report', values.tokens, arch);
  const { token, position } = targetFlag('report', values, arch, tokens);
  const top = integerFlag('report', 'top', values.top, 1) ?? 20;
  const runs = integerFlag('report', 'runs', values.runs, 0, 10_000) ?? 1;
  // the modules of --scores and of verify load when a report is made, not for --help or a bad flag
  const scores =
    values.scores === undefined ? undefined : (await import('./scores.js')).scoresFlag('report', values.scores, arch);
  const budget = integerFlag('report', 'budget', values.budget, 0, 10_000) ?? 30;
  const maxTerms = integerFlag('report', 'max-terms', values['max-terms'], 1) ?? DEFAULT_MAX_TERMS;

  // every flag is checked: only now load tfjs, the weights, and the charting library
  const [{ loadModel }, { htmlReport }, { scoreLawCount }, { shellWord }] = await Promise.all([
    import('../numeric/model.js'),
    import('../render/report/report.js'),
    import('../verify/verify.js'),
    import('./verify.js'),
  ]);
  const backend = await useBackend(backendChoice);
  const model = loadModel(spec, modelOptions(values, seed));
  const expansion = expandWithin(arch, maxTerms);
  const terms = 'maxTerms' in expansion ? [] : expansion;
  for (const w of model.warnings) io.stderr(`warning: ${w}\n`);
  if (!values.quiet && backendChoice === 'auto') io.stderr(`backend: ${backend}\n`);
  const laws = terms.length === 0 ? 0 : 1 + (terms.some(t => t.degree <= 2) ? 2 : 0) + scoreLawCount(arch, false);
  const evaluating = progress(io, 'evaluating terms', terms.length, values.quiet);
  const verifying = progress(io, 'verifying', laws * runs, values.quiet);
  let evaluated = 0;
  const html = await htmlReport(
    {
      model,
      tokens,
      expansion,
      summary: summarize(arch, file),
      // a file name may hold control characters: the page shows them escaped, never raw
      command: visible(['pathsum', 'report', ...args].map(shellWord).join(' ')),
    },
    {
      token,
      position,
      top,
      runs,
      budget,
      scores,
      seed,
      simplify: true,
      onTerm: () => {
        evaluating.tick();
        if (++evaluated === terms.length) evaluating.done();
      },
      onRun: () => verifying.tick(),
    },
  );
  verifying.done();
  if (values.output === undefined) {
    io.stdout(html);
    return 0;
  }
  writeAtomically(values.output, html);
  const wrote = `wrote ${visible(values.output)}`;
  io.stderr(
    'maxTerms' in expansion
      ? `${wrote}: ${tokens.length} tokens; the model's ${expansion.count} path terms are more than --max-terms ` +
          `${maxTerms.toLocaleString('en-US')}, so no term is listed\n`
      : `${wrote}: ${terms.length.toLocaleString('en-US')} terms on ${tokens.length} tokens\n`,
  );
  return 0;
}

/** Every term, when the closed-form count is within the limit; else only that count, before a term is built. */
function expandWithin(arch: Architecture, maxTerms: number): Expansion {
  const { total } = countTerms(arch, { symmetrize: true });
  if ('exact' in total && total.exact <= BigInt(maxTerms)) return [...expand(arch)];
  return { count: 'exact' in total ? total.exact.toLocaleString('en-US') : formatTotal(total), maxTerms };
}
