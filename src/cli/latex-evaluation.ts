// `pathsum latex … --tokens`: every term evaluated as `pathsum eval` evaluates it (numeric/attribution.ts),
// the largest by contribution listed, each with its contribution beside it.
import { UserError } from '../errors.js';
import type { Architecture } from '../language/architecture.js';
import type { Expr } from '../formula/nodes.js';
import { expand, type ExpandOptions, type Term } from '../model/expand.js';
import { byMagnitude } from '../numeric/contributions.js';
import { parseBackend, useBackend } from '../numeric/backend.js';
import type { LatexEvaluation } from '../render/latex-document.js';
import { seedFlag } from './args.js';
import type { Io } from './io.js';
import { modelFlags, modelOptions, type ModelValues, tokensFlag } from './model-flags.js';
import { progress } from './progress.js';
import { targetFlag, targetFlags, type TargetValues } from './target-flags.js';

export const evaluationFlags = { ...modelFlags, ...targetFlags } as const;

export interface EvaluationValues extends ModelValues, TargetValues {}

/** The flags that only say how to evaluate: without --tokens, nothing is evaluated, so they are refused. */
export function refuseEvaluationFlags(values: EvaluationValues): void {
  if (values.tokens !== undefined) return;
  const given = (['weights', 'seed', 'allow-extra', 'target', 'position', 'backend'] as const).find(
    f => values[f] !== undefined,
  );
  if (given)
    throw new UserError(
      `latex: --${given} applies to the contributions, which are computed on a token sequence: give --tokens too`,
    );
}

interface Selection {
  readonly arch: Architecture;
  readonly options: ExpandOptions;
  readonly limit: number;
  readonly formulaOf: (t: Term) => Expr;
}

export async function evaluatedListing(
  io: Io,
  spec: string,
  values: EvaluationValues,
  { arch, options, limit, formulaOf }: Selection,
): Promise<{ rows: Expr[]; terms: number; evaluation: LatexEvaluation }> {
  const tokens = tokensFlag('latex', values.tokens, arch);
  const { token, position } = targetFlag('latex', values, arch, tokens);
  const backendChoice = parseBackend(values.backend);
  const seed = seedFlag('latex', values.seed);
  // every flag is checked: only now load tfjs and the weights
  const [{ loadModel }, { evaluateSequence }] = await Promise.all([
    import('../numeric/model.js'),
    import('../numeric/attribution.js'),
  ]);
  await useBackend(backendChoice);
  const model = loadModel(spec, modelOptions(values, seed));
  for (const w of model.warnings) io.stderr(`warning: ${w}\n`);
  const terms = [...expand(arch, options)];
  const bar = progress(io, 'evaluating terms', terms.length, values.quiet);
  const result = evaluateSequence(model, tokens, terms, { token, position, onTerm: () => bar.tick() });
  bar.done();
  const shown = byMagnitude(result.attributions).slice(0, limit);
  const target = result.target;
  return {
    rows: shown.map(a => formulaOf(a.term)),
    terms: shown.length,
    evaluation: {
      tokens,
      weights: model.source,
      ...target,
      predicted: token === undefined,
      logit: result.logits[target.position]![target.token]!,
      sum: result.attributions.reduce((s, a) => s + a.contribution, 0),
      maxAbsError: result.maxAbsError,
      contributions: shown.map(a => a.contribution),
    },
  };
}
