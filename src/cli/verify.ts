// `pathsum verify SPEC`: fast-check properties on the user's model; exit 0 when every law holds.
import { expand } from '../model/expand.js';
import { UserError } from '../errors.js';
import { parseBackend, useBackend } from '../numeric/backend.js';
import { loadModel } from '../numeric/model.js';
import { parseIdentity } from '../verify/identity.js';
import { FLOAT32_TOLERANCE, FLOAT64_TOLERANCE } from '../verify/laws.js';
import { type LawReport, verifyModel } from '../verify/verify.js';
import { integerFlag, parseFlags } from './args.js';
import type { Io } from './io.js';
import { modelFlags, type ModelValues } from './model-flags.js';
import { progress } from './progress.js';

const HELP = `usage: pathsum verify SPEC [options]

Checks, by property-based testing over random token sequences (and random weights when no
--weights is given), that on this model:
  Σ terms = forward logits      every path term's logits add up to the forward pass (float32,
                                 tolerance ${FLOAT32_TOLERANCE} × max(1, Σ|term|) per logit)
  weight mode = activation mode  each term's virtual weight table (no input), contracted with the
                                 one-hot tokens, gives its logit (terms of degree ≤ 2, sampled)
  rewrite rules are sound        every simplifier step keeps the value (float64, relative ${FLOAT64_TOLERANCE})
  each --identity                both formulas have the same value (float64, relative ${FLOAT64_TOLERANCE})
On a failure it prints the shrunk counterexample and the seed that replays it; exit 1.

  --weights FILE       safetensors weights (default: fresh random weights for every run)
  --runs N             inputs per law (default 20)
  --seed S             the fast-check seed (default: random, printed)
  --identity "F = G"   an identity in the formula language (docs/notation.md), repeatable
  --model NAME         the model, when the spec file holds several
  --no-simplify        check the ordered expansion instead of the symmetrized one
  --backend B          auto (default), node, wasm or cpu
  --quiet              no progress bar
`;

interface Values extends ModelValues {
  runs?: string;
  identity?: string[];
  'no-simplify'?: boolean;
  backend?: string;
  quiet?: boolean;
  help?: boolean;
}

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags<Values>('verify', args, {
    ...modelFlags,
    runs: { type: 'string' },
    identity: { type: 'string', multiple: true },
    'no-simplify': { type: 'boolean' },
    backend: { type: 'string' },
    quiet: { type: 'boolean' },
  });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  if (positionals.length !== 1)
    throw new UserError(`verify takes one spec, found ${positionals.length}; see 'pathsum verify --help'`);
  const backendChoice = parseBackend(values.backend);
  const runs = integerFlag('verify', 'runs', values.runs, 1) ?? 20;
  const seed = integerFlag('verify', 'seed', values.seed) ?? Math.floor(Math.random() * 2 ** 31);
  const backend = await useBackend(backendChoice);
  const model = loadModel(positionals[0]!, { model: values.model, weights: values.weights });
  const identities = (values.identity ?? []).map(text => parseIdentity(text, model.arch));
  const terms = [...expand(model.arch, { symmetrize: !values['no-simplify'] })];
  for (const w of model.warnings) io.stderr(`warning: ${w}\n`);

  const laws = 1 + (terms.some(t => t.degree <= 2) ? 2 : 0) + identities.length;
  const bar = progress(io, 'verifying', laws * runs, values.quiet);
  const reports = verifyModel(model, terms, {
    runs,
    seed,
    identities,
    randomWeights: model.random,
    onRun: () => bar.tick(),
  });
  bar.done();
  io.stdout(
    report(
      model.arch.name,
      model.random ? 'fresh random weights each run' : model.source,
      backend,
      terms.length,
      reports,
      positionals[0]!,
    ),
  );
  return reports.every(r => r.passed) ? 0 : 1;
}

function report(
  name: string,
  weights: string,
  backend: string,
  termCount: number,
  reports: LawReport[],
  spec: string,
): string {
  const seed = reports[0]!.seed;
  const lines = [`verify ${name}: ${termCount} terms, ${weights}, backend ${backend}, seed ${seed}`];
  for (const r of reports) {
    const mark = r.passed ? 'ok  ' : 'FAIL';
    lines.push(
      `  ${mark} ${r.law}: ${r.runs} runs, worst relative error ${r.worst.error.toExponential(2)} (tolerance ${r.worst.tolerance.toExponential(0)})${r.worst.detail && !r.passed ? `; ${r.worst.detail}` : ''}`,
    );
    if (!r.passed)
      lines.push(`       counterexample: ${r.counterexample}`, `       replay: pathsum verify ${spec} --seed ${seed}`);
  }
  const failed = reports.filter(r => !r.passed).length;
  lines.push(failed === 0 ? `all ${reports.length} laws hold` : `${failed} of ${reports.length} laws failed`);
  return `${lines.join('\n')}\n`;
}
