// Grokfast-EMA (Lee et al. 2024, "Grokfast: Accelerated Grokking by Amplifying Slow Gradients"):
// each gradient g gets λ times an exponential moving average of past gradients added,
// g + λ·EMA_α(g). The slow component is what carries a memorizing network towards the
// generalizing one, so amplifying it shortens the wait for grokking many times over.
import * as tf from '@tensorflow/tfjs-core';

export class SlowGradientAmplifier {
  private readonly averages = new Map<string, tf.Tensor>();

  constructor(
    private readonly momentum: number,
    private readonly gain: number,
  ) {}

  /** Call inside tf.tidy: the returned gradients are the tidy's; the averages are kept. */
  amplify(grads: tf.NamedTensorMap): tf.NamedTensorMap {
    const out: tf.NamedTensorMap = {};
    for (const [name, g] of Object.entries(grads)) {
      const previous = this.averages.get(name);
      const average = tf.keep(
        previous ? tf.add(tf.mul(previous, this.momentum), tf.mul(g, 1 - this.momentum)) : tf.clone(g),
      );
      previous?.dispose();
      this.averages.set(name, average);
      out[name] = tf.add(g, tf.mul(average, this.gain));
    }
    return out;
  }

  dispose(): void {
    for (const t of this.averages.values()) t.dispose();
    this.averages.clear();
  }
}
