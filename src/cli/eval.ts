// `pathsum eval SPEC --tokens …`: every path term evaluated on one token sequence, ranked by its
// contribution to a target logit, with the check that the terms add up to the forward pass; with
// --inputs or --task, the contributions averaged over many sequences (./eval-batch.ts).
import type { ExpandOptions } from '../model/block.js';
import { countTerms } from '../model/count.js';
import { expand } from '../model/expand.js';
import { termToJSON } from '../model/term-formula.js';
import { UserError } from '../errors.js';
import type { Architecture } from '../language/architecture.js';
import type { SequenceEvaluation } from '../numeric/attribution.js';
import { byFamily, byMagnitude } from '../numeric/contributions.js';
import { parseBackend, useBackend } from '../numeric/backend.js';
import type { Model } from '../numeric/model.js';
import { loadSpecSource } from '../numeric/spec-source.js';
import { integerFlag, parseFlags, seedFlag } from './args.js';
import { batchFlag, batchFlags, type BatchValues, type Sequences, taskHelp } from './batch-flags.js';
import { count, errorLines, fixed, percent, termText } from './eval-format.js';
import { bufferedStdout, type Io } from './io.js';
import { progress } from './progress.js';
import { selection, selectionFlags, type SelectionValues } from './selection.js';
import { refuseTooManyTerms, termLimitFlags, type TermLimitValues } from './term-limit.js';
import { modelFlags, modelOptions, type ModelValues, tokensFlag } from './model-flags.js';
import {
  oneSpec,
  refuseTwoTargets,
  targetFlag,
  targetFlags,
  type TargetValues,
  targetNextFlag,
} from './target-flags.js';

const HELP = `usage: pathsum eval SPEC --tokens T1,T2,... [options]
       pathsum eval SPEC (--inputs FILE | --task NAME [--count N]) [options]

Evaluates every path term on the token sequence (patterns and norm scales frozen from the
forward pass) and prints the terms that contribute most to the target logit at the last
position, then max |Σ terms − forward logits| over every position and token.
With --inputs or --task, evaluates every sequence and prints each term's contribution averaged
over them, its mean share (contribution / Σ terms, averaged) and on how many it is the largest,
the mean target logit, and max |Σ terms − forward logits| over every sequence.
SPEC is a .pathsum file, a directory holding one and model.safetensors, or a Hugging Face folder
(config.json and model.safetensors or its shards, as examples/hf-induction).

  --tokens T1,T2,...   the input token ids (at most the model's context)
  --inputs FILE        many sequences, one per line, comma-separated; the last number of a line is
                       the token that should follow (as for 'pathsum features --inputs')
  --task NAME          many sequences from a task, sized for the model:
${taskHelp('                         ')}
  --count N            how many sequences the task makes (default: as listed)
  --weights FILE       safetensors weights (default: random weights, see --seed)
  --allow-extra        ignore tensors of the weights file that the spec does not use (a warning each)
  --seed S             seed of the random weights when no --weights is given, and of --task (default 0)
  --model NAME         the model, when the spec file holds several
  --target TOKEN       the logit to explain (default: the model's top prediction), on every sequence
  --target-next        explain the model's top prediction at the last position (the default)
  --position P         the position whose logit is explained (default: the last), on every sequence
  --top N              how many terms to list (default 10)
  --by-family          also sum the contributions by family (direct path, head, virtual head, pair of …),
                       the --top largest families
  --json               the docs/design.md §3 object: tokens, logits, every term with its full logits, maxAbsError;
                       with many sequences: the averaged table (below)
  --no-simplify        ordered bilinear pairs and unrewritten formulas
  --max-degree K, --layers 0,1, --ablate L.H|L.mlp   which terms (as in 'pathsum expand'); the terms
                       kept then do not add up to the logits, and maxAbsError is no error bound
  --max-terms N        refuse a model with more terms than this, counted first (default 2,000,000):
                       every term is held in memory; 'pathsum trace' explains a logit at any depth
  --scores L.H         explain the attention score of head H of layer L instead of a logit: every
                       (query path, key path) term evaluated and ranked, by family (direct, Q-, K-composition)
  --query I, --key J   the score's query and key positions (default: the last position, and the key
                       it attends to most); --json: docs/design.md §3 score terms
  --backend B          auto (the default: node if @tensorflow/tfjs-node is installed, else wasm), node, wasm or cpu
  --quiet              no progress bar

JSON with many sequences: { "sequences": N, "source": string, "target": {"token": int|null, "position": int|null},
  "meanLogit": number, "meanSum": number, "nextTokenPredicted": int|null, "maxAbsError": number,
  "terms": [ {"path", "coefficient", "degree", "text", "latex", "meanContribution", "meanShare", "largestOn"} ],
  "families": [ {"family", "terms", "meanContribution", "meanShare"} ] }     // terms in expansion order
`;

interface Values extends SelectionValues, ModelValues, BatchValues, TermLimitValues, TargetValues {
  top?: string;
  'by-family'?: boolean;
  json?: boolean;
  'no-simplify'?: boolean;
  scores?: string;
  query?: string;
  key?: string;
  help?: boolean;
}

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags<Values>('eval', args, {
    ...modelFlags,
    ...batchFlags,
    ...targetFlags,
    ...targetNextFlag,
    top: { type: 'string' },
    'by-family': { type: 'boolean' },
    json: { type: 'boolean' },
    'no-simplify': { type: 'boolean' },
    scores: { type: 'string' },
    query: { type: 'string' },
    key: { type: 'string' },
    ...selectionFlags,
    ...termLimitFlags,
  });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  const spec = oneSpec('eval', positionals);
  refuseTwoTargets('eval', values);
  if (values.tokens !== undefined && (values.inputs !== undefined || values.task !== undefined))
    throw new UserError('eval: give --tokens for one sequence, or --inputs FILE or --task NAME for many, not both');
  const backendChoice = parseBackend(values.backend);
  const seed = seedFlag('eval', values.seed);
  const arch = loadSpecSource(spec, { model: values.model });
  const many = batchFlag('eval', values, arch);
  if (!many && values.tokens === undefined)
    throw new UserError(
      'eval: --tokens is required (comma-separated token ids, e.g. --tokens 3,14,15), ' +
        'or --inputs FILE or --task NAME for many sequences',
    );
  const tokens = many ? undefined : tokensFlag('eval', values.tokens, arch);
  const { token, position } = batchTargetFlag(values, arch, tokens, many);
  const top = integerFlag('eval', 'top', values.top, 1) ?? 10;
  const simplify = !values['no-simplify'];
  const chosen = selection('eval', arch, values);
  const scores =
    values.scores === undefined && values.query === undefined && values.key === undefined
      ? undefined
      : await import('./scores.js');
  const scoreTarget = scores?.evalScoresFlags(values, arch, many !== undefined);

  // every flag is checked: only now load tfjs and the weights
  const [{ loadModel }, { evaluateSequence }] = await Promise.all([
    import('../numeric/model.js'),
    import('../numeric/attribution.js'),
  ]);
  const backend = await useBackend(backendChoice);
  const model = loadModel(spec, modelOptions(values, seed));
  if (scores && scoreTarget) {
    const filter = filterNote(arch, chosen, values);
    const json = values.json === true;
    const o = { model, tokens: tokens!, target: scoreTarget, top, json, simplify, selection: chosen, filter };
    return scores.evaluateScoreTerms(io, { ...o, query: values.query, key: values.key });
  }
  // after the weights: a model too large for them is refused before its terms are expanded
  refuseTooManyTerms({ command: 'eval', arch, options: { ...chosen, symmetrize: simplify }, values });
  const terms = [...expand(arch, { ...chosen, symmetrize: simplify })];
  const filter = filterNote(arch, chosen, values);
  for (const w of model.warnings) io.stderr(`warning: ${w}\n`);
  if (!values.quiet && backendChoice === 'auto' && !values.json) io.stderr(`backend: ${backend}\n`);
  const options = { model, terms, top, simplify, filter, byFamily: values['by-family'], json: values.json };
  if (many)
    return (await import('./eval-batch.js')).evaluateMany(io, {
      ...options,
      ...many,
      token,
      position,
      quiet: values.quiet,
    });
  const bar = progress(io, 'evaluating terms', terms.length, values.quiet);
  const result = evaluateSequence(model, tokens!, terms, {
    token,
    position,
    fullLogits: values.json,
    onTerm: () => bar.tick(),
  });
  bar.done();
  if (values.json) await printJSON(io, tokens!, result, model, simplify);
  else
    io.stdout(
      table(model, tokens!, result, top, simplify, token === undefined, filter) +
        (values['by-family'] ? familyTable(result, top) : ''),
    );
  return 0;
}

/** --target and --position, which apply to every sequence: each must be a token, and within each sequence. */
function batchTargetFlag(values: Values, arch: Architecture, tokens: readonly number[] | undefined, many?: Sequences) {
  const { token, position } = targetFlag('eval', values, arch, tokens);
  if (position === undefined) return { token, position };
  const short = many ? many.batch.tokens.findIndex(t => position >= t.length) : -1;
  if (many && short >= 0)
    throw new UserError(
      `eval: --position ${position} is past the last token of sequence ${short + 1} of ${many.source} ` +
        `(${many.batch.tokens[short]!.length} tokens)`,
    );
  return { token, position };
}

/**
 * The note a filtered expansion needs: its terms are a subset, so Σ terms − forward measures what was
 * left out, not an error. Undefined when nothing is filtered out (--layers naming every layer, a
 * --max-degree at or above the highest degree).
 */
function filterNote(arch: Architecture, chosen: ExpandOptions, values: SelectionValues): string | undefined {
  const degree = chosen.maxDegree;
  const removes =
    (chosen.ablateHeads?.size ?? 0) > 0 ||
    (chosen.ablateBilinear?.size ?? 0) > 0 ||
    (degree !== undefined && BigInt(degree) < countTerms(arch).maxDegree);
  if (!removes) return undefined;
  const flags = [
    ...(values['max-degree'] === undefined ? [] : [`--max-degree ${values['max-degree']}`]),
    ...(values.layers === undefined ? [] : [`--layers ${values.layers}`]),
    ...(values.ablate ?? []).map(a => `--ablate ${a}`),
  ];
  return (
    `the listed terms are a filtered subset (${flags.join(' ')}): they do not add up to the logits, ` +
    'so Σ terms − forward is not an error bound'
  );
}

async function printJSON(
  io: Io,
  tokens: readonly number[],
  result: SequenceEvaluation,
  model: Model,
  simplify: boolean,
): Promise<void> {
  const out = bufferedStdout(io);
  out.write(`{ "tokens": ${JSON.stringify(tokens)},\n  "logits": ${JSON.stringify(result.logits)},\n  "terms": [`);
  // each line awaits `drained`, so a slow reader holds the output back instead of memory filling up
  for (const [i, { term }] of result.attributions.entries()) {
    const json = { ...termToJSON(term, model.arch, { simplify }), logits: result.termLogits![i] };
    out.write(`${i === 0 ? '\n' : ',\n'}    ${JSON.stringify(json)}`);
    await out.drained();
  }
  out.write(`\n  ],\n  "maxAbsError": ${JSON.stringify(result.maxAbsError)} }\n`);
  out.flush();
}

function table(
  model: Model,
  tokens: readonly number[],
  result: SequenceEvaluation,
  top: number,
  simplify: boolean,
  predicted: boolean,
  filter: string | undefined,
): string {
  const { position, token } = result.target;
  const logit = result.logits[position]![token]!;
  const ranked = byMagnitude(result.attributions);
  const shown = ranked.slice(0, top);
  const total = result.attributions.reduce((s, a) => s + a.contribution, 0);
  const share = (x: number) => percent(x / total);
  const lines = [
    `model ${model.arch.name} · ${model.source}`,
    `tokens ${tokens.join(' ')}`,
    `target: logit of token ${token} at position ${position}${predicted ? ' (the top prediction)' : ''} = ` +
      `${fixed(logit)}; Σ of the ${count(result.attributions.length)} terms = ${fixed(total)}`,
    '',
    `${'rank'.padStart(4)}  ${'contribution'.padStart(12)}  ${'share'.padStart(7)}  degree  term`,
    ...shown.map(
      (a, i) =>
        `${String(i + 1).padStart(4)}  ${fixed(a.contribution).padStart(12)}  ${share(a.contribution).padStart(7)}  ` +
        `${String(a.term.degree).padStart(6)}  ${termText(a.term, model, simplify)}`,
    ),
  ];
  const rest = ranked.slice(top).reduce((s, a) => s + a.contribution, 0);
  if (ranked.length > top)
    lines.push(
      `      ${fixed(rest).padStart(12)}  ${share(rest).padStart(7)}  ` +
        `        the other ${count(ranked.length - top)} terms`,
    );
  lines.push('', ...errorLines(result.maxAbsError, `all ${tokens.length}×${model.arch.vocab} logits`, filter));
  return `${lines.join('\n')}\n`;
}

function familyTable(result: SequenceEvaluation, top: number): string {
  const total = result.attributions.reduce((s, a) => s + a.contribution, 0);
  const share = (x: number) => percent(x / total);
  const families = byFamily(result.attributions);
  const row = (contribution: number, terms: number, name: string) =>
    `${fixed(contribution).padStart(12)}  ${share(contribution).padStart(7)}  ${String(terms).padStart(6)}  ${name}`;
  const rest = families.slice(top);
  return `${[
    '',
    `${'contribution'.padStart(12)}  ${'share'.padStart(7)}  ${'terms'.padStart(6)}  family`,
    ...families.slice(0, top).map(f => row(f.contribution, f.terms, f.group)),
    ...(rest.length
      ? [
          row(
            rest.reduce((s, f) => s + f.contribution, 0),
            rest.reduce((s, f) => s + f.terms, 0),
            `the other ${rest.length} families`,
          ),
        ]
      : []),
  ].join('\n')}\n`;
}
