// The report as one HTML file: inline CSS, charts as inline SVG, formulas typeset, KaTeX's fonts
// embedded, no script to run and nothing to fetch. The figures are ReportData's, printed as `eval`
// prints them (4 decimals, shares to 0.1%); every tooltip states the exact float.
import type { TopLevelSpec } from 'vega-lite';
import { barChart, columnChart, type Datum, heatmap, renderSvg } from './charts.js';
import {
  type BilinearLayer,
  type HeadPattern,
  isTooMany,
  type PathTerms,
  type ReportData,
  type TooManyTerms,
  type TraceNode,
} from './data.js';
import { katexStylesheet, typeset } from './formulas.js';
import { STYLE } from './style.js';

export interface PageInput {
  readonly data: ReportData;
  /** The model summary, as `pathsum check` prints it. */
  readonly summary: string;
  /** The command line that made the report, shown at the top. */
  readonly command: string;
}

/** Families and heads drawn one bar each up to this many; the rest are one bar. */
const BARS = 16;

export async function reportPage({ data, summary, command }: PageInput): Promise<string> {
  const { paths } = data;
  const sections = [
    section('model', 'Model', `<pre>${escapeHtml(summary.trimEnd())}</pre><p>Weights: ${escapeHtml(data.source)}</p>`),
    await prediction(data),
    isTooMany(paths) ? skipped('contributions', CONTRIBUTIONS, paths, data.budget) : await contributions(data, paths),
    isTooMany(paths) ? skipped('terms', TERMS, paths, data.budget) : terms(paths),
    await attention(data),
    await bilinear(data),
    scores(data),
    traceTree(data),
    isTooMany(paths) ? skipped('verification', VERIFICATION, paths, data.budget) : verification(data, paths),
  ];
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>pathsum report: ${escapeHtml(data.model)}</title>`,
    `<style>${katexStylesheet()}</style>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<main>',
    `<h1>pathsum report: <code>${escapeHtml(data.model)}</code></h1>`,
    `<p class="command"><code>${escapeHtml(command)}</code></p>`,
    ...sections,
    `<script type="application/json" id="pathsum-data">${jsonForScript(summaryJSON(data))}</script>`,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function section(id: string, title: string, body: string): string {
  return `<section id="${id}">\n<h2>${escapeHtml(title)}</h2>\n${body}\n</section>`;
}

/** A chart with its caption; `id` names the figure and prefixes the ids inside its SVG. */
async function figure(id: string, caption: string, spec: TopLevelSpec): Promise<string> {
  const svg = await renderSvg(spec, id);
  return `<figure class="chart" id="${id}">${svg}<figcaption>${escapeHtml(caption)}</figcaption></figure>`;
}

const CONTRIBUTIONS = 'Contributions by family and by head';
const TERMS = 'Top terms';
const VERIFICATION = 'Verification';

/** A term-based section left out of a report whose expansion was over its limit: why, and where to look. */
function skipped(id: string, title: string, { count: total, maxTerms }: TooManyTerms, budget: number): string {
  const trace =
    budget === 0
      ? '<code>pathsum trace</code> explains the logit exactly at any depth.'
      : 'The trace tree explains the logit exactly instead: its children add up to their parent at every depth.';
  return section(
    id,
    title,
    `<p class="absent">Not computed: the model has ${escapeHtml(total)} path terms, more than the ` +
      `${count(maxTerms)} a report holds at once. ${trace}</p>`,
  );
}

const token = (t: number) => `token ${t}`;
const tokenAt = (tokens: readonly number[]) => tokens.map((t, p) => `${p}: ${t}`);

async function prediction(data: ReportData): Promise<string> {
  const { position, token: target, predicted } = data.target;
  const logit = data.logits[target]!;
  const order = [...data.logits.keys()].sort((a, b) => data.logits[b]! - data.logits[a]!).slice(0, 10);
  const bars = order.map(t => ({
    x: '',
    y: token(t),
    value: data.logits[t]!,
    tip: `${token(t)}: logit ${data.logits[t]}`,
  }));
  const body = [
    `<p>Input (position: token): ${tokenAt(data.tokens).map(escapeHtml).join(', ')}</p>`,
    `<p>Target: the logit of token ${target} at position ${position}${predicted ? ' (the top prediction)' : ''} = ` +
      `${exact(logit, fixed(logit))}${termSum(data.paths)}.</p>`,
    await figure('logits', `The 10 largest logits at position ${position}`, barChart(bars, { x: 'logit' })),
  ];
  return section('prediction', 'Prediction', body.join('\n'));
}

const termSum = (paths: ReportData['paths']) =>
  isTooMany(paths)
    ? `; its ${escapeHtml(paths.count)} path terms are too many to list`
    : `; Σ of the ${count(paths.termCount)} terms = ${exact(paths.sum, fixed(paths.sum))}`;

/** Bars for the first BARS groups, then one for the rest. */
function groupBars(groups: PathTerms['families'], sum: number, what: string): Datum[] {
  const shown = groups.slice(0, BARS);
  const rest = groups.slice(BARS);
  const bar = (y: string, value: number, terms: number) => ({
    x: '',
    y,
    value,
    tip: `${y}: contribution ${value}, share ${percent(value / sum)}, ${count(terms)} terms`,
  });
  return [
    ...shown.map(g => bar(g.group, g.contribution, g.terms)),
    ...(rest.length === 0
      ? []
      : [
          bar(
            `the other ${rest.length} ${what}`,
            rest.reduce((s, g) => s + g.contribution, 0),
            rest.reduce((s, g) => s + g.terms, 0),
          ),
        ]),
  ];
}

async function contributions(data: ReportData, paths: PathTerms): Promise<string> {
  const axes = { x: `contribution to the logit of token ${data.target.token}` };
  const body = [
    await figure(
      'families',
      'By path family (direct path, head, virtual head, pair of …): the sum of the contributions of its terms',
      barChart(groupBars(paths.families, paths.sum, 'families'), axes),
    ),
    ...(paths.heads.length === 0
      ? ['<p class="absent">The model has no attention heads.</p>']
      : [
          await figure(
            'heads',
            'By head: the sum over every term whose path passes through it ' +
              '(a term through several heads counts for each)',
            barChart(groupBars(paths.heads, paths.sum, 'heads'), axes),
          ),
        ]),
  ];
  return section('contributions', CONTRIBUTIONS, body.join('\n'));
}

function terms(data: PathTerms): string {
  const shown = data.terms.reduce((s, t) => s + t.contribution, 0);
  const rows = data.terms.map(
    t =>
      `<tr title="contribution ${t.contribution}, share ${t.contribution / data.sum}" ` +
      `data-path="${escapeHtml(t.path)}" ` +
      `data-contribution="${t.contribution}">` +
      `<td class="n">${t.rank}</td><td class="n">${fixed(t.contribution)}</td>` +
      `<td class="n">${percent(t.contribution / data.sum)}</td><td class="n">${t.degree}</td>` +
      `<td class="formula">${typeset(t.latex)}</td></tr>`,
  );
  const rest = data.termCount - data.terms.length;
  if (rest > 0) {
    const other = data.sum - shown;
    rows.push(
      `<tr class="rest" title="contribution ${other}"><td></td><td class="n">${fixed(other)}</td>` +
        `<td class="n">${percent(other / data.sum)}</td><td></td><td>the other ${count(rest)} terms</td></tr>`,
    );
  }
  const table = [
    '<table class="terms">',
    '<thead><tr><th>rank</th><th>contribution</th><th>share</th><th>degree</th><th>term</th></tr></thead>',
    `<tbody>\n${rows.join('\n')}\n</tbody>`,
    '</table>',
  ].join('\n');
  const intro =
    `<p>The ${count(data.terms.length)} terms of largest |contribution| of ${count(data.termCount)}, ` +
    'each a position kernel tensored with a feature tensor, read right to left from the tokens to the logits.</p>';
  return section('terms', TERMS, `${intro}\n${table}`);
}

async function attention(data: ReportData): Promise<string> {
  if (data.attention.length === 0) return section('attention', 'Attention patterns', '<p>No attention heads.</p>');
  const labels = tokenAt(data.tokens);
  const charts = await Promise.all(data.attention.map(h => headFigure(h, labels)));
  const intro =
    "<p>Each head's pattern on this input, frozen from the forward pass as the expansion freezes it: " +
    'row = query (position: token), column = the key it attends to.</p>';
  return section('attention', 'Attention patterns', `${intro}\n<div class="grid">\n${charts.join('\n')}\n</div>`);
}

function headFigure({ layer, head, pattern }: HeadPattern, labels: readonly string[]): Promise<string> {
  const cells = pattern.flatMap((row, q) =>
    row.map((value, k) => ({
      x: labels[k]!,
      y: labels[q]!,
      value,
      tip: `head ${layer}.${head}: query ${labels[q]} → key ${labels[k]}: ${value}`,
    })),
  );
  const axes = { x: { title: 'key', labels }, y: { title: 'query', labels }, scale: 'sequential' } as const;
  return figure(
    `head-${layer}-${head}`,
    `head ${layer}.${head}`,
    heatmap(cells, axes, Math.round(Math.max(14, Math.min(28, 240 / labels.length)))),
  );
}

async function bilinear(data: ReportData): Promise<string> {
  if (data.bilinear.length === 0) return section('bilinear', 'Bilinear layers', '<p>No bilinear layers.</p>');
  const parts = await Promise.all(data.bilinear.map(layerPart));
  return section('bilinear', 'Bilinear layers', parts.join('\n'));
}

async function layerPart({ features: f, matrix }: BilinearLayer): Promise<string> {
  const n = f.dimension;
  const coordinate = (i: number) => (f.homogeneous && i === n - 1 ? '1' : String(i));
  const labels = Array.from({ length: n }, (_, i) => coordinate(i));
  const cells = labels.flatMap((y, i) =>
    labels.map((x, j) => {
      const value = matrix.data[i * n + j]!;
      return { x, y, value, tip: `Q_u[${y}, ${x}] = ${value}` };
    }),
  );
  const spectrum = f.eigenvalues.map((value, i) => ({
    x: String(i + 1),
    y: '',
    value,
    tip: `λ_${i + 1} = ${value}, top ${i + 1} explain ${percent(f.explained[i]!)} of ‖Q_u‖_F²`,
  }));
  const step = n > 32 ? 7 : 14;
  const homogeneous = f.homogeneous
    ? `, over x̃ = (x, 1), constant u·b_out = ${exact(f.offset, f.offset.toPrecision(4))}`
    : '';
  const axes = { x: { title: 'coordinate', labels }, y: { title: 'coordinate', labels }, scale: 'diverging' } as const;
  const profiles = await Promise.all(
    f.features.map(feature =>
      figure(
        `profile-${f.layer}-${feature.index}`,
        `eigenvector ${feature.index} ` +
          `(λ = ${feature.eigenvalue.toPrecision(4)}, ${percent(feature.share)} of ‖Q_u‖_F²)`,
        columnChart(
          feature.profile.map((value, t) => ({ x: String(t), y: '', value, tip: `token ${t}: ${value}` })),
          { x: 'token', y: 'x̃_a · v' },
          columnStep(feature.profile.length),
        ),
      ),
    ),
  );
  return [
    `<h3>Layer ${f.layer}</h3>`,
    `<p>Read along ${escapeHtml(f.readout.label)}: Q_u is ${n}×${n}, ` +
      `‖Q_u‖_F² = ${exact(f.frobeniusSquared, f.frobeniusSquared.toPrecision(5))}${homogeneous}.</p>`,
    ...[...f.readout.notes, ...f.inputs.notes].map(note => `<p class="note">${escapeHtml(note)}</p>`),
    '<div class="grid">',
    await figure(`q-${f.layer}`, 'interaction matrix Q_u (residual coordinates)', heatmap(cells, axes, step)),
    await figure(`spectrum-${f.layer}`, 'eigenvalues of Q_u, by |λ|', columnChart(spectrum, { x: 'i', y: 'λ_i' }, 7)),
    '</div>',
    `<p>Token profiles of the top ${f.features.length} eigenvectors (${escapeHtml(f.inputs.via)}):</p>`,
    `<div class="grid">\n${profiles.join('\n')}\n</div>`,
  ].join('\n');
}

/** Narrower columns for a longer axis, so that a profile over 60 tokens stays on the page. */
const columnStep = (columns: number) => (columns > 40 ? 8 : 14);

function scores(data: ReportData): string {
  const title = 'Score terms of a head';
  const s = data.scores;
  if (!s) return section('scores', title, '<p class="absent">Not computed: no head was chosen.</p>');
  const shown = s.terms.reduce((sum, t) => sum + t.contribution, 0);
  const rows = s.terms.map(
    (t, i) =>
      `<tr title="contribution ${t.contribution}"><td class="n">${i + 1}</td>` +
      `<td class="n">${fixed(t.contribution)}</td><td class="n">${percent(t.contribution / s.sum)}</td>` +
      `<td>${escapeHtml(t.family)}</td><td class="formula">${typeset(t.latex)}</td></tr>`,
  );
  if (s.termCount > s.terms.length)
    rows.push(
      `<tr class="rest" title="contribution ${s.sum - shown}"><td></td><td class="n">${fixed(s.sum - shown)}</td>` +
        `<td class="n">${percent((s.sum - shown) / s.sum)}</td><td></td>` +
        `<td>the other ${count(s.termCount - s.terms.length)} terms</td></tr>`,
    );
  const { layer, head } = s.head;
  const intro =
    `<p>The pre-softmax score of head ${layer}.${head}, query position ${s.query} → key position ${s.key} ` +
    `(the key it attends to most, attention ${exact(s.weight, fixed(s.weight))}) = ` +
    `${exact(s.score, fixed(s.score))}, ` +
    `as (query path, key path) terms; Σ of the ${count(s.termCount)} terms = ${exact(s.sum, fixed(s.sum))}.</p>`;
  const table = [
    '<table class="terms scores">',
    '<thead><tr><th>rank</th><th>contribution</th><th>share</th><th>family</th><th>term</th></tr></thead>',
    `<tbody>\n${rows.join('\n')}\n</tbody>`,
    '</table>',
  ].join('\n');
  return section('scores', title, `${intro}\n${table}`);
}

/** Children shown under a node of the trace tree; the rest are summed in one line. */
const CHILDREN = 12;

function traceTree(data: ReportData): string {
  const title = 'Trace tree';
  if (data.budget === 0) return section('trace', title, '<p class="absent">Not computed (a budget of 0).</p>');
  const children = new Map<number, TraceNode[]>();
  for (const node of data.trace)
    if (node.parent !== null) children.set(node.parent, [...(children.get(node.parent) ?? []), node]);
  const line = (n: TraceNode) =>
    `${exact(n.contribution, fixed(n.contribution))} ` +
    `<span class="share">${percent(n.contribution / data.logits[data.target.token]!)}</span> ` +
    `<code>${escapeHtml(n.formula)}</code>`;
  const render = (n: TraceNode, depth: number): string => {
    if (!n.expanded) return `<div class="leaf">${line(n)}</div>`;
    const kids = [...(children.get(n.id) ?? [])].sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution));
    const rest = kids.slice(CHILDREN);
    const restSum = rest.reduce((s, k) => s + k.contribution, 0);
    const more = rest.length
      ? [`<div class="leaf rest">${exact(restSum, fixed(restSum))} the other ${rest.length} children</div>`]
      : [];
    const inner = [...kids.slice(0, CHILDREN).map(k => render(k, depth + 1)), ...more].join('\n');
    return `<details${depth < 2 ? ' open' : ''}><summary>${line(n)}</summary>\n${inner}\n</details>`;
  };
  const expansions = data.trace.filter(n => n.expanded).length;
  const intro =
    `<p>The logit explained best first (<code>pathsum trace</code>, ${expansions} expansions, ` +
    `${count(data.trace.length)} nodes): each node is a partial path, R a residual stream the forward pass ` +
    'computed; expanding it replaces R by every component written to it, so the children add up to their parent. ' +
    'Click a node to fold or unfold it.</p>';
  return section('trace', title, `${intro}\n<div class="tree">\n${render(data.trace[0]!, 0)}\n</div>`);
}

function verification(data: ReportData, paths: PathTerms): string {
  const laws =
    data.runs === 0
      ? ['<li>The laws of <code>pathsum verify</code> were not run.</li>']
      : paths.laws.map(law => {
          const { error, tolerance, precision } = law.worst;
          const verdict = law.passed ? '<span class="ok">ok</span>' : '<span class="fail">FAIL</span>';
          const detail = law.passed ? '' : `; counterexample ${escapeHtml(law.counterexample ?? '')}`;
          return (
            `<li title="worst relative error ${error}">${verdict} ${escapeHtml(law.law)}: ` +
            `${law.runs} runs, worst relative ` +
            `error ${error.toExponential(2)} (tolerance ${tolerance.toExponential(0)}, ${precision})${detail}</li>`
          );
        });
  const body = [
    `<p title="${paths.maxAbsError}">On this input, max |Σ terms − forward logits| over all ` +
      `${data.tokens.length}×${data.logits.length} logits = ${paths.maxAbsError.toExponential(2)}.</p>`,
    ...(data.runs === 0
      ? []
      : [
          `<p>The laws of <code>pathsum verify</code>, ${data.runs} random ` +
            `input${data.runs === 1 ? '' : 's'} each, seed ${data.seed}:</p>`,
        ]),
    `<ul class="laws">\n${laws.join('\n')}\n</ul>`,
  ];
  return section('verification', VERIFICATION, body.join('\n'));
}

/** The figures a program reading the report needs, exact. */
function summaryJSON(data: ReportData) {
  const head = { model: data.model, tokens: data.tokens, target: data.target, logit: data.logits[data.target.token] };
  const paths = data.paths;
  if (isTooMany(paths)) return { ...head, tooManyTerms: paths };
  return {
    ...head,
    sum: paths.sum,
    termCount: paths.termCount,
    terms: paths.terms.map(t => ({
      path: t.path,
      coefficient: t.coefficient,
      text: t.text,
      contribution: t.contribution,
    })),
    families: paths.families,
    heads: paths.heads,
    maxAbsError: paths.maxAbsError,
    laws: paths.laws.map(l => ({ law: l.law, passed: l.passed, runs: l.runs, error: l.worst.error })),
  };
}

/** JSON inside <script>: `<` escaped so that no `</script>` in a string ends the element. */
const jsonForScript = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

/** A rounded figure whose tooltip is the exact one. */
const exact = (x: number, shown: string) => `<span title="${x}">${shown}</span>`;

const fixed = (x: number) => x.toFixed(4);
const count = (n: number) => n.toLocaleString('en-US');
const percent = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : '—');

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`);
}
