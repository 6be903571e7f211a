// Everything the HTML report shows, as plain numbers: computed by the functions `eval`, `features` and
// `verify` use (evaluateSequence, byFamily/byHead, analyzeFeatures, verifyModel), so that the report's
// figures are theirs. No formatting here: ./page.ts turns this into HTML.
import { analyzeFeatures, type FeatureReport } from '../../analysis/features.js';
import { trace } from '../../analysis/trace.js';
import { formatPartial } from '../../analysis/trace-format.js';
import { bilinearForm } from '../../analysis/bilinear.js';
import { outputDirection } from '../../analysis/direction.js';
import { interactionMatrix } from '../../analysis/interaction.js';
import type { Matrix } from '../../linalg/matrix.js';
import type { Term } from '../../model/expand.js';
import { expandScores, formatScoreTerm, type ScoreTarget, scoreFamily } from '../../model/scores.js';
import { namingOverflow } from '../../numeric/overflow.js';
import { evaluateScores } from '../../numeric/scores.js';
import { termToJSON } from '../../model/term-formula.js';
import {
  argmax,
  byFamily,
  byHead,
  byMagnitude,
  evaluateSequence,
  type GroupContribution,
} from '../../numeric/attribution.js';
import { disposeFrozen, forwardOfModel } from '../../numeric/forward.js';
import type { Model } from '../../numeric/model.js';
import { type LawReport, verifyModel } from '../../verify/verify.js';

export interface ReportOptions {
  /** The logit explained (default: the top prediction at `position`). */
  readonly token?: number;
  /** Default: the last position. */
  readonly position?: number;
  /** How many terms the table lists. */
  readonly top: number;
  /** Inputs per verified law; 0 skips the laws. */
  readonly runs: number;
  /** The fast-check seed of the laws. */
  readonly seed: number;
  readonly simplify: boolean;
  /** The head whose score terms are listed, at the target position and the key it attends to most. */
  readonly scores?: ScoreTarget;
  /** Expansions of the trace tree (`pathsum trace --budget`); 0 leaves the tree out. */
  readonly budget: number;
  readonly onTerm?: () => void;
  readonly onRun?: () => void;
}

export interface ReportTerm {
  readonly rank: number;
  readonly path: string;
  readonly coefficient: number;
  readonly degree: number;
  readonly text: string;
  readonly latex: string;
  readonly contribution: number;
}

export interface HeadPattern {
  readonly layer: number;
  readonly head: number;
  /** pattern[query][key]: the attention of position `query` on position `key`. */
  readonly pattern: number[][];
}

export interface BilinearLayer {
  readonly features: FeatureReport;
  /** Q_u, the interaction matrix along the target's readout. */
  readonly matrix: Matrix;
}

export interface ScoreTermValue {
  readonly family: string;
  readonly latex: string;
  readonly contribution: number;
}

export interface HeadScores {
  readonly head: ScoreTarget;
  readonly query: number;
  readonly key: number;
  /** The forward pass's score at (query, key), and its attention weight. */
  readonly score: number;
  readonly weight: number;
  readonly termCount: number;
  /** Σ of every term at (query, key). */
  readonly sum: number;
  /** The `top` terms of largest |contribution| at (query, key). */
  readonly terms: readonly ScoreTermValue[];
}

export interface TraceNode {
  readonly id: number;
  readonly parent: number | null;
  readonly contribution: number;
  /** The partial path's formula (text), placeholders as R_attn^{l}, R_mlp^{l}, R_final. */
  readonly formula: string;
  readonly expanded: boolean;
}

/** The expansion had more terms than a report holds at once (`--max-terms`): how many, and the limit. */
export interface TooManyTerms {
  /** The closed-form count, formatted (exact, or ≈ 10^k). */
  readonly count: string;
  readonly maxTerms: number;
}

/** The terms a report ranks: every term of the expansion, or why there are none. */
export type Expansion = readonly Term[] | TooManyTerms;

/** The sections built from the terms themselves (`pathsum eval` and `verify`). */
export interface PathTerms {
  /** Σ of every term's contribution to the target logit. */
  readonly sum: number;
  readonly termCount: number;
  /** The `top` terms of largest |contribution|, in that order. */
  readonly terms: readonly ReportTerm[];
  readonly families: readonly GroupContribution[];
  readonly heads: readonly GroupContribution[];
  /** max |Σ terms − forward logits| over every position and token of this input. */
  readonly maxAbsError: number;
  readonly laws: readonly LawReport[];
}

export interface ReportData {
  readonly model: string;
  readonly source: string;
  readonly random: boolean;
  readonly tokens: readonly number[];
  readonly target: { readonly position: number; readonly token: number; readonly predicted: boolean };
  /** The forward logits at the target position, [V]. */
  readonly logits: readonly number[];
  /** The term-based sections, or why they were left out. */
  readonly paths: PathTerms | TooManyTerms;
  readonly attention: readonly HeadPattern[];
  readonly bilinear: readonly BilinearLayer[];
  readonly scores: HeadScores | null;
  /** The trace tree of the target logit, best first, `budget` expansions; empty when not asked for. */
  readonly trace: readonly TraceNode[];
  readonly budget: number;
  readonly runs: number;
  readonly seed: number;
}

export const isTooMany = (e: Expansion | ReportData['paths']): e is TooManyTerms => 'maxTerms' in e;

export function reportData(
  model: Model,
  tokens: readonly number[],
  expansion: Expansion,
  options: ReportOptions,
): ReportData {
  const { logits, attention } = forwardPass(model, tokens);
  const position = options.position ?? tokens.length - 1;
  const token = options.token ?? argmax(logits[position]!);
  return {
    model: model.arch.name,
    source: model.source,
    random: model.random,
    tokens,
    target: { position, token, predicted: options.token === undefined },
    logits: logits[position]!,
    paths: isTooMany(expansion) ? expansion : pathTerms(model, tokens, expansion, { ...options, token, position }),
    attention,
    bilinear: bilinearLayers(model, token),
    scores: options.scores ? headScores(model, tokens, options.scores, position, options.top) : null,
    trace: options.budget === 0 ? [] : traceTree(model, tokens, { token, position, budget: options.budget }),
    budget: options.budget,
    runs: options.runs,
    seed: options.seed,
  };
}

/** `pathsum eval` of every term on this input, and the laws of `pathsum verify`. */
function pathTerms(
  model: Model,
  tokens: readonly number[],
  terms: readonly Term[],
  options: ReportOptions & { token: number; position: number },
): PathTerms {
  const { token, position, onTerm } = options;
  const result = evaluateSequence(model, tokens, terms, { token, position, onTerm });
  const laws =
    options.runs === 0
      ? []
      : verifyModel(model, terms, {
          runs: options.runs,
          seed: options.seed,
          identities: [],
          randomWeights: model.random,
          onRun: options.onRun,
        });
  const ranked = byMagnitude(result.attributions).slice(0, options.top);
  return {
    sum: result.attributions.reduce((s, a) => s + a.contribution, 0),
    termCount: terms.length,
    terms: ranked.map(({ term, contribution }, i) => {
      const json = termToJSON(term, model.arch, { simplify: options.simplify });
      return { ...json, rank: i + 1, path: JSON.stringify(json.path), contribution };
    }),
    families: byFamily(result.attributions),
    heads: byHead(result.attributions),
    maxAbsError: result.maxAbsError,
    laws,
  };
}

/** The forward logits, [n][V], and every head's pattern on this input, frozen as the expansion freezes it. */
function forwardPass(model: Model, tokens: readonly number[]) {
  const { logits, frozen } = forwardOfModel(model, tokens);
  try {
    const attention = frozen.patterns.flatMap((p, layer) =>
      p ? (p.arraySync() as number[][][]).map((pattern, head) => ({ layer, head, pattern })) : [],
    );
    return { logits: logits.arraySync(), attention };
  } finally {
    disposeFrozen(frozen);
    logits.dispose();
  }
}

/** `pathsum eval --scores L.H` at the query position, the key the head attends to most. */
function headScores(model: Model, tokens: readonly number[], head: ScoreTarget, query: number, top: number) {
  const { arch, weights } = model;
  const terms = expandScores(arch, head);
  const values = namingOverflow(model.source, () => evaluateScores(arch, weights, tokens, head, terms));
  const n = tokens.length;
  const row = Array.from(values.pattern.subarray(query * n, query * n + query + 1));
  const key = row.indexOf(Math.max(...row));
  const contributions = values.at(query, key);
  const ranked = terms
    .map((term, i) => ({ term, contribution: contributions[i]! }))
    .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution))
    .slice(0, top);
  return {
    head,
    query,
    key,
    score: values.forward[query * n + key]!,
    weight: values.pattern[query * n + key]!,
    termCount: terms.length,
    sum: contributions.reduce((s, c) => s + c, 0),
    terms: ranked.map(({ term, contribution }) => ({
      family: scoreFamily(term),
      latex: formatScoreTerm(term, arch, head, 'latex'),
      contribution,
    })),
  };
}

/** `pathsum trace` of the same logit: every node, its exact contribution and its formula. */
function traceTree(
  model: Model,
  tokens: readonly number[],
  options: { token: number; position: number; budget: number },
) {
  return trace(model, tokens, options).nodes.map(n => ({
    id: n.id,
    parent: n.parent,
    contribution: n.contribution,
    formula: formatPartial(n.partial, model.arch, 'text'),
    expanded: n.expanded,
  }));
}

/** Each bilinear layer read along the target token's logit (`pathsum features --layer L --token C`). */
function bilinearLayers(model: Model, token: number): BilinearLayer[] {
  const { arch, weights } = model;
  const direction = { kind: 'token', token } as const;
  return arch.layers.flatMap((layer, l) => {
    if (!layer.bilinear) return [];
    const features = analyzeFeatures(arch, weights, { layer: l, direction, top: 3, tokens: 5, pairs: 5 });
    const u = outputDirection(arch, weights, l, direction).u;
    return [{ features, matrix: interactionMatrix(bilinearForm(arch, weights, l), u) }];
  });
}
