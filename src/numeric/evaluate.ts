// Activation mode: every path term evaluated on one token sequence with the frozen patterns and
// norm scales of the forward pass. Each distinct sub-path's residual contribution (n × d) and each
// bilinear projection (n × m) is computed once and kept; a multiply-add counter records the work.
// What the weights mean (W_OV, the folded biases, the frozen norms, W_U pulled back) is weight-view.ts's.
import * as tf from '@tensorflow/tfjs-core';
import type { Architecture } from '../language/architecture.js';
import { site } from '../language/site.js';
import type { Norm } from '../model/blocks/norm.js';
import type { Term } from '../paths/term.js';
import { ONE, type Path } from '../paths/path.js';
import type { SequenceFrozen } from './forward.js';
import { pairContributions, pairHiddenSums, pairLogits } from './pair-batches.js';
import { B_U, entersBehind, W_E, W_POS, W_U, WeightView } from './weight-view.js';
import type { Weights } from './weights.js';

export class PathEvaluator {
  /** Multiply-adds performed, and per cache the work each entry cost. */
  multiplyAdds = 0;
  private readonly view: WeightView;
  private readonly residuals = new Map<Path, tf.Tensor2D>();
  private readonly inputs = new Map<string, tf.Tensor2D>();
  private readonly projections = new Map<string, tf.Tensor2D>();
  private readonly n: number;
  private readonly d: number;
  private readonly finalNorm: Norm | undefined;

  constructor(
    private readonly arch: Architecture,
    weights: Weights,
    private readonly tokens: readonly number[],
    /** Frozen quantities of this one sequence (owned by the caller). */
    private readonly frozen: SequenceFrozen,
  ) {
    this.n = tokens.length;
    this.d = arch.width;
    this.view = new WeightView(arch, weights);
    this.finalNorm = this.view.norm('final', null);
  }

  private matMul(a: tf.Tensor2D, b: tf.Tensor2D, transposeB = false): tf.Tensor2D {
    this.multiplyAdds += a.shape[0] * a.shape[1] * b.shape[transposeB ? 0 : 1];
    return tf.matMul(a, b, false, transposeB);
  }

  private mlp(layer: number, name: string): tf.Tensor2D {
    return this.view.tensor(site('mlp', layer, name)) as tf.Tensor2D;
  }

  /** A path's contribution to the residual stream, n × d. */
  residual(path: Path): tf.Tensor2D {
    let v = this.residuals.get(path);
    if (!v) {
      v = tf.keep(tf.tidy(() => this.computeResidual(path)));
      this.residuals.set(path, v);
    }
    return v;
  }

  private broadcast(vector: tf.Tensor): tf.Tensor2D {
    return tf.mul(tf.ones([this.n, 1]), tf.reshape(vector, [1, -1])) as tf.Tensor2D;
  }

  private computeResidual(path: Path): tf.Tensor2D {
    switch (path.kind) {
      case 'embed':
        return tf.gather(this.view.tensor(W_E), this.tokens as number[]) as tf.Tensor2D;
      case 'pos':
        return tf.slice(this.view.tensor(W_POS), [0, 0], [this.n, this.d]) as tf.Tensor2D;
      case 'bias':
        return this.broadcast(this.view.bias(path.site));
      case 'head': {
        const { layer, head } = path;
        const x = this.blockInput(path.of, this.view.norm('ln1', layer));
        const pattern = tf.squeeze(tf.slice(this.frozen.patterns[layer]!, [head], [1]), [0]) as tf.Tensor2D;
        const value = this.matMul(x, this.view.head('W_V', layer, head));
        return this.matMul(pattern, this.matMul(value, this.view.head('W_O', layer, head)));
      }
      case 'bilinear': {
        const hidden = this.hidden(path.layer, path.left, path.right, path.symmetrized);
        return this.matMul(hidden, this.mlp(path.layer, 'W_out'));
      }
    }
  }

  private scaleOf(norm: Norm): tf.Tensor1D | undefined {
    return this.frozen.scales.get(norm.scaleKey);
  }

  /** A path as the input of a block: behind the block's frozen norm, unless it enters behind it (the norm's bias). */
  private blockInput(path: Path, norm: Norm | undefined): tf.Tensor2D {
    if (!norm || entersBehind(norm, path)) return this.residual(path);
    const key = `${norm.scaleKey}:${pathKey(path)}`;
    let v = this.inputs.get(key);
    if (!v) {
      v = tf.keep(tf.tidy(() => this.view.normed(norm, this.residual(path), this.scaleOf(norm))));
      this.inputs.set(key, v);
    }
    return v;
  }

  /** W_in or W_gate applied to an input path (b_in / b_gate for the homogeneous coordinate), n × m. */
  projection(path: Path, layer: number, side: 'in' | 'gate'): tf.Tensor2D {
    const key = `${side}.${layer}:${pathKey(path)}`;
    let v = this.projections.get(key);
    if (!v) {
      v = tf.keep(
        tf.tidy(() => {
          if (path.kind === 'bias' && path.site === ONE) return this.broadcast(this.mlp(layer, `b_${side}`));
          return this.matMul(this.blockInput(path, this.view.norm('ln2', layer)), this.mlp(layer, `W_${side}`));
        }),
      );
      this.projections.set(key, v);
    }
    return v;
  }

  /** The hidden activation of a pair, n × m; a symmetrized pair averages both orders. */
  hidden(layer: number, left: Path, right: Path, symmetrized: boolean): tf.Tensor2D {
    const forwardOrder = tf.mul(
      this.projection(left, layer, 'in'),
      this.projection(right, layer, 'gate'),
    ) as tf.Tensor2D;
    this.multiplyAdds += forwardOrder.size * (symmetrized ? 2 : 1);
    if (!symmetrized) return forwardOrder;
    const backward = tf.mul(this.projection(right, layer, 'in'), this.projection(left, layer, 'gate'));
    return tf.mul(tf.add(forwardOrder, backward), 0.5) as tf.Tensor2D;
  }

  /** A final term's full contribution to the logits, coefficient included, n × V. */
  logits(term: Term): tf.Tensor2D {
    return tf.tidy(() => {
      const c = term.coefficient.valueOf();
      const { path } = term;
      if (isLogitBias(path)) return tf.mul(this.broadcast(this.view.tensor(B_U)), c) as tf.Tensor2D;
      return tf.mul(this.matMul(this.finalInput(path), this.view.tensor(W_U) as tf.Tensor2D), c) as tf.Tensor2D;
    });
  }

  /**
   * Every term's full logits (n × V, coefficient included), handed to `consume` in no particular
   * order with its index in `terms`; pair terms go through in batches (pair-batches.ts).
   */
  forEachTermLogits(terms: readonly Term[], consume: (termIndex: number, logits: Float32Array) => void): void {
    terms.forEach((term, i) => {
      if (term.path.kind === 'bilinear') return;
      const t = this.logits(term);
      consume(i, t.dataSync() as Float32Array);
      t.dispose();
    });
    const counted = new Set<number>();
    const afterHidden = (layer: number) => {
      const M = this.view.afterHidden(layer);
      if (!counted.has(layer)) this.multiplyAdds += M.shape[0] * this.d * M.shape[1];
      counted.add(layer);
      return M;
    };
    pairLogits(this, terms, afterHidden, this.finalScale(), consume);
  }

  private finalScale(): tf.Tensor1D | undefined {
    return this.finalNorm && this.scaleOf(this.finalNorm);
  }

  /** A final term's path as the input of W_U: behind the final norm, unless it is the norm's own bias. */
  private finalInput(path: Path): tf.Tensor2D {
    if (entersBehind(this.finalNorm, path)) return this.residual(path);
    return this.view.normed(this.finalNorm, this.residual(path), this.finalScale());
  }

  countMultiplyAdds(count: number): void {
    this.multiplyAdds += count;
  }

  /**
   * Σ over `terms` of their logits, n × V. Every term is evaluated on its own; the sums are taken
   * where they are cheapest, since the maps after them are linear (W_out, the frozen final norm,
   * W_U): pair terms in the hidden space of their layer, the others in the residual stream.
   */
  sumOfLogits(terms: readonly Term[]): tf.Tensor2D {
    const zeros = (cols: number) => tf.zeros([this.n, cols]) as tf.Tensor2D;
    const add = (acc: tf.Tensor2D, x: () => tf.Tensor2D, c = 1) => {
      const next = tf.tidy(() => tf.add(acc, tf.mul(x(), c)) as tf.Tensor2D);
      acc.dispose();
      return next;
    };
    let residual = zeros(this.d);
    let afterNorm = zeros(this.d);
    let logitBias = zeros(this.arch.vocab);
    for (const { path, coefficient } of terms) {
      const c = coefficient.valueOf();
      if (isLogitBias(path)) logitBias = add(logitBias, () => this.broadcast(this.view.tensor(B_U)), c);
      else if (entersBehind(this.finalNorm, path)) afterNorm = add(afterNorm, () => this.residual(path), c);
      else if (path.kind !== 'bilinear') residual = add(residual, () => this.residual(path), c);
    }
    const hiddenSums = pairHiddenSums(this, terms);
    const result = tf.tidy(() => {
      let x: tf.Tensor2D = residual;
      for (const [layer, h] of hiddenSums) x = tf.add(x, this.matMul(h, this.mlp(layer, 'W_out')));
      const normed = tf.add(this.view.normed(this.finalNorm, x, this.finalScale()), afterNorm) as tf.Tensor2D;
      return tf.add(this.matMul(normed, this.view.tensor(W_U) as tf.Tensor2D), logitBias) as tf.Tensor2D;
    });
    tf.dispose([residual, afterNorm, logitBias, ...hiddenSums.values()]);
    return result;
  }

  /**
   * Each term's contribution to one logit direction per position, `direction` being n × V rows (a
   * one-hot target, a logit difference). The direction is pulled back through W_U and the frozen
   * final norm once, and contracted into bilinear terms before W_out, so a pair costs O(n·m) rather
   * than O(n·m·d).
   */
  contributions(terms: readonly Term[], direction: tf.Tensor2D, onTerm?: () => void): Float64Array[] {
    this.multiplyAdds += this.n * this.arch.vocab * this.d;
    const [throughUnembed, residualDirection] = tf.tidy(() => {
      const u = this.view.unembedPulledBack(direction);
      return [u, this.view.normPulledBack(this.finalNorm, u, this.finalScale())];
    });
    // Stryker disable next-line ArrayDeclaration: the length only presizes; every index is written below
    const out: Float64Array[] = new Array(terms.length);
    terms.forEach((term, i) => {
      if (term.path.kind === 'bilinear') return;
      const along = entersBehind(this.finalNorm, term.path) ? throughUnembed : residualDirection;
      out[i] = this.linearContribution(term, direction, along);
      onTerm?.();
    });
    const viaOut = new Map<number, tf.Tensor2D>();
    const pulledThroughOut = (layer: number) => {
      let u = viaOut.get(layer);
      if (!u)
        viaOut.set(layer, (u = tf.keep(tf.tidy(() => this.matMul(residualDirection, this.mlp(layer, 'W_out'), true)))));
      return u;
    };
    pairContributions(this, terms, pulledThroughOut, (termIndex, values) => {
      out[termIndex] = values;
      onTerm?.();
    });
    tf.dispose([throughUnembed, residualDirection, ...viaOut.values()]);
    return out;
  }

  /**
   * A term that is not a pair, its residual contribution read along `along` (the direction pulled back
   * through W_U, and through the final norm unless the term enters behind it); b_U along `direction` itself.
   */
  private linearContribution(term: Term, direction: tf.Tensor2D, along: tf.Tensor2D): Float64Array {
    const r = tf.tidy(() => {
      const c = term.coefficient.valueOf();
      const { path } = term;
      if (isLogitBias(path)) return tf.mul(tf.sum(tf.mul(direction, this.view.tensor(B_U)), 1), c);
      this.multiplyAdds += this.n * this.d;
      return tf.mul(tf.sum(tf.mul(this.residual(path), along), 1), c);
    });
    const values = Float64Array.from(r.dataSync());
    r.dispose();
    return values;
  }

  dispose(): void {
    for (const cache of [this.residuals, this.inputs, this.projections]) {
      for (const t of cache.values()) t.dispose();
      cache.clear();
    }
    this.view.dispose();
  }
}

const isLogitBias = (path: Path) => path.kind === 'bias' && path.site === B_U;

// weak, so that a forgotten path (forgetPaths) takes its key with it
const keys = new WeakMap<Path, string>();
let nextKey = 0;
function pathKey(path: Path): string {
  let k = keys.get(path);
  // Stryker disable next-line UpdateOperator: any one-to-one numbering serves, the keys only tell paths apart
  if (k === undefined) keys.set(path, (k = String(nextKey++)));
  return k;
}
