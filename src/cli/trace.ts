// `pathsum trace SPEC --tokens …`: the exact best-first tree of partial paths under one logit
// (src/analysis/trace.ts); prints its frontier, which adds up to the logit at any budget.
import { UserError } from '../errors.js';
import type { Partial } from '../analysis/partial-path.js';
import type { Trace, TraceNode } from '../analysis/trace.js';
import type { ScoreTarget } from '../model/scores.js';
import { parseBackend, useBackend } from '../numeric/backend.js';
import type { Model } from '../numeric/model.js';
import { loadSpecSource } from '../numeric/spec-source.js';
import { integerFlag, parseFlags, seedFlag } from './args.js';
import { count, fixed, percent } from './eval-format.js';
import { bufferedStdout, type Io } from './io.js';
import { modelFlags, modelOptions, type ModelValues, tokensFlag } from './model-flags.js';
import { progress } from './progress.js';
import {
  oneSpec,
  refuseTwoTargets,
  targetFlag,
  targetFlags,
  type TargetValues,
  targetNextFlag,
} from './target-flags.js';
import type { ScoreFocus } from './scores.js';

const DEFAULT_BUDGET = 100;
const DEFAULT_TOP = 20;

const HELP = `usage: pathsum trace SPEC --tokens T1,T2,... [options]

Explains one logit exactly, at any depth: a tree of partial paths, refined best first. The root is
the final residual stream read out at the target; expanding a node replaces its latest placeholder
R (a residual stream as the forward pass computed it) by every component written to that stream
before it: the embeddings, each earlier head (its own input a placeholder), each ordered pair of an
earlier bilinear block's inputs, the biases. With attention patterns and norm scales frozen, every
node's contribution is exact and the children of a node add up to it, so the frontier adds up to the
logit. Prints the frontier ranked by |contribution|, each node with the id --why takes. SPEC is a
.pathsum file or a model directory.

  --tokens T1,T2,...   the input token ids (at most the model's context)
  --target TOKEN       the logit to explain (default: the model's top prediction)
  --target-next        explain the model's top prediction (the default)
  --position P         the position whose logit is explained (default: the last)
  --budget N           expand at most N nodes (default ${DEFAULT_BUDGET})
  --threshold X        stop once every node still holding a placeholder has |contribution| < X (default 0)
  --split-positions    split each head by source position (the pattern's column): which token it read
  --top N              how many frontier nodes (and --why's score terms) to list (default ${DEFAULT_TOP})
  --why ID             ask head node ID (an id of --json's nodes) why its head attends where it does: the
                       score terms of that head at the target position and its most-attended key (the
                       node's source, with --split-positions), ranked, as 'pathsum eval --scores L.H' prints
  --json               { logit, target: {token, position}, nodes: [{id, parent, path, contribution,
                       expanded}], frontier: [ids] } (docs/design.md §3; PATH with placeholders); with --why
                       also why: { node, head: {layer, head}, query, key, score, terms, maxAbsError }
  --weights FILE       safetensors weights (default: random weights, see --seed)
  --allow-extra        ignore tensors of the weights file that the spec does not use (a warning each)
  --seed S             seed of the random weights when no --weights is given (default 0)
  --model NAME         the model, when the spec file holds several
  --backend B          auto (the default: node if @tensorflow/tfjs-node is installed, else wasm), node, wasm or cpu
  --quiet              no progress bar
`;

interface Values extends ModelValues, TargetValues {
  budget?: string;
  threshold?: string;
  'split-positions'?: boolean;
  top?: string;
  why?: string;
  json?: boolean;
  help?: boolean;
}

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags<Values>('trace', args, {
    ...modelFlags,
    ...targetFlags,
    ...targetNextFlag,
    budget: { type: 'string' },
    threshold: { type: 'string' },
    'split-positions': { type: 'boolean' },
    top: { type: 'string' },
    why: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  const spec = oneSpec('trace', positionals);
  refuseTwoTargets('trace', values);
  const backendChoice = parseBackend(values.backend);
  const seed = seedFlag('trace', values.seed);
  const arch = loadSpecSource(spec, { model: values.model });
  const tokens = tokensFlag('trace', values.tokens, arch);
  const { token, position } = targetFlag('trace', values, arch, tokens);
  const budget = integerFlag('trace', 'budget', values.budget) ?? DEFAULT_BUDGET;
  const threshold = thresholdFlag(values.threshold);
  const top = integerFlag('trace', 'top', values.top, 1) ?? DEFAULT_TOP;
  const whyId = integerFlag('trace', 'why', values.why);

  // every flag is checked: only now load tfjs and the weights
  const [{ loadModel }, { trace }] = await Promise.all([import('../numeric/model.js'), import('../analysis/trace.js')]);
  const backend = await useBackend(backendChoice);
  const model = loadModel(spec, modelOptions(values, seed));
  for (const w of model.warnings) io.stderr(`warning: ${w}\n`);
  if (!values.quiet && backendChoice === 'auto' && !values.json) io.stderr(`backend: ${backend}\n`);
  const bar = progress(io, 'tracing', budget, values.quiet);
  const result = trace(model, tokens, {
    budget,
    threshold,
    splitPositions: values['split-positions'],
    token,
    position,
    onExpand: () => bar.tick(),
  });
  bar.done();
  const why = whyId === undefined ? undefined : await askWhy(model, tokens, result, whyId);
  if (values.json) await printJSON(io, result, why);
  else {
    io.stdout(await table(model, tokens, result, top, budget));
    if (why) io.stdout(await whyTable(model, tokens, result, why, top));
  }
  return 0;
}

function thresholdFlag(value: string | undefined): number {
  if (value === undefined) return 0;
  const x = Number(value);
  if (!/^(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(value) || !Number.isFinite(x))
    throw new UserError(`trace: --threshold must be a non-negative number, found '${value}'`);
  return x;
}

async function printJSON(io: Io, t: Trace, why: Why | undefined): Promise<void> {
  const { partialToJSON } = await import('../analysis/partial-path.js');
  const out = bufferedStdout(io);
  const target = { token: t.target.token, position: t.target.position };
  out.write(`{ "logit": ${JSON.stringify(t.logit)},\n  "target": ${JSON.stringify(target)},\n  "nodes": [`);
  for (const [i, node] of t.nodes.entries()) {
    const json = {
      id: node.id,
      parent: node.parent,
      path: partialToJSON(node.partial),
      contribution: node.contribution,
      expanded: node.expanded,
    };
    out.write(`${i === 0 ? '\n' : ',\n'}    ${JSON.stringify(json)}`);
    await out.drained();
  }
  out.write(`\n  ],\n  "frontier": ${JSON.stringify(t.frontier)}`);
  if (why) {
    const { writeScoresJSON } = await import('./scores.js');
    out.write(',\n  "why": ');
    await writeScoresJSON(out, whyOptions(why), why.focus, `"node": ${why.node.id}, `, '  ');
  }
  out.write(' }\n');
  out.flush();
}

async function table(model: Model, tokens: readonly number[], t: Trace, top: number, budget: number): Promise<string> {
  const { formatPartial } = await import('../analysis/trace-format.js');
  const { position, token, predicted } = t.target;
  const frontier = t.frontier.map(id => t.nodes[id]!);
  const sum = frontier.reduce((s, n) => s + n.contribution, 0);
  const share = (x: number) => percent(x / t.logit);
  const shown = frontier.slice(0, top);
  const rest = frontier.slice(top).reduce((s, n) => s + n.contribution, 0);
  const lines = [
    `model ${model.arch.name} · ${model.source}`,
    `tokens ${tokens.join(' ')}`,
    `target: logit of token ${token} at position ${position}${predicted ? ' (the top prediction)' : ''} = ` +
      fixed(t.logit),
    `trace: ${count(t.expansions)} expansion${t.expansions === 1 ? '' : 's'} (budget ${count(budget)}), ` +
      `${nodes(t.nodes.length)}; frontier ${nodes(frontier.length)}, ` +
      `${count(t.open)} still holding a placeholder R`,
    '',
    `${'id'.padStart(6)}  ${'contribution'.padStart(12)}  ${'share'.padStart(7)}  node`,
    ...shown.map(
      n =>
        `${String(n.id).padStart(6)}  ${fixed(n.contribution).padStart(12)}  ${share(n.contribution).padStart(7)}  ` +
        formatPartial(n.partial, model.arch, 'text'),
    ),
  ];
  if (frontier.length > top)
    lines.push(
      `        ${fixed(rest).padStart(12)}  ${share(rest).padStart(7)}  ` +
        `the other ${count(frontier.length - top)} frontier node${frontier.length - top === 1 ? '' : 's'}`,
    );
  lines.push(
    '',
    `${frontier.length === 1 ? 'the frontier node is' : `the ${count(frontier.length)} frontier nodes add up to`} ` +
      `${fixed(sum)}, the logit ${fixed(t.logit)} ` +
      `(exact: children add up to their parent; difference ${Math.abs(sum - t.logit).toExponential(2)}, ` +
      'float rounding)',
  );
  return `${lines.join('\n')}\n`;
}

const nodes = (n: number) => `${count(n)} node${n === 1 ? '' : 's'}`;

interface Why {
  readonly model: Model;
  readonly node: TraceNode;
  readonly target: ScoreTarget;
  readonly focus: ScoreFocus;
}

/**
 * The score terms of a head node's head at the position it writes to (the target's, as every node is read
 * out there) and the key it reads from: its source column when split, else the key attended to most.
 */
async function askWhy(model: Model, tokens: readonly number[], t: Trace, id: number): Promise<Why> {
  const node = t.nodes[id];
  if (!node)
    throw new UserError(`trace: --why ${id}: this trace has no node ${id} (its ids are 0 to ${t.nodes.length - 1})`);
  const asked = headOfNode(node.partial);
  if (!asked) {
    const { formatPartial } = await import('../analysis/trace-format.js');
    throw new UserError(
      `trace: --why ${id}: node ${id} is not a head node (it is ${formatPartial(node.partial, model.arch, 'text')}); ` +
        'ask a node whose outermost block is a head',
    );
  }
  if (asked.source !== null && asked.source > t.target.position)
    throw new UserError(
      `trace: --why ${id}: node ${id} reads position ${asked.source}, after the target position ` +
        `${t.target.position}; a causal head gives it no attention`,
    );
  const { focusScores } = await import('./scores.js');
  const target = { layer: asked.layer, head: asked.head };
  const focus = await focusScores(
    { model, tokens, target, selection: {} },
    t.target.position,
    asked.source ?? undefined,
  );
  return { model, node, target, focus };
}

function headOfNode(p: Partial): { layer: number; head: number; source: number | null } | undefined {
  if (p.kind === 'head') return p;
  if (p.kind === 'path' && p.path.kind === 'head') return { layer: p.path.layer, head: p.path.head, source: null };
  return undefined;
}

const whyOptions = (why: Why) => ({ model: why.model, target: why.target, simplify: true });

async function whyTable(model: Model, tokens: readonly number[], t: Trace, why: Why, top: number): Promise<string> {
  const [{ formatPartial }, { scoresTable }] = await Promise.all([
    import('../analysis/trace-format.js'),
    import('./scores.js'),
  ]);
  const { id, partial, contribution } = why.node;
  const o = { ...whyOptions(why), tokens, top, filter: undefined };
  return (
    `\nwhy node ${id}: ${formatPartial(partial, model.arch, 'text')}, ` +
    `contribution ${fixed(contribution)} (${percent(contribution / t.logit)} of the logit)\n` +
    scoresTable(o, why.focus, false)
  );
}
