// `pathsum eval` over many token sequences: every term's contribution to each sequence's target logit,
// averaged. A term's mean share is the mean over sequences of contribution / Σ terms (how the docs'
// "mean share per family over held-out sequences" is defined); families add up their terms' means,
// since both means are linear in the contributions.
import type { Term } from '../model/expand.js';
import { argmax, type Attribution, byFamily, evaluateSequence } from '../numeric/attribution.js';
import type { Model } from '../numeric/model.js';
import type { Batch } from './inputs.js';

export interface MeanAttribution {
  readonly term: Term;
  readonly meanContribution: number;
  /** Mean of contribution / Σ terms over the sequences where that sum is not 0 (NaN when there are none). */
  readonly meanShare: number;
  /** On how many sequences this term has the largest |contribution|. */
  readonly largestOn: number;
}

export interface FamilyMean {
  readonly family: string;
  readonly terms: number;
  readonly meanContribution: number;
  readonly meanShare: number;
}

export interface BatchEvaluation {
  readonly sequences: number;
  /** Mean over sequences of the forward pass's target logit. */
  readonly meanLogit: number;
  /** Mean over sequences of Σ terms' contributions (the target logit when no term is filtered out). */
  readonly meanSum: number;
  /** In expansion order. */
  readonly attributions: readonly MeanAttribution[];
  /** Largest |mean contribution| first. */
  readonly families: readonly FamilyMean[];
  /** Sequences whose top prediction at the last position is the batch's next token (null: not at the last position). */
  readonly nextTokenPredicted: number | null;
  /** max |Σ terms' logits − forward logits| over every sequence, position and token. */
  readonly maxAbsError: number;
}

export interface BatchOptions {
  /** The target token on every sequence (default: each one's top prediction at `position`). */
  readonly token?: number;
  /** The position explained on every sequence (default: each one's last). */
  readonly position?: number;
  readonly onTerm?: () => void;
}

export function evaluateBatch(
  model: Model,
  batch: Batch,
  terms: readonly Term[],
  options: BatchOptions = {},
): BatchEvaluation {
  const contribution = new Float64Array(terms.length);
  const share = new Float64Array(terms.length);
  const largest = new Uint32Array(terms.length);
  let logit = 0;
  let sum = 0;
  let shared = 0;
  let predicted = 0;
  let maxAbsError = 0;
  batch.tokens.forEach((tokens, s) => {
    const r = evaluateSequence(model, tokens, terms, options);
    const total = r.attributions.reduce((acc, a) => acc + a.contribution, 0);
    r.attributions.forEach((a, i) => {
      contribution[i]! += a.contribution;
      if (total !== 0) share[i]! += a.contribution / total;
    });
    if (total !== 0) shared++;
    if (terms.length > 0) largest[largestTerm(r.attributions)]!++;
    const { position, token } = r.target;
    logit += r.logits[position]![token]!;
    sum += total;
    if (argmax(r.logits[tokens.length - 1]!) === batch.targets[s]) predicted++;
    maxAbsError = Math.max(maxAbsError, r.maxAbsError);
  });
  const n = batch.tokens.length;
  const attributions = terms.map((term, i) => ({
    term,
    meanContribution: contribution[i]! / n,
    meanShare: share[i]! / shared,
    largestOn: largest[i]!,
  }));
  const atLast = options.position === undefined || batch.tokens.every(t => t.length === options.position! + 1);
  return {
    sequences: n,
    meanLogit: logit / n,
    meanSum: sum / n,
    attributions,
    families: familyMeans(attributions),
    nextTokenPredicted: atLast ? predicted : null,
    maxAbsError,
  };
}

/** Both means summed per family (src/paths/family.ts), in the order of byFamily. */
function familyMeans(attributions: readonly MeanAttribution[]): FamilyMean[] {
  const as = (value: (a: MeanAttribution) => number): Attribution[] =>
    attributions.map(a => ({ term: a.term, contribution: value(a) }));
  const shares = new Map(byFamily(as(a => a.meanShare)).map(f => [f.group, f.contribution]));
  return byFamily(as(a => a.meanContribution)).map(f => ({
    family: f.group,
    terms: f.terms,
    meanContribution: f.contribution,
    meanShare: shares.get(f.group)!,
  }));
}

function largestTerm(attributions: readonly Attribution[]): number {
  let best = 0;
  attributions.forEach((a, i) => {
    if (Math.abs(a.contribution) > Math.abs(attributions[best]!.contribution)) best = i;
  });
  return best;
}
