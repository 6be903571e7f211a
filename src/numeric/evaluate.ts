// Activation mode: every path term evaluated on one token sequence with the frozen patterns and
// norm scales of the forward pass. Each distinct sub-path's residual contribution (n × d) and each
// bilinear projection (n × m) is computed once and kept; a multiply-add counter records the work.
import * as tf from '@tensorflow/tfjs-core';
import type { Term } from '../model/expand.js';
import { ONE, type Path } from '../paths/path.js';
import type { Architecture, NormKind } from '../language/architecture.js';
import type { SequenceFrozen } from './forward.js';
import type { Weights } from './weights.js';
import { pairContributions, pairHiddenSums, pairLogits } from './pair-batches.js';

type Site = 'ln1' | 'ln2';

export class PathEvaluator {
  /** Multiply-adds performed, and per cache the work each entry cost. */
  multiplyAdds = 0;
  private readonly residuals = new Map<Path, tf.Tensor2D>();
  private readonly inputs = new Map<string, tf.Tensor2D>();
  private readonly projections = new Map<string, tf.Tensor2D>();
  private readonly n: number;
  private readonly d: number;

  constructor(
    private readonly arch: Architecture,
    private readonly weights: Weights,
    private readonly tokens: readonly number[],
    /** Frozen quantities of this one sequence (owned by the caller). */
    private readonly frozen: SequenceFrozen,
  ) {
    this.n = tokens.length;
    this.d = arch.width;
  }

  private w(key: string): tf.Tensor {
    const t = this.weights.get(key);
    if (!t) throw new Error(`weights lack ${key}`);
    return t;
  }

  private matMul(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
    this.multiplyAdds += a.shape[0] * a.shape[1] * b.shape[1];
    return tf.matMul(a, b);
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
        return tf.gather(this.w('embed.W_E'), this.tokens as number[]) as tf.Tensor2D;
      case 'pos':
        return tf.slice(this.w('pos_embed.W_pos'), [0, 0], [this.n, this.d]) as tf.Tensor2D;
      case 'bias':
        return this.broadcast(this.biasVector(path.name));
      case 'head': {
        const { layer, head } = path;
        const x = this.blockInput(path.of, layer, 'ln1');
        const wv = tf.squeeze(tf.slice(this.w(`blocks.${layer}.attn.W_V`), [head], [1]), [0]) as tf.Tensor2D;
        const wo = tf.squeeze(tf.slice(this.w(`blocks.${layer}.attn.W_O`), [head], [1]), [0]) as tf.Tensor2D;
        const pattern = tf.squeeze(tf.slice(this.frozen.patterns[layer]!, [head], [1]), [0]) as tf.Tensor2D;
        return this.matMul(pattern, this.matMul(this.matMul(x, wv), wo));
      }
      case 'bilinear': {
        const hidden = this.hidden(path.layer, path.left, path.right, path.symmetrized);
        return this.matMul(hidden, this.w(`blocks.${path.layer}.mlp.W_out`) as tf.Tensor2D);
      }
    }
  }

  /** The residual-stream bias a bias path stands for (docs/design.md §3; value biases folded into b_O). */
  private biasVector(name: string): tf.Tensor {
    const attn = /^blocks\.(\d+)\.attn\.b_O$/.exec(name);
    if (attn) {
      const l = attn[1];
      const bv = this.w(`blocks.${l}.attn.b_V`);
      const wo = this.w(`blocks.${l}.attn.W_O`);
      const folded = tf.sum(tf.matMul(tf.expandDims(bv, 1), wo), [0, 1]);
      return tf.add(this.w(`blocks.${l}.attn.b_O`), folded);
    }
    return this.w(name);
  }

  private normOf(layer: number, site: Site): NormKind | undefined {
    const block = site === 'ln1' ? this.arch.layers[layer]?.attention : this.arch.layers[layer]?.bilinear;
    return block?.norm;
  }

  /** A path as the input of a block: behind the frozen norm, unless it is the norm's bias. */
  blockInput(path: Path, layer: number, site: Site): tf.Tensor2D {
    const key = `${site}.${layer}:${pathKey(path)}`;
    let v = this.inputs.get(key);
    if (!v) {
      v = tf.keep(
        tf.tidy(() => {
          if (path.kind === 'bias' && path.name === `blocks.${layer}.${site}.b`)
            return this.broadcast(this.w(path.name));
          return frozenNorm(
            this.residual(path),
            this.normOf(layer, site),
            this.frozen.scales.get(`${site}.${layer}`),
            () => this.w(`blocks.${layer}.${site}.w`),
          );
        }),
      );
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
          if (path.kind === 'bias' && path.name === ONE) return this.broadcast(this.w(`blocks.${layer}.mlp.b_${side}`));
          return this.matMul(
            this.blockInput(path, layer, 'ln2'),
            this.w(`blocks.${layer}.mlp.W_${side}`) as tf.Tensor2D,
          );
        }),
      );
      this.projections.set(key, v);
    }
    return v;
  }

  /** The hidden activation of a pair, n × m; a symmetrized pair averages both orders. */
  hidden(layer: number, left: Path, right: Path, symmetrized: boolean): tf.Tensor2D {
    const m = this.arch.layers[layer]!.bilinear!.hidden;
    this.multiplyAdds += this.n * m * (symmetrized ? 2 : 1);
    const forwardOrder = tf.mul(
      this.projection(left, layer, 'in'),
      this.projection(right, layer, 'gate'),
    ) as tf.Tensor2D;
    if (!symmetrized) return forwardOrder;
    const backward = tf.mul(this.projection(right, layer, 'in'), this.projection(left, layer, 'gate'));
    return tf.mul(tf.add(forwardOrder, backward), 0.5) as tf.Tensor2D;
  }

  /** A final term's full contribution to the logits, coefficient included, n × V. */
  logits(term: Term): tf.Tensor2D {
    return tf.tidy(() => {
      const c = term.coefficient.valueOf();
      const { path } = term;
      if (path.kind === 'bias' && path.name === 'unembed.b_U')
        return tf.mul(this.broadcast(this.w('unembed.b_U')), c) as tf.Tensor2D;
      return tf.mul(this.matMul(this.finalInput(path), this.w('unembed.W_U') as tf.Tensor2D), c) as tf.Tensor2D;
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
    const readouts = new Map<number, tf.Tensor2D>();
    const readout = (layer: number) => {
      let M = readouts.get(layer);
      if (!M) readouts.set(layer, (M = tf.keep(tf.tidy(() => this.afterHidden(layer)))));
      return M;
    };
    pairLogits(this, terms, readout, this.arch.unembed.norm ? this.frozen.scales.get('final') : undefined, consume);
    for (const M of readouts.values()) M.dispose();
  }

  /** The m × V map from a bilinear layer's hidden units to the logits: W_out, the final norm's centring and gain, W_U. */
  private afterHidden(layer: number): tf.Tensor2D {
    let x = this.w(`blocks.${layer}.mlp.W_out`) as tf.Tensor2D;
    const norm = this.arch.unembed.norm;
    if (norm === 'layer') x = tf.sub(x, tf.mean(x, 1, true));
    if (norm) x = tf.mul(x, this.w('ln_final.w'));
    return this.matMul(x, this.w('unembed.W_U') as tf.Tensor2D);
  }

  private finalInput(path: Path): tf.Tensor2D {
    if (path.kind === 'bias' && path.name === 'ln_final.b') return this.broadcast(this.w('ln_final.b'));
    return frozenNorm(this.residual(path), this.arch.unembed.norm, this.frozen.scales.get('final'), () =>
      this.w('ln_final.w'),
    );
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
      if (path.kind === 'bias' && path.name === 'unembed.b_U')
        logitBias = add(logitBias, () => this.broadcast(this.w('unembed.b_U')), c);
      else if (path.kind === 'bias' && path.name === 'ln_final.b')
        afterNorm = add(afterNorm, () => this.broadcast(this.w('ln_final.b')), c);
      else if (path.kind !== 'bilinear') residual = add(residual, () => this.residual(path), c);
    }
    const hiddenSums = pairHiddenSums(this, terms);
    const result = tf.tidy(() => {
      let x: tf.Tensor2D = residual;
      for (const [layer, h] of hiddenSums)
        x = tf.add(x, this.matMul(h, this.w(`blocks.${layer}.mlp.W_out`) as tf.Tensor2D));
      const normed = tf.add(
        frozenNorm(x, this.arch.unembed.norm, this.frozen.scales.get('final'), () => this.w('ln_final.w')),
        afterNorm,
      ) as tf.Tensor2D;
      return tf.add(this.matMul(normed, this.w('unembed.W_U') as tf.Tensor2D), logitBias) as tf.Tensor2D;
    });
    tf.dispose([residual, afterNorm, logitBias, ...hiddenSums.values()]);
    return result;
  }

  /**
   * Readout-first: each term's contribution to one logit direction per position, `readout` being
   * n × V rows (a one-hot target, a logit difference). The direction is pulled back through W_U
   * and the frozen final norm once, and contracted into bilinear terms before W_out, so a pair
   * costs O(n·m) rather than O(n·m·d).
   */
  contributions(terms: readonly Term[], readout: tf.Tensor2D, onTerm?: () => void): Float64Array[] {
    const direction = tf.keep(tf.tidy(() => this.pullBack(readout)));
    const out: Float64Array[] = new Array(terms.length);
    terms.forEach((term, i) => {
      if (term.path.kind === 'bilinear') return;
      out[i] = this.linearContribution(term, readout, direction);
      onTerm?.();
    });
    const viaOut = new Map<number, tf.Tensor2D>();
    const pulledThroughOut = (layer: number) => {
      let u = viaOut.get(layer);
      if (!u)
        viaOut.set(
          layer,
          (u = tf.keep(
            tf.tidy(() => this.matMul(direction, tf.transpose(this.w(`blocks.${layer}.mlp.W_out`)) as tf.Tensor2D)),
          )),
        );
      return u;
    };
    pairContributions(this, terms, pulledThroughOut, (termIndex, values) => {
      out[termIndex] = values;
      onTerm?.();
    });
    direction.dispose();
    for (const u of viaOut.values()) u.dispose();
    return out;
  }

  /** A term that is not a pair, read out along `direction` (W_U and the final norm pulled back). */
  private linearContribution(term: Term, readout: tf.Tensor2D, direction: tf.Tensor2D): Float64Array {
    const r = tf.tidy(() => {
      const c = term.coefficient.valueOf();
      const { path } = term;
      if (path.kind === 'bias' && path.name === 'unembed.b_U')
        return tf.mul(tf.sum(tf.mul(readout, this.w('unembed.b_U')), 1), c);
      this.multiplyAdds += this.n * this.d;
      if (path.kind === 'bias' && path.name === 'ln_final.b') {
        return tf.mul(
          tf.sum(
            tf.mul(this.broadcast(this.w('ln_final.b')), tf.matMul(readout, tf.transpose(this.w('unembed.W_U')))),
            1,
          ),
          c,
        );
      }
      return tf.mul(tf.sum(tf.mul(this.residual(path), direction), 1), c);
    });
    const values = Float64Array.from(r.dataSync());
    r.dispose();
    return values;
  }

  /** readout (n × V) → the residual direction (n × d) such that value · direction = readout · logits. */
  private pullBack(readout: tf.Tensor2D): tf.Tensor2D {
    let u = this.matMul(readout, tf.transpose(this.w('unembed.W_U')) as tf.Tensor2D);
    const norm = this.arch.unembed.norm;
    if (!norm) return u;
    u = tf.mul(u, this.w('ln_final.w')) as tf.Tensor2D;
    if (norm === 'layer') u = tf.sub(u, tf.mean(u, 1, true)) as tf.Tensor2D;
    return tf.mul(u, tf.expandDims(this.frozen.scales.get('final')!, 1)) as tf.Tensor2D;
  }

  dispose(): void {
    for (const cache of [this.residuals, this.inputs, this.projections]) {
      for (const t of cache.values()) t.dispose();
      cache.clear();
    }
  }
}

/** The frozen norm as a linear map: centre (LayerNorm), scale per position, multiply by the gain. */
function frozenNorm(
  x: tf.Tensor2D,
  kind: NormKind | undefined,
  scale: tf.Tensor1D | undefined,
  gain: () => tf.Tensor,
): tf.Tensor2D {
  if (!kind) return x;
  const centred = kind === 'layer' ? tf.sub(x, tf.mean(x, 1, true)) : x;
  return tf.mul(tf.mul(centred, tf.expandDims(scale!, 1)), gain()) as tf.Tensor2D;
}

const keys = new Map<Path, string>();
let nextKey = 0;
function pathKey(path: Path): string {
  let k = keys.get(path);
  if (k === undefined) keys.set(path, (k = String(nextKey++)));
  return k;
}
