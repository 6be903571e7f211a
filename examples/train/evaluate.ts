// Accuracy of a model on Examples, per target group: the argmax of the logits at each target
// position against the target token. Shared by the trainer and test/models.
import * as tf from '@tensorflow/tfjs-core';
import type { Architecture } from '../../src/language/architecture.js';
import { forward } from '../../src/numeric/forward.js';
import type { Weights } from '../../src/numeric/weights.js';
import type { Example } from './tasks.js';

export interface GroupAccuracy {
  readonly correct: number;
  readonly total: number;
  readonly accuracy: number;
}

/** Examples of equal length, evaluated in chunks of `chunk` sequences. */
export function accuracyByGroup(
  arch: Architecture,
  weights: Weights,
  examples: readonly Example[],
  chunk = 512,
): Map<string, GroupAccuracy> {
  const counts = new Map<string, { correct: number; total: number }>();
  for (let start = 0; start < examples.length; start += chunk) {
    const part = examples.slice(start, start + chunk);
    const predicted = predictions(arch, weights, part);
    const n = part[0]!.tokens.length;
    part.forEach((example, b) => {
      for (const { position, token, group } of example.targets) {
        const count = counts.get(group) ?? { correct: 0, total: 0 };
        count.total++;
        if (predicted[b * n + position] === token) count.correct++;
        counts.set(group, count);
      }
    });
  }
  return new Map([...counts].map(([group, c]) => [group, { ...c, accuracy: c.correct / c.total }]));
}

/** The argmax token at every position, [B·n] flattened. */
function predictions(arch: Architecture, weights: Weights, examples: readonly Example[]): Int32Array {
  const n = examples[0]!.tokens.length;
  const tokens = tf.tensor2d(
    examples.flatMap(e => [...e.tokens]),
    [examples.length, n],
    'int32',
  );
  const argmax = tf.tidy(() => tf.argMax(forward(arch, weights, tokens).logits, -1));
  const values = argmax.dataSync() as Int32Array;
  tokens.dispose();
  argmax.dispose();
  return values;
}
