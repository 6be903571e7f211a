// One model on random weights and one sequence, with the evaluator over them: the set-up of the Σ-terms
// tests and of their benchmark, every tensor released afterwards.
import type * as tf from '@tensorflow/tfjs-core';
import type { Architecture } from '../src/language/architecture.js';
import { PathEvaluator } from '../src/numeric/evaluate.js';
import { disposeFrozen, forwardOne } from '../src/numeric/forward.js';
import { disposeWeights, randomWeights } from '../src/numeric/weights.js';

/** Runs `f` with an evaluator on random weights for `tokens`, releasing every tensor after. */
export function withEvaluator(
  arch: Architecture,
  seed: number,
  tokens: number[],
  f: (evaluator: PathEvaluator, logits: tf.Tensor2D) => void,
): void {
  const weights = randomWeights(arch, seed);
  const { logits, frozen } = forwardOne(arch, weights, tokens);
  const evaluator = new PathEvaluator(arch, weights, tokens, frozen);
  try {
    f(evaluator, logits);
  } finally {
    evaluator.dispose();
    disposeWeights(weights);
    disposeFrozen(frozen);
    logits.dispose();
  }
}
