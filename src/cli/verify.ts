// `pathsum verify SPEC`: fast-check properties on the user's model; exit 0 when every law holds.
import { type ExpandOptions, expand } from '../model/expand.js';
import { parseBackend, useBackend } from '../numeric/backend.js';
import { parseIdentity } from '../verify/identity.js';
import { loadSpecSource } from '../numeric/spec-source.js';
import { FLOAT32_TOLERANCE, FLOAT64_TOLERANCE, QK_SHARPENING } from '../verify/tolerances.js';
import type { LawCheck, LawReport } from '../verify/verify.js';
import { integerFlag, parseFlags, seedFlag } from './args.js';
import type { Io } from './io.js';
import { modelFlags, modelOptions, type ModelValues } from './model-flags.js';
import { progress } from './progress.js';
import { selection, selectionFlags, type SelectionValues } from './selection.js';
import { oneSpec } from './target-flags.js';
import { refuseTooManyTerms, termLimitFlags, type TermLimitValues } from './term-limit.js';

const HELP = `usage: pathsum verify SPEC [options]

Checks, by property-based testing over random token sequences (and random weights when no
--weights is given, with W_Q and W_K scaled by ${QK_SHARPENING} so that patterns are sharp), that on this model:
  Σ terms = forward logits      every path term's logits add up to the forward pass (float32,
                                 tolerance ${FLOAT32_TOLERANCE} × max(1, Σ|term|) per logit)
  weight mode = activation mode  each term's virtual weight table (no input), contracted with the
                                 one-hot tokens, gives its logit (terms of degree ≤ 2, sampled)
  rewrite rules are sound        every simplifier step keeps the value (float64, relative ${FLOAT64_TOLERANCE})
  each --identity                both formulas have the same value (float64, relative ${FLOAT64_TOLERANCE})
The float64 laws read the patterns and norm scales of the float32 forward pass, each pattern row
renormalized to sum to 1 (float32 leaves it within ~1e-7). An identity must be well-shaped: two
sums of terms c · K ⊗ T of one shape (n×d, n×V, …), the factors of every product fitting.
On a failure it prints the shrunk counterexample and a command that replays it exactly; exit 1.

  --weights FILE       safetensors weights (default: fresh random weights for every run)
  --allow-extra        ignore tensors of the weights file that the spec does not use (a warning each)
  --runs N             inputs per law (default 20)
  --seed S             the fast-check seed (default: random, printed)
  --identity "F = G"   an identity in the formula language (docs/notation.md), repeatable
  --model NAME         the model, when the spec file holds several
  --no-simplify        check the ordered expansion instead of the symmetrized one
  --max-degree K, --layers 0,1, --ablate L.H|L.mlp   which terms (as in 'pathsum eval'); the terms kept
                       do not add up to the logits, so Σ terms = forward logits is left out
  --max-terms N        refuse a model with more terms than this, counted first (default 2,000,000):
                       every term is held in memory; 'pathsum trace' explains a logit at any depth
  --backend B          auto (the default: node if @tensorflow/tfjs-node is installed, else wasm), node, wasm or cpu
  --quiet              no progress bar
`;

interface Values extends ModelValues, SelectionValues, TermLimitValues {
  runs?: string;
  identity?: string[];
  'no-simplify'?: boolean;
  backend?: string;
  quiet?: boolean;
  help?: boolean;
}

export async function run(args: string[], io: Io): Promise<number> {
  const verification = await prepare(args, io);
  if (typeof verification === 'number') return verification;
  return verification.finish(verification.laws.map(law => law()));
}

/** A verification ready to run: its laws, each checked when called, and what prints their reports. */
export interface Verification {
  readonly laws: readonly LawCheck[];
  /** Prints the reports of every law, in order; the exit code. */
  readonly finish: (reports: readonly LawReport[]) => number;
}

/**
 * Everything `run` does before it checks the laws (flags, spec, weights, terms), or the exit code when it
 * stops there (--help). A caller may run the laws one at a time: each draws its inputs from the seed alone.
 */
export async function prepare(args: string[], io: Io): Promise<number | Verification> {
  const { values, positionals } = parseFlags<Values>('verify', args, {
    ...modelFlags,
    runs: { type: 'string' },
    identity: { type: 'string', multiple: true },
    'no-simplify': { type: 'boolean' },
    backend: { type: 'string' },
    quiet: { type: 'boolean' },
    ...selectionFlags,
    ...termLimitFlags,
  });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  const spec = oneSpec('verify', positionals);
  const backendChoice = parseBackend(values.backend);
  const runs = integerFlag('verify', 'runs', values.runs, 1) ?? 20;
  const seed = seedFlag('verify', values.seed) ?? Math.floor(Math.random() * 2 ** 31);
  const arch = loadSpecSource(spec, { model: values.model });
  const identities = (values.identity ?? []).map(text => parseIdentity(text, arch));
  const chosen = { ...selection('verify', arch, values), symmetrize: !values['no-simplify'] };
  // every flag and identity is checked: only now load tfjs and the weights
  const [{ loadModel }, { verificationLaws, scoreLawCount }] = await Promise.all([
    import('../numeric/model.js'),
    import('../verify/verify.js'),
  ]);
  const backend = await useBackend(backendChoice);
  const model = loadModel(spec, modelOptions(values, undefined));
  // after the weights, as eval: a model too large for them is refused for that first
  refuseTooManyTerms({ command: 'verify', arch, options: chosen, values });
  const terms = [...expand(model.arch, chosen)];
  const subset = filtered(chosen, values);
  for (const w of model.warnings) io.stderr(`warning: ${w}\n`);

  const scoreLaws = scoreLawCount(arch, subset !== undefined);
  const laws = (subset ? 0 : 1) + (terms.some(t => t.degree <= 2) ? 2 : 0) + scoreLaws + identities.length;
  const bar = progress(io, 'verifying', laws * runs, values.quiet);
  const checks = verificationLaws(model, terms, {
    runs,
    seed,
    identities,
    randomWeights: model.random,
    subset: subset !== undefined,
    onRun: () => bar.tick(),
  });
  const finish = (reports: readonly LawReport[]) => {
    bar.done();
    const header = `verify ${model.arch.name}: ${terms.length} terms, ${
      model.random ? 'fresh random weights each run' : model.source
    }, backend ${backend}, seed ${seed}${subset ? `; ${subset}: Σ terms = forward logits not checked` : ''}`;
    io.stdout(report(header, reports, replayCommand(positionals[0]!, values, { seed, runs, backend })));
    return reports.every(r => r.passed) ? 0 : 1;
  };
  return { laws: checks, finish };
}

/** The filter flags given, as one phrase; undefined when they keep every term (`--layers` naming them all). */
function filtered(chosen: ExpandOptions, values: SelectionValues): string | undefined {
  const removes =
    (chosen.ablateHeads?.size ?? 0) > 0 || (chosen.ablateBilinear?.size ?? 0) > 0 || chosen.maxDegree !== undefined;
  if (!removes) return undefined;
  const flags = [
    ...(values['max-degree'] === undefined ? [] : [`--max-degree ${values['max-degree']}`]),
    ...(values.layers === undefined ? [] : [`--layers ${values.layers}`]),
    ...(values.ablate ?? []).map(a => `--ablate ${a}`),
  ];
  return `a filtered subset (${flags.join(' ')})`;
}

function report(header: string, reports: readonly LawReport[], replay: string): string {
  const lines = [header];
  for (const r of reports) {
    const { error, tolerance, precision, detail } = r.worst;
    const bound = `(tolerance ${tolerance.toExponential(0)}, ${precision})`;
    if (r.passed)
      lines.push(`  ok   ${r.law}: ${r.runs} runs, worst relative error ${error.toExponential(2)} ${bound}`);
    else
      lines.push(
        `  FAIL ${r.law}: failed on run ${r.runs}, shrunk to relative error ${error.toExponential(2)} ${bound}` +
          (detail ? `; ${detail}` : ''),
        `       counterexample: ${r.counterexample}`,
        `       replay: ${replay}`,
      );
  }
  const failed = reports.filter(r => !r.passed).length;
  lines.push(failed === 0 ? `all ${reports.length} laws hold` : `${failed} of ${reports.length} laws failed`);
  return `${lines.join('\n')}\n`;
}

/**
 * The command that runs this very check again: every flag that decides the inputs or the laws (the
 * seed and number of runs draw the inputs; weights, model, expansion and identities fix the laws; the
 * backend fixes the float32 arithmetic), quoted for a POSIX shell. Only --quiet is left out.
 */
function replayCommand(spec: string, values: Values, run: { seed: number; runs: number; backend: string }): string {
  // a value that starts with '-' would read as a flag: attach it (--name=value), and prefix a spec with ./
  const flag = (name: string, value: string) => (value.startsWith('-') ? [`--${name}=${value}`] : [`--${name}`, value]);
  const words = [
    'pathsum',
    'verify',
    spec.startsWith('-') ? `./${spec}` : spec,
    ...flag('seed', String(run.seed)),
    ...flag('runs', String(run.runs)),
    ...(values.weights === undefined ? [] : flag('weights', values.weights)),
    ...(values.model === undefined ? [] : flag('model', values.model)),
    ...(values['allow-extra'] ? ['--allow-extra'] : []),
    ...(values['no-simplify'] ? ['--no-simplify'] : []),
    ...(values['max-degree'] === undefined ? [] : flag('max-degree', values['max-degree'])),
    ...(values.layers === undefined ? [] : flag('layers', values.layers)),
    ...(values.ablate ?? []).flatMap(a => flag('ablate', a)),
    ...flag('backend', run.backend),
    ...(values.identity ?? []).flatMap(text => flag('identity', text)),
  ];
  return words.map(shellWord).join(' ');
}

/** A word as a POSIX shell reads it back: bare when it holds no special character, else single-quoted. */
export function shellWord(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
