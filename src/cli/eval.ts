// `pathsum eval SPEC --tokens …`: every path term evaluated on one token sequence, ranked by its
// contribution to a target logit, with the check that the terms add up to the forward pass.
import { expand, type Term } from '../model/expand.js';
import { UserError } from '../errors.js';
import { formatTerm, termToJSON } from '../model/term-formula.js';
import { byFamily, byMagnitude, evaluateSequence, type SequenceEvaluation } from '../numeric/attribution.js';
import { parseBackend, useBackend } from '../numeric/backend.js';
import { loadModel, type Model } from '../numeric/model.js';
import { integerFlag, parseFlags } from './args.js';
import { bufferedStdout, type Io } from './io.js';
import { progress } from './progress.js';
import { selection, selectionFlags, type SelectionValues } from './selection.js';
import { modelFlags, type ModelValues, tokensFlag } from './model-flags.js';

const HELP = `usage: pathsum eval SPEC --tokens T1,T2,... [options]

Evaluates every path term on the token sequence (patterns and norm scales frozen from the
forward pass) and prints the terms that contribute most to the target logit at the last
position, then max |Σ terms − forward logits| over every position and token.
SPEC is a .pathsum file, or a directory holding one and model.safetensors.

  --tokens T1,T2,...   the input token ids (at most the model's context)
  --weights FILE       safetensors weights (default: random weights, see --seed)
  --seed S             seed of the random weights when no --weights is given (default 0)
  --model NAME         the model, when the spec file holds several
  --target TOKEN       the logit to explain (default: the model's top prediction)
  --target-next        explain the model's top prediction at the last position (the default)
  --position P         the position whose logit is explained (default: the last)
  --top N              how many terms to list (default 10)
  --by-family          also sum the contributions by family (direct path, head, virtual head, pair of …),
                       the --top largest families
  --json               the docs/design.md §3 object: tokens, logits, every term with its full logits, maxAbsError
  --no-simplify        ordered bilinear pairs and unrewritten formulas
  --max-degree K, --layers 0,1, --ablate L.H|L.mlp   which terms (as in 'pathsum expand')
  --backend B          auto (default), node, wasm or cpu
  --quiet              no progress bar
`;

interface Values extends SelectionValues, ModelValues {
  tokens?: string;
  target?: string;
  'target-next'?: boolean;
  position?: string;
  top?: string;
  'by-family'?: boolean;
  json?: boolean;
  'no-simplify'?: boolean;
  backend?: string;
  quiet?: boolean;
  help?: boolean;
}

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags<Values>('eval', args, {
    ...modelFlags,
    tokens: { type: 'string' },
    target: { type: 'string' },
    'target-next': { type: 'boolean' },
    position: { type: 'string' },
    top: { type: 'string' },
    'by-family': { type: 'boolean' },
    json: { type: 'boolean' },
    'no-simplify': { type: 'boolean' },
    backend: { type: 'string' },
    quiet: { type: 'boolean' },
    ...selectionFlags,
  });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  if (positionals.length !== 1)
    throw new UserError(`eval takes one spec, found ${positionals.length}; see 'pathsum eval --help'`);
  if (values.target !== undefined && values['target-next'])
    throw new UserError('eval: --target and --target-next both choose the target; give one');
  const backendChoice = parseBackend(values.backend);
  const backend = await useBackend(backendChoice);
  const model = loadModel(positionals[0]!, {
    model: values.model,
    weights: values.weights,
    seed: integerFlag('eval', 'seed', values.seed),
  });
  const { arch } = model;
  const tokens = tokensFlag('eval', values.tokens, arch);
  const token = integerFlag('eval', 'target', values.target);
  if (token !== undefined && token >= arch.vocab)
    throw new UserError(`eval: --target ${token} is not a token of this model (vocab ${arch.vocab})`);
  const position = integerFlag('eval', 'position', values.position);
  if (position !== undefined && position >= tokens.length)
    throw new UserError(`eval: --position ${position} is past the last of the ${tokens.length} tokens`);
  const top = integerFlag('eval', 'top', values.top, 1) ?? 10;
  const simplify = !values['no-simplify'];
  const terms = [...expand(arch, { ...selection('eval', arch, values), symmetrize: simplify })];

  for (const w of model.warnings) io.stderr(`warning: ${w}\n`);
  if (!values.quiet && backendChoice === 'auto' && !values.json) io.stderr(`backend: ${backend}\n`);
  const bar = progress(io, 'evaluating terms', terms.length, values.quiet);
  const result = evaluateSequence(model, tokens, terms, {
    token,
    position,
    fullLogits: values.json,
    onTerm: () => bar.tick(),
  });
  bar.done();
  if (values.json) printJSON(io, tokens, result, model, simplify);
  else
    io.stdout(
      table(model, tokens, result, top, simplify, token === undefined) +
        (values['by-family'] ? familyTable(result, top) : ''),
    );
  return 0;
}

function printJSON(
  io: Io,
  tokens: readonly number[],
  result: SequenceEvaluation,
  model: Model,
  simplify: boolean,
): void {
  const out = bufferedStdout(io);
  out.write(`{ "tokens": ${JSON.stringify(tokens)},\n  "logits": ${JSON.stringify(result.logits)},\n  "terms": [`);
  result.attributions.forEach(({ term }, i) => {
    const json = { ...termToJSON(term, model.arch, { simplify }), logits: result.termLogits![i] };
    out.write(`${i === 0 ? '\n' : ',\n'}    ${JSON.stringify(json)}`);
  });
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
): string {
  const { position, token } = result.target;
  const logit = result.logits[position]![token]!;
  const ranked = byMagnitude(result.attributions);
  const shown = ranked.slice(0, top);
  const total = result.attributions.reduce((s, a) => s + a.contribution, 0);
  const share = (x: number) => (total === 0 ? '—' : `${((100 * x) / total).toFixed(1)}%`);
  const lines = [
    `model ${model.arch.name} · ${model.source}`,
    `tokens ${tokens.join(' ')}`,
    `target: logit of token ${token} at position ${position}${predicted ? ' (the top prediction)' : ''} = ${fixed(logit)}; Σ of the ${count(result.attributions.length)} terms = ${fixed(total)}`,
    '',
    `${'rank'.padStart(4)}  ${'contribution'.padStart(12)}  ${'share'.padStart(7)}  degree  term`,
    ...shown.map(
      (a, i) =>
        `${String(i + 1).padStart(4)}  ${fixed(a.contribution).padStart(12)}  ${share(a.contribution).padStart(7)}  ${String(a.term.degree).padStart(6)}  ${termText(a.term, model, simplify)}`,
    ),
  ];
  const rest = ranked.slice(top).reduce((s, a) => s + a.contribution, 0);
  if (ranked.length > top)
    lines.push(
      `      ${fixed(rest).padStart(12)}  ${share(rest).padStart(7)}          the other ${count(ranked.length - top)} terms`,
    );
  lines.push(
    '',
    `maxAbsError ${result.maxAbsError.toExponential(2)}: max |Σ terms − forward logits| over all ${tokens.length}×${model.arch.vocab} logits`,
  );
  return `${lines.join('\n')}\n`;
}

function familyTable(result: SequenceEvaluation, top: number): string {
  const total = result.attributions.reduce((s, a) => s + a.contribution, 0);
  const share = (x: number) => (total === 0 ? '—' : `${((100 * x) / total).toFixed(1)}%`);
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

const termText = (term: Term, model: Model, simplify: boolean) => formatTerm(term, model.arch, 'text', { simplify });

const fixed = (x: number) => x.toFixed(4);
const count = (n: number) => n.toLocaleString('en-US');
