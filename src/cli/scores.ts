// `--scores L.H` of expand and eval: a head's attention scores as (query path, key path) terms
// (docs/design.md §1 and §3, "Score terms"), printed, or evaluated on one token sequence and ranked.
import { UserError } from '../errors.js';
import { printExpr, type Style } from '../formula/print.js';
import type { Architecture } from '../language/architecture.js';
import type { ExpandOptions } from '../model/block.js';
import { compare, formatTotal, total } from '../model/total.js';
import {
  attentionOf,
  countScoreTerms,
  expandScores,
  formatScoreTerm,
  rawScoreFormula,
  type ScoreTarget,
  type ScoreTerm,
  scoreFamily,
  scoreTerms,
  scoreTermToJSON,
} from '../model/scores.js';
import type { Model } from '../numeric/model.js';
import { simplifyWithTrace } from '../simplify/rewrite.js';
import { integerFlag } from './args.js';
import { count, fixed, percent } from './eval-format.js';
import { bufferedStdout, type Io } from './io.js';

/** `--scores L.H`: a head of the model. */
export function scoresFlag(command: string, value: string, arch: Architecture): ScoreTarget {
  const m = /^(\d+)\.(\d+)$/.exec(value);
  if (!m) throw new UserError(`${command}: --scores takes LAYER.HEAD (e.g. 1.0), found '${value}'`);
  const target = { layer: Number(m[1]), head: Number(m[2]) };
  attentionOf(arch, target);
  return target;
}

export interface ExpandScoresOptions {
  readonly format: Style | 'json';
  readonly simplify: boolean;
  readonly limit: number;
  readonly explain: boolean;
  readonly selection: ExpandOptions;
}

/** `pathsum expand SPEC --scores L.H`: the score terms as text, LaTeX or JSON (`{"terms": [...]}`). */
export async function printScoreTerms(
  io: Io,
  arch: Architecture,
  target: ScoreTarget,
  o: ExpandScoresOptions,
): Promise<number> {
  const out = bufferedStdout(io);
  if (o.format === 'json') out.write('{ "terms": [');
  let shown = 0;
  for (const t of scoreTerms(arch, target, o.selection)) {
    if (shown === o.limit) break;
    const i = shown++;
    if (o.format === 'json')
      out.write(`${i === 0 ? '\n' : ',\n'}  ${JSON.stringify(scoreTermToJSON(t, arch, target, o))}`);
    else {
      out.write(`${formatScoreTerm(t, arch, target, o.format, o)}\n`);
      if (o.explain) out.write(explain(t, arch, target));
    }
    await out.drained();
  }
  if (o.format === 'json') out.write('\n] }\n');
  out.flush();
  const all = countScoreTerms(arch, target, o.selection);
  if (compare(total(shown), all) < 0) io.stderr(`showing the first ${shown} of ${formatTotal(all)} score terms\n`);
  return 0;
}

function explain(term: ScoreTerm, arch: Architecture, target: ScoreTarget): string {
  const { trace } = simplifyWithTrace(rawScoreFormula(term, arch, target));
  return trace.map(s => `    ${s.rule}: ${printExpr(s.before)}  ⟶  ${printExpr(s.after)}\n`).join('');
}

export interface EvalScoresOptions {
  readonly model: Model;
  readonly tokens: readonly number[];
  readonly target: ScoreTarget;
  readonly query?: string;
  readonly key?: string;
  readonly top: number;
  readonly json: boolean;
  readonly simplify: boolean;
  readonly selection: ExpandOptions;
  /** Why Σ terms − forward is no error bound, when the selection dropped terms. */
  readonly filter: string | undefined;
}

/** `pathsum eval SPEC --tokens … --scores L.H [--query I] [--key J]`. */
export async function evaluateScoreTerms(io: Io, o: EvalScoresOptions): Promise<number> {
  const n = o.tokens.length;
  const query = integerFlag('eval', 'query', o.query, 0, n - 1) ?? n - 1;
  const asked = integerFlag('eval', 'key', o.key, 0, n - 1);
  if (asked !== undefined && asked > query)
    throw new UserError(`eval: --key ${asked} is after --query ${query}; a causal head attends to keys ≤ its query`);
  const focus = await focusScores(o, query, asked);
  if (o.json) {
    const out = bufferedStdout(io);
    await writeScoresJSON(out, o, focus);
    out.write('\n');
    out.flush();
  } else io.stdout(scoresTable(o, focus));
  return 0;
}

/** A head's score terms evaluated at one query and key position, in the order expanded. */
export interface ScoreFocus {
  readonly terms: readonly ScoreTerm[];
  /** Each term's contribution at (query, key), in the order of `terms`. */
  readonly contributions: readonly number[];
  readonly query: number;
  readonly key: number;
  /** The forward pass's score there. */
  readonly score: number;
  /** max |Σ terms − forward scores| over every query and key position. */
  readonly maxAbsError: number;
  /** The frozen pattern's weight there. */
  readonly weight: number;
}

/** The score terms of `o.target` at (query, key); the key by default the one the query attends to most. */
export async function focusScores(
  o: Pick<EvalScoresOptions, 'model' | 'tokens' | 'target' | 'selection'>,
  query: number,
  key?: number,
): Promise<ScoreFocus> {
  const { arch, weights } = o.model;
  const n = o.tokens.length;
  const [{ evaluateScores }, { namingOverflow }] = await Promise.all([
    import('../numeric/scores.js'),
    import('../numeric/overflow.js'),
  ]);
  const terms = expandScores(arch, o.target, o.selection);
  const values = namingOverflow(o.model.source, () => evaluateScores(arch, weights, o.tokens, o.target, terms));
  const chosen = key ?? mostAttended(values.pattern, n, query);
  const at = query * n + chosen;
  const { sum } = values.totals();
  const maxAbsError = sum.reduce((worst, total, i) => Math.max(worst, Math.abs(total - values.forward[i]!)), 0);
  return {
    terms,
    contributions: Array.from(values.at(query, chosen)),
    query,
    key: chosen,
    score: values.forward[at]!,
    maxAbsError,
    weight: values.pattern[at]!,
  };
}

/**
 * The JSON object of `eval --scores` (docs/design.md §3), `{ head, query, key, score, terms, maxAbsError }`,
 * without a trailing newline; `lead` are fields written before `head` (e.g. `"node": 3, `), `indent` opens
 * each line after the first.
 */
export async function writeScoresJSON(
  out: ReturnType<typeof bufferedStdout>,
  o: Pick<EvalScoresOptions, 'model' | 'target' | 'simplify'>,
  f: ScoreFocus,
  lead = '',
  indent = '',
): Promise<void> {
  const { arch } = o.model;
  out.write(
    `{ ${lead}"head": ${JSON.stringify(o.target)}, "query": ${f.query}, "key": ${f.key}, ` +
      `"score": ${JSON.stringify(f.score)},\n${indent}  "terms": [`,
  );
  for (const [i, t] of f.terms.entries()) {
    const json = { ...scoreTermToJSON(t, arch, o.target, o), contribution: f.contributions[i] };
    out.write(`${i === 0 ? '\n' : ',\n'}${indent}    ${JSON.stringify(json)}`);
    await out.drained();
  }
  out.write(`\n${indent}  ],\n${indent}  "maxAbsError": ${JSON.stringify(f.maxAbsError)} }`);
}

/** The key a query attends to most (the first of equals). */
function mostAttended(pattern: Float64Array, n: number, query: number): number {
  let best = 0;
  for (let j = 1; j <= query; j++) if (pattern[query * n + j]! > pattern[query * n + best]!) best = j;
  return best;
}

/** The longest family name, `Q- and K-composition (via MLP)`. */
const FAMILY_WIDTH = 30;

/** The ranked table of `eval --scores`; `header` adds the model and token lines. */
export function scoresTable(
  o: Pick<EvalScoresOptions, 'model' | 'tokens' | 'target' | 'top' | 'simplify' | 'filter'>,
  f: ScoreFocus,
  header = true,
): string {
  const { arch } = o.model;
  const terms = f.terms;
  const total = f.contributions.reduce((s, c) => s + c, 0);
  const share = (x: number) => percent(x / total);
  const ranked = terms
    .map((term, i) => ({ term, c: f.contributions[i]! }))
    .sort((a, b) => Math.abs(b.c) - Math.abs(a.c));
  const families = new Map<string, number>();
  for (const r of ranked) families.set(scoreFamily(r.term), (families.get(scoreFamily(r.term)) ?? 0) + r.c);
  const rest = ranked.slice(o.top).reduce((s, r) => s + r.c, 0);
  const { layer, head } = o.target;
  const lines = [
    ...(header ? [`model ${arch.name} · ${o.model.source}`, `tokens ${o.tokens.join(' ')}`] : []),
    `score of head ${layer}.${head}, query position ${f.query} → key position ${f.key} ` +
      `(attention ${fixed(f.weight)}) = ${fixed(f.score)}; Σ of the ${count(terms.length)} terms = ${fixed(total)}`,
    '',
    `${'rank'.padStart(4)}  ${'contribution'.padStart(12)}  ${'share'.padStart(7)}  ` +
      `${'family'.padEnd(FAMILY_WIDTH)}  term`,
    ...ranked
      .slice(0, o.top)
      .map(
        (r, i) =>
          `${String(i + 1).padStart(4)}  ${fixed(r.c).padStart(12)}  ${share(r.c).padStart(7)}  ` +
          `${scoreFamily(r.term).padEnd(FAMILY_WIDTH)}  ${formatScoreTerm(r.term, arch, o.target, 'text', o)}`,
      ),
    ...(ranked.length > o.top
      ? [
          `      ${fixed(rest).padStart(12)}  ${share(rest).padStart(7)}  ` +
            `the other ${count(ranked.length - o.top)} terms`,
        ]
      : []),
    '',
    `${'contribution'.padStart(12)}  ${'share'.padStart(7)}  family`,
    ...[...families]
      .sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]))
      .map(([name, c]) => `${fixed(c).padStart(12)}  ${share(c).padStart(7)}  ${name}`),
    '',
    `maxAbsError ${f.maxAbsError.toExponential(2)}: max |Σ terms − forward scores| over all ` +
      `${o.tokens.length}×${o.tokens.length} query and key positions`,
    ...(o.filter ? [`note: ${o.filter.replace('the logits', 'the scores')}`] : []),
  ];
  return `${lines.join('\n')}\n`;
}

/** eval's --scores, --query and --key, checked before anything is loaded; the target head, if asked. */
export function evalScoresFlags(
  values: { scores?: string; query?: string; key?: string; target?: string; position?: string },
  arch: Architecture,
  many: boolean,
): ScoreTarget | undefined {
  if (values.scores === undefined) {
    const stray = values.query !== undefined ? '--query' : values.key !== undefined ? '--key' : undefined;
    if (stray) throw new UserError(`eval: ${stray} chooses a position of a score; it needs --scores L.H`);
    return undefined;
  }
  if (many) throw new UserError('eval: --scores explains one sequence; give --tokens, not --inputs or --task');
  const other = values.target !== undefined ? '--target' : values.position !== undefined ? '--position' : undefined;
  if (other) throw new UserError(`eval: ${other} chooses a logit; with --scores, --query and --key choose the score`);
  return scoresFlag('eval', values.scores, arch);
}
