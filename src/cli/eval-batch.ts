// `pathsum eval SPEC --inputs FILE | --task NAME`: every sequence evaluated, each term's contribution
// averaged over them (src/analysis/batch-attribution.ts), printed as eval's table or as JSON.
import { type BatchEvaluation, evaluateBatch, type MeanAttribution } from '../analysis/batch-attribution.js';
import type { Batch } from '../analysis/inputs.js';
import type { Term } from '../model/expand.js';
import { termToJSON } from '../model/term-formula.js';
import type { Model } from '../numeric/model.js';
import { count, errorLines, fixed, percent, termText } from './eval-format.js';
import { bufferedStdout, type Io } from './io.js';
import { progress } from './progress.js';

export interface ManyOptions {
  readonly model: Model;
  readonly terms: readonly Term[];
  readonly batch: Batch;
  /** Where the sequences came from: a file, or `task NAME, seed S`. */
  readonly source: string;
  readonly token?: number;
  readonly position?: number;
  readonly top: number;
  readonly simplify: boolean;
  /** Why the terms do not add up to the logits, when a filter removed some. */
  readonly filter?: string;
  readonly byFamily?: boolean;
  readonly json?: boolean;
  readonly quiet?: boolean;
}

export async function evaluateMany(io: Io, options: ManyOptions): Promise<number> {
  const { model, terms, batch, token, position } = options;
  const bar = progress(
    io,
    `evaluating ${batch.tokens.length} sequences`,
    batch.tokens.length * terms.length,
    options.quiet,
  );
  const result = evaluateBatch(model, batch, terms, { token, position, onTerm: () => bar.tick() });
  bar.done();
  if (options.json) await printJSON(io, result, options);
  else io.stdout(table(result, options) + (options.byFamily ? familyTable(result, options.top) : ''));
  return 0;
}

function table(result: BatchEvaluation, options: ManyOptions): string {
  const { model, top, simplify, token, position } = options;
  const n = result.sequences;
  const ranked = [...result.attributions].sort((a, b) => Math.abs(b.meanContribution) - Math.abs(a.meanContribution));
  const target = `${token === undefined ? "each sequence's top prediction" : `token ${token}`} at ${
    position === undefined ? 'its last position' : `position ${position}`
  }`;
  const predicted =
    result.nextTokenPredicted === null
      ? ''
      : `; the top prediction is the given next token on ${count(result.nextTokenPredicted)} of ${count(n)}`;
  const row = (a: MeanAttribution, i: number) =>
    `${String(i + 1).padStart(4)}  ${fixed(a.meanContribution).padStart(12)}  ${percent(a.meanShare).padStart(10)}  ` +
    `${String(a.largestOn).padStart(10)}  ${String(a.term.degree).padStart(6)}  ${termText(a.term, model, simplify)}`;
  const lines = [
    `model ${model.arch.name} · ${model.source}`,
    `sequences: ${count(n)} (${options.source})${predicted}`,
    `target: logit of ${target}, mean ${fixed(result.meanLogit)}; ` +
      `mean Σ of the ${count(ranked.length)} terms = ${fixed(result.meanSum)}`,
    '',
    `rank  ${'mean contr.'.padStart(12)}  mean share  largest on  degree  term`,
    ...ranked.slice(0, top).map(row),
  ];
  const rest = ranked.slice(top);
  if (rest.length)
    lines.push(
      `      ${fixed(sum(rest, a => a.meanContribution)).padStart(12)}  ` +
        `${percent(sum(rest, a => a.meanShare)).padStart(10)}` +
        `  ${String(sum(rest, a => a.largestOn)).padStart(10)}          the other ${count(rest.length)} terms`,
    );
  lines.push('', ...errorLines(result.maxAbsError, `every logit of the ${count(n)} sequences`, options.filter));
  return `${lines.join('\n')}\n`;
}

function familyTable(result: BatchEvaluation, top: number): string {
  const row = (contribution: number, share: number, terms: number, name: string) =>
    `${fixed(contribution).padStart(12)}  ${percent(share).padStart(10)}  ${String(terms).padStart(6)}  ${name}`;
  const rest = result.families.slice(top);
  return `${[
    '',
    `${'mean contr.'.padStart(12)}  ${'mean share'.padStart(10)}  ${'terms'.padStart(6)}  family`,
    ...result.families.slice(0, top).map(f => row(f.meanContribution, f.meanShare, f.terms, f.family)),
    ...(rest.length
      ? [
          row(
            sum(rest, f => f.meanContribution),
            sum(rest, f => f.meanShare),
            sum(rest, f => f.terms),
            `the other ${rest.length} families`,
          ),
        ]
      : []),
  ].join('\n')}\n`;
}

/** Streamed a line per term, each awaiting `drained`, so a slow reader holds the output back, not memory. */
async function printJSON(io: Io, result: BatchEvaluation, options: ManyOptions): Promise<void> {
  const { model, simplify } = options;
  const out = bufferedStdout(io);
  const head = {
    sequences: result.sequences,
    source: options.source,
    target: { token: options.token ?? null, position: options.position ?? null },
    meanLogit: result.meanLogit,
    meanSum: result.meanSum,
    nextTokenPredicted: result.nextTokenPredicted,
    maxAbsError: result.maxAbsError,
  };
  out.write(`${JSON.stringify(head).slice(0, -1)},\n  "terms": [`);
  for (const [i, a] of result.attributions.entries()) {
    const json = {
      ...termToJSON(a.term, model.arch, { simplify }),
      meanContribution: a.meanContribution,
      meanShare: finite(a.meanShare),
      largestOn: a.largestOn,
    };
    out.write(`${i === 0 ? '\n' : ',\n'}    ${JSON.stringify(json)}`);
    await out.drained();
  }
  const families = result.families.map(f => ({ ...f, meanShare: finite(f.meanShare) }));
  out.write(`\n  ],\n  "families": ${JSON.stringify(families)} }\n`);
  out.flush();
}

/** JSON has no NaN: a share with no sequence to average over is null. */
const finite = (x: number) => (Number.isFinite(x) ? x : null);

function sum<T>(items: readonly T[], value: (item: T) => number): number {
  return items.reduce((s, item) => s + value(item), 0);
}
