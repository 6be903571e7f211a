// What `pathsum eval` computes for one token sequence: the forward pass, every path term's
// contribution to a chosen logit (its direction pulled back first), and the check Σ terms = forward logits.
import * as tf from '@tensorflow/tfjs-core';
import type { Term } from '../model/expand.js';
import { pathFamily } from '../paths/family.js';
import type { Attribution } from './contributions.js';
import { PathEvaluator } from './evaluate.js';
import { disposeFrozen, forwardOfModel } from './forward.js';
import type { Model } from './model.js';

export { type Attribution, byFamily, byHead, byMagnitude, type GroupContribution } from './contributions.js';
import { overflowed } from './overflow.js';

export interface Target {
  readonly position: number;
  readonly token: number;
}

export interface SequenceEvaluation {
  /** Forward logits, [n][V]. */
  readonly logits: number[][];
  readonly target: Target;
  /** In expansion order. */
  readonly attributions: readonly Attribution[];
  /** Per term, its full [n][V] logits, when asked for. */
  readonly termLogits?: readonly number[][][];
  /** max |Σ terms' logits − forward logits| over every position and token (NaN when not checked). */
  readonly maxAbsError: number;
  /** Multiply-adds the evaluator performed. */
  readonly multiplyAdds: number;
}

export interface EvaluateOptions {
  /** The target token at `position` (default: the model's top prediction there). */
  readonly token?: number;
  /** Default: the last position. */
  readonly position?: number;
  readonly fullLogits?: boolean;
  /** Compute maxAbsError (default true); a caller sweeping many inputs for contributions alone may skip it. */
  readonly check?: boolean;
  readonly onTerm?: () => void;
}

export function evaluateSequence(
  model: Model,
  tokens: readonly number[],
  terms: readonly Term[],
  options: EvaluateOptions = {},
): SequenceEvaluation {
  const { arch, weights } = model;
  const { logits, frozen } = forwardOfModel(model, tokens);
  const evaluator = new PathEvaluator(arch, weights, tokens, frozen);
  try {
    const forwardLogits = logits.arraySync();
    if (!forwardLogits.every(row => row.every(Number.isFinite))) throw inModel(model, 'the forward pass', 'the logits');
    const position = options.position ?? tokens.length - 1;
    const token = options.token ?? argmax(forwardLogits[position]!);
    const direction = logitDirection(tokens.length, arch.vocab, position, token);
    const perPosition = evaluator.contributions(terms, direction, options.onTerm);
    direction.dispose();
    const attributions = terms.map((term, i) => ({ term, contribution: perPosition[i]![position]! }));
    checkTerms(model, terms, i => Number.isFinite(attributions[i]!.contribution));
    const termLogits = options.fullLogits ? allTermLogits(evaluator, terms, arch.vocab) : undefined;
    if (termLogits) checkTerms(model, terms, i => termLogits[i]!.every(row => row.every(Number.isFinite)));
    let maxAbsError = NaN;
    if (options.check !== false) {
      const total = evaluator.sumOfLogits(terms);
      maxAbsError = tf.tidy(() => tf.max(tf.abs(tf.sub(total, logits))).dataSync()[0]!);
      total.dispose();
      if (!Number.isFinite(maxAbsError)) throw inModel(model, 'the sum of the terms', 'the check Σ terms = forward');
    }
    return {
      logits: forwardLogits,
      target: { position, token },
      attributions,
      termLogits,
      maxAbsError,
      multiplyAdds: evaluator.multiplyAdds,
    };
  } finally {
    evaluator.dispose();
    disposeFrozen(frozen);
    logits.dispose();
  }
}

/** max |Σ terms' logits − forward logits| on one sequence, and the largest |logit| for scale. */
export function sumOfTermsError(
  model: Model,
  tokens: readonly number[],
  terms: readonly Term[],
): { maxAbsError: number; logitScale: number } {
  const { logits, frozen } = forwardOfModel(model, tokens);
  const evaluator = new PathEvaluator(model.arch, model.weights, tokens, frozen);
  try {
    const total = evaluator.sumOfLogits(terms);
    const [maxAbsError, logitScale] = tf.tidy(() => [
      tf.max(tf.abs(tf.sub(total, logits))).dataSync()[0]!,
      tf.max(tf.abs(logits)).dataSync()[0]!,
    ]);
    total.dispose();
    if (!Number.isFinite(maxAbsError)) throw inModel(model, 'the sum of the terms', 'the check Σ terms = forward');
    return { maxAbsError: maxAbsError!, logitScale: logitScale! };
  } finally {
    evaluator.dispose();
    disposeFrozen(frozen);
    logits.dispose();
  }
}

const inModel = (model: Model, what: string, step: string) => overflowed(what, step, model.source);

/** A term whose value is not finite would print as NaN in every table: the first one is named instead. */
function checkTerms(model: Model, terms: readonly Term[], finite: (i: number) => boolean): void {
  const i = terms.findIndex((_, k) => !finite(k));
  if (i >= 0) {
    const which = `term ${i + 1} of ${terms.length.toLocaleString('en-US')} (${pathFamily(terms[i]!.path)})`;
    throw inModel(model, 'the evaluation of the terms', which);
  }
}

/** n × V, one 1 at (position, token): the direction that selects one logit. */
function logitDirection(n: number, vocab: number, position: number, token: number): tf.Tensor2D {
  const values = new Float32Array(n * vocab);
  values[position * vocab + token] = 1;
  return tf.tensor2d(values, [n, vocab]);
}

function allTermLogits(evaluator: PathEvaluator, terms: readonly Term[], vocab: number): number[][][] {
  const rows: number[][][] = new Array(terms.length);
  evaluator.forEachTermLogits(terms, (i, values) => {
    rows[i] = Array.from({ length: values.length / vocab }, (_, t) =>
      Array.from(values.subarray(t * vocab, (t + 1) * vocab)),
    );
  });
  return rows;
}

export function argmax(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}
