// The training loop: the project's own batched forward pass (src/numeric/forward.ts) on
// tf.Variables keyed by the default weight names, softmax cross-entropy at the target positions,
// Adam with decoupled weight decay (AdamW) and a linear warm-up. All randomness comes from the
// seeded streams passed in, so a seed reproduces a run.
import * as tf from '@tensorflow/tfjs-core';
import type { Architecture } from '../../src/language/architecture.js';
import { requiredWeights } from '../../src/model/weights.js';
import { forward } from '../../src/numeric/forward.js';
import '../../src/numeric/gradients.js';
import { SlowGradientAmplifier } from './grokfast.js';
import { processIo } from '../../src/cli/io.js';
import { progress } from '../../src/cli/progress.js';
import type { Random } from './random.js';
import type { Example } from './tasks.js';

export interface Hyperparameters {
  readonly steps: number;
  readonly learningRate: number;
  readonly warmupSteps: number;
  readonly weightDecay: number;
  readonly beta1: number;
  readonly beta2: number;
  /** Sequences per step; 0 means the whole training set (full batch). */
  readonly batchSize: number;
  /** Standard deviation of the embeddings (W_E, W_pos) at initialization. */
  readonly embeddingStd: number;
  /** After warm-up: a constant rate, or a cosine decay to a tenth of it. */
  readonly schedule: 'constant' | 'cosine';
  /** Grokfast-EMA gain λ on the averaged gradient (0: plain AdamW) and the average's momentum α. */
  readonly slowGradientGain: number;
  readonly slowGradientMomentum: number;
}

export type TrainableWeights = Map<string, tf.Variable>;

/** N(0, 1/fan_in) for maps, N(0, embeddingStd²) for embeddings, ones for gains, zeros for biases. */
export function initialWeights(arch: Architecture, random: Random, embeddingStd: number): TrainableWeights {
  const weights: TrainableWeights = new Map();
  for (const { key, shape } of requiredWeights(arch)) {
    const name = key.split('.').pop()!;
    const size = shape.reduce((a, b) => a * b, 1);
    const std = name === 'W_E' || name === 'W_pos' ? embeddingStd : 1 / Math.sqrt(shape[shape.length - 2]!);
    const data = new Float32Array(size);
    if (name === 'w') data.fill(1);
    else if (!name.startsWith('b')) for (let i = 0; i < size; i++) data[i] = std * random.normal();
    const initial = tf.tensor(data, [...shape]);
    weights.set(key, tf.variable(initial, true));
    initial.dispose();
  }
  return weights;
}

export interface Batch {
  readonly tokens: tf.Tensor2D;
  /** One-hot targets weighted by 1/(number of targets): the loss is their mean cross-entropy. */
  readonly targets: tf.Tensor3D;
}

export function toBatch(examples: readonly Example[], vocab: number): Batch {
  const n = examples[0]!.tokens.length;
  const count = examples.reduce((sum, e) => sum + e.targets.length, 0);
  const targets = new Float32Array(examples.length * n * vocab);
  examples.forEach((e, b) => {
    for (const { position, token } of e.targets) targets[(b * n + position) * vocab + token] = 1 / count;
  });
  return {
    tokens: tf.tensor2d(
      examples.flatMap(e => [...e.tokens]),
      [examples.length, n],
      'int32',
    ),
    targets: tf.tensor3d(targets, [examples.length, n, vocab]),
  };
}

export function disposeBatch(batch: Batch): void {
  batch.tokens.dispose();
  batch.targets.dispose();
}

function loss(arch: Architecture, weights: TrainableWeights, batch: Batch): tf.Scalar {
  const { logits } = forward(arch, weights, batch.tokens);
  return tf.neg(tf.sum(tf.mul(batch.targets, tf.logSoftmax(logits)))) as tf.Scalar;
}

/** Linear warm-up, then constant or a cosine decay to a tenth. */
export function learningRate(h: Hyperparameters, step: number): number {
  if (step <= h.warmupSteps) return (h.learningRate * step) / Math.max(1, h.warmupSteps);
  if (h.schedule === 'constant') return h.learningRate;
  const fraction = (step - h.warmupSteps) / Math.max(1, h.steps - h.warmupSteps);
  return h.learningRate * (0.1 + 0.45 * (1 + Math.cos(Math.PI * fraction)));
}

export interface TrainingRun {
  readonly finalLoss: number;
  readonly seconds: number;
}

export interface TrainingHooks {
  /** The batch for a step (a fixed full batch may be returned every time; it is not disposed). */
  batch(step: number): Batch;
  /** Called every `every` steps and after the last one, with the latest loss; returns a log line. */
  report?: { every: number; line(step: number, loss: number): string };
}

export function train(
  arch: Architecture,
  weights: TrainableWeights,
  h: Hyperparameters,
  hooks: TrainingHooks,
  label: string,
): TrainingRun {
  const optimizer = tf.train.adam(h.learningRate, h.beta1, h.beta2, 1e-8);
  const settable = optimizer as unknown as { learningRate: number };
  const variables = [...weights.values()];
  const slow =
    h.slowGradientGain > 0 ? new SlowGradientAmplifier(h.slowGradientMomentum, h.slowGradientGain) : undefined;
  const bar = progress(processIo, label, h.steps);
  const started = Date.now();
  let lastLoss = NaN;
  for (let step = 1; step <= h.steps; step++) {
    const rate = learningRate(h, step);
    settable.learningRate = rate;
    const batch = hooks.batch(step);
    const value = tf.tidy(() => {
      for (const v of variables) v.assign(tf.mul(v, 1 - rate * h.weightDecay));
      const { value, grads } = tf.variableGrads(() => loss(arch, weights, batch), variables);
      const applied = slow ? slow.amplify(grads) : grads;
      optimizer.applyGradients(Object.entries(applied).map(([name, tensor]) => ({ name, tensor })));
      return value;
    });
    lastLoss = value.dataSync()[0]!;
    value.dispose();
    if (!Number.isFinite(lastLoss))
      throw new Error(`${label}: the loss diverged to ${lastLoss} at step ${step}; lower the learning rate`);
    const reportNow = hooks.report && (step % hooks.report.every === 0 || step === h.steps);
    if (reportNow) console.log(hooks.report!.line(step, lastLoss));
    bar.tick(1, `loss ${lastLoss.toFixed(4)}`);
  }
  bar.done();
  optimizer.dispose();
  slow?.dispose();
  return { finalLoss: lastLoss, seconds: (Date.now() - started) / 1000 };
}
