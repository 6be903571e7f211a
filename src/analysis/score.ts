// A model's next-token loss and accuracy at the last position of each sequence.
import * as tf from '@tensorflow/tfjs-core';
import { forward } from '../numeric/forward.js';
import type { Weights } from '../numeric/weights.js';
import type { Architecture } from '../language/architecture.js';
import type { Batch } from './inputs.js';

export interface Score {
  /** Mean cross-entropy (nats) of the target at the last position. */
  readonly loss: number;
  /** Share of sequences whose argmax logit at the last position is the target. */
  readonly accuracy: number;
}

const CHUNK = 512;

export function score(arch: Architecture, weights: Weights, batch: Batch): Score {
  const byLength = new Map<number, number[]>();
  batch.tokens.forEach((s, i) => {
    byLength.set(s.length, [...(byLength.get(s.length) ?? []), i]);
  });
  let loss = 0;
  let correct = 0;
  for (const [n, all] of byLength) {
    for (let start = 0; start < all.length; start += CHUNK) {
      const indices = all.slice(start, start + CHUNK);
      const { logProbs, argmax } = lastPosition(
        arch,
        weights,
        indices.map(i => batch.tokens[i]!),
        n,
      );
      indices.forEach((i, j) => {
        const target = batch.targets[i]!;
        loss -= logProbs[j * arch.vocab + target]!;
        if (argmax[j] === target) correct++;
      });
    }
  }
  return { loss: loss / batch.tokens.length, accuracy: correct / batch.tokens.length };
}

function lastPosition(arch: Architecture, weights: Weights, sequences: (readonly number[])[], n: number) {
  return tf.tidy(() => {
    const tokens = tf.tensor2d(sequences.flat(), [sequences.length, n], 'int32');
    const { logits } = forward(arch, weights, tokens);
    const last = tf.reshape(tf.slice(logits, [0, n - 1, 0], [-1, 1, -1]), [sequences.length, arch.vocab]);
    return { logProbs: tf.logSoftmax(last).dataSync(), argmax: tf.argMax(last, 1).dataSync() };
  });
}
