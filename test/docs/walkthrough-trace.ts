// The part of docs/walkthrough.md on tracing a deep model: `pathsum trace` on examples/hf-induction. The
// command shown is run; every figure of the prose is read from the same trace's --json output.
import { memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { countTerms } from '../../src/model/count.js';
import { loadSpecSource } from '../../src/numeric/spec-source.js';

export const TRACE_ANCHOR = '## A deep model, traced (`pathsum trace`)';

const DIR = 'examples/hf-induction';
/** The tour's input: 8 random tokens repeated; the last, 14, was followed by 2 the first time. */
const TOKENS = [3, 17, 8, 21, 5, 11, 14, 2, 3, 17, 8, 21, 5, 11, 14];
const BUDGET = 3;
const TOP = 8;
const COMMAND = `pathsum trace ${DIR} --tokens ${TOKENS.join(',')} --split-positions --budget ${BUDGET} --top ${TOP}`;

type Placeholder = { residual: { layer?: number; site: string } };
type PathJSON =
  | Placeholder
  | { kind: 'head'; layer: number; head: number; source?: number; of: PathJSON }
  | { kind: 'bilinear'; layer: number; left: PathJSON; right: PathJSON }
  | { kind: string };
interface TraceJSON {
  logit: number;
  target: { token: number; position: number };
  nodes: { id: number; parent: number | null; path: PathJSON; contribution: number; expanded: boolean }[];
  frontier: number[];
}

async function run(command: string): Promise<string> {
  const io = memoryIo();
  const code = await main(command.split(' ').slice(1), io);
  if (code !== 0) throw new Error(`${command} exited ${code}: ${io.err()}`);
  return io.terminal();
}

/** The heads a partial path passes through, as `layer.head@source`. */
function headsOf(p: PathJSON): { layer: number; head: number; source?: number }[] {
  if (!('kind' in p)) return [];
  if (p.kind === 'head' && 'of' in p) return [{ layer: p.layer, head: p.head, source: p.source }, ...headsOf(p.of)];
  if (p.kind === 'bilinear' && 'left' in p) return [...headsOf(p.left), ...headsOf(p.right)];
  return [];
}

/** A child of the root in words: the component written into the final residual stream. */
function component(p: PathJSON): string {
  if ('residual' in p) return 'the residual stream';
  if (p.kind === 'head' && 'of' in p) return `head ${p.layer}.${p.head} reading position ${p.source}`;
  if (p.kind === 'bilinear' && 'left' in p) return `the bilinear block of layer ${p.layer}`;
  return `the ${p.kind} path`;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const list = (xs: readonly string[]) =>
  xs.length < 2 ? xs.join('') : `${xs.slice(0, -1).join(', ')} and ${xs.at(-1)}`;

/** What the trace shows, each figure read from its JSON. */
function findings(t: TraceJSON) {
  const { position, token } = t.target;
  const before = TOKENS.lastIndexOf(TOKENS[position]!, position - 1);
  if (before < 0 || TOKENS[before + 1] !== token)
    throw new Error(`the traced logit is not the induction answer: token ${token} at ${position}`);
  const share = (x: number) => x / t.logit;
  const rootChildren = t.nodes
    .filter(n => n.parent === 0)
    .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution));
  const top = t.frontier.slice(0, TOP).map(id => t.nodes[id]!);
  const copying = top.filter(n => headsOf(n.path).some(h => h.layer === 2 && h.source === before + 1));
  const copyHeads = [
    ...new Set(
      copying
        .flatMap(n => headsOf(n.path).filter(h => h.layer === 2 && h.source === before + 1))
        .map(h => `${h.layer}.${h.head}`),
    ),
  ];
  const sum = t.frontier.reduce((s, id) => s + t.nodes[id]!.contribution, 0);
  return {
    before,
    answerAt: before + 1,
    firstSplit: rootChildren.length,
    largest: rootChildren.slice(0, 3).map(n => `${component(n.path)} (${pct(share(n.contribution))})`),
    topShare: pct(share(top.reduce((s, n) => s + n.contribution, 0))),
    copying: copying.length,
    copyingShare: pct(share(copying.reduce((s, n) => s + n.contribution, 0))),
    copyHeads: list(copyHeads.sort()),
    frontier: t.frontier.length.toLocaleString('en-US'),
    difference: Math.abs(sum - t.logit).toExponential(1),
  };
}

export async function traceSection(): Promise<string> {
  const shown = await run(COMMAND);
  const t = JSON.parse(await run(`${COMMAND} --json`)) as TraceJSON;
  const f = findings(t);
  const total = countTerms(loadSpecSource(DIR)).total;
  const terms = 'exact' in total ? total.exact.toLocaleString('en-US') : '?';
  const { token, position } = t.target;
  return [
    TRACE_ANCHOR,
    '',
    wrap(
      `The ${terms} terms of \`examples/hf-induction\` are too many to evaluate one by one, and \`eval\` ` +
        'refuses without filters. `trace` explains one logit exactly at any depth instead: it starts from the ' +
        'final residual stream, a placeholder `R_final` whose value is the logit, and repeatedly replaces the ' +
        'latest placeholder of the node with the largest |contribution| by every component written into that ' +
        'stream (the embedding, each earlier head with its own input a placeholder `R_attn^{l}`, each ordered ' +
        'pair of inputs `R_mlp^{l}` of an earlier bilinear block). Attention patterns and norm scales are frozen ' +
        'at their values in the forward pass, so every node has an exact value and the children of a node add ' +
        "up to it. `--split-positions` splits each head by the position it reads. The input is the tour's: " +
        `eight random tokens repeated. At the last position, ${position}, the token ${TOKENS[position]} ` +
        `appeared before at position ${f.before}, followed by ${token} at position ${f.answerAt}, so induction ` +
        `predicts ${token}, and the model does:`,
    ),
    '',
    ['```', `$ ${COMMAND}`, shown.trimEnd(), '```'].join('\n'),
    '',
    wrap(
      `The first expansion splits the logit over ${f.firstSplit} components written into the final residual ` +
        `stream; the largest are ${f.largest.join(', ')}. After ${BUDGET} expansions the top ${TOP} nodes ` +
        `explain ${f.topShare} of the logit, and ${f.copying} of them pass through a head of layer 2 reading ` +
        `position ${f.answerAt}, the token that followed the earlier ${TOKENS[position]}: heads ` +
        `${f.copyHeads}, the induction heads, with ${f.copyingShare} of the logit between them, straight to ` +
        'the unembedding or through the bilinear block of layer 2. The last line is the guarantee: however ' +
        `small the budget, the ${f.frontier} frontier nodes add up to the logit (here to ${f.difference}, the ` +
        'rounding of float32 weights), so nothing is left in an error term. A larger `--budget` refines the ' +
        'same tree further; `--json` prints all of it, each node a PATH with its placeholders ' +
        '(docs/design.md §3).',
    ),
    '',
  ].join('\n');
}

/** Prose broken into lines of at most 105 characters. */
function wrap(text: string): string {
  const lines: string[] = [];
  for (const word of text.split(' ')) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + 1 + word.length <= 105) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines.join('\n');
}
