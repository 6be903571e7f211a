// The values a trace reads, for one input (docs/design.md §1 "Tracing a logit"): what any partial path
// writes to the residual stream with its placeholders at their forward values, the hidden projections of a
// bilinear block's arguments, and the frozen patterns, norm scales and (transposed) weights the functionals
// are pulled back through. Products run in tfjs (float32), counted in multiply-adds; tensors are made once
// and kept until dispose.
import * as tf from '@tensorflow/tfjs-core';
import type { Architecture } from '../language/architecture.js';
import { HOMOGENEOUS, type Site, site } from '../language/site.js';
import type { Norm } from '../model/blocks/norm.js';
import { blocksOf } from '../model/blocks.js';
import type { SequenceFrozen } from '../numeric/forward.js';
import { W_E, W_POS, WeightView } from '../numeric/weight-view.js';
import type { Weights } from '../numeric/weights.js';
import type { Partial } from './partial-path.js';

export class FrozenValues {
  /** Multiply-adds performed so far (matrix products and the caller's dot products). */
  multiplyAdds = 0;
  readonly n: number;
  readonly d: number;
  readonly view: WeightView;
  private readonly residuals = new Map<Partial, tf.Tensor2D>();
  private readonly values = new Map<Partial, tf.Tensor2D>();
  private readonly cache = new Map<string, tf.Tensor2D>();

  constructor(
    private readonly arch: Architecture,
    weights: Weights,
    private readonly tokens: readonly number[],
    private readonly frozen: SequenceFrozen,
  ) {
    this.n = tokens.length;
    this.d = arch.width;
    this.view = new WeightView(arch, weights);
  }

  /** Records the stream entering a block: the value of its placeholder. */
  enter(placeholder: Partial, stream: Float64Array): void {
    this.residuals.set(placeholder, tf.keep(tf.tensor2d(Float32Array.from(stream), [this.n, this.d])));
  }

  dispose(): void {
    for (const map of [this.residuals, this.values, this.cache]) for (const t of map.values()) t.dispose();
    this.view.dispose();
  }

  // ---- values of partial paths -----------------------------------------------------------------------

  /** n × d: what a partial path writes to the stream, its placeholders at their forward values. */
  valueOf(p: Partial): tf.Tensor2D {
    let v = this.values.get(p) ?? this.residuals.get(p);
    if (!v) this.values.set(p, (v = this.kept(() => this.computeValue(p))));
    return v;
  }

  private computeValue(p: Partial): tf.Tensor2D {
    switch (p.kind) {
      case 'residual':
        throw new Error(`no stream recorded at ${p.key}`);
      case 'path':
        return this.atom(p);
      case 'head':
        return this.matMul(this.pattern(p.layer, p.head, p.source), this.headInput(p.layer, p.head, p.of));
      case 'bilinear': {
        const hidden = tf.mul(this.hidden(p.layer, p.left, 'W_in'), this.hidden(p.layer, p.right, 'W_gate'));
        const out = this.matMul(
          tf.broadcastTo(hidden, [this.n, hidden.shape[1]!]) as tf.Tensor2D,
          this.mlp(p.layer, 'W_out'),
        );
        return tf.mul(out, this.blockScale('bilinear', p.layer)) as tf.Tensor2D;
      }
    }
  }

  private atom(p: Partial & { kind: 'path' }): tf.Tensor2D {
    const { n, d } = this;
    const path = p.path;
    if (path.kind === 'embed')
      return tf.gather(this.view.tensor(W_E) as tf.Tensor2D, tf.tensor1d([...this.tokens], 'int32'));
    if (path.kind === 'pos') return tf.slice(this.view.tensor(W_POS) as tf.Tensor2D, [0, 0], [n, d]);
    if (path.kind === 'bias') {
      const { block, layer } = path.site;
      // b_O and b_out are part of their block's output, which its scale multiplies
      const scale = layer === null ? 1 : this.blockScale(block === 'attn' ? 'attention' : 'bilinear', layer);
      return tf.mul(tf.broadcastTo(tf.reshape(this.biasVector(path.site), [1, d]), [n, d]), scale);
    }
    throw new Error(`a ${path.kind} path is not an atom of a trace`);
  }

  private biasVector(at: Site): tf.Tensor1D {
    return at.block === 'attn' && at.name === 'b_O' ? this.view.bias(at) : (this.view.tensor(at) as tf.Tensor1D);
  }

  /** y = (block input) W_V^h W_O^h times the block's scale, n × d: what each source position sends. */
  headInput(layer: number, h: number, of: Partial): tf.Tensor2D {
    return this.kept(() => {
      const x = this.input(of, this.norm('ln1', layer), `ln1.${layer}`);
      const y = this.matMul(this.matMul(x, this.view.head('W_V', layer, h)), this.view.head('W_O', layer, h));
      return tf.mul(y, this.blockScale('attention', layer));
    }, `y${layer}.${h}:${of.key}`);
  }

  /** A block argument behind its norm: a norm's own bias (and the coordinate 1) enters unnormed. */
  private input(p: Partial, norm: Norm | undefined, scaleKey: string): tf.Tensor2D {
    if (p.kind === 'path' && norm && !norm.normalizes(p.path)) return this.atomUnscaled(p);
    return this.view.normed(norm, this.valueOf(p), this.frozen.scales.get(scaleKey));
  }

  private atomUnscaled(p: Partial & { kind: 'path' }): tf.Tensor2D {
    if (p.path.kind !== 'bias') throw new Error('only a bias enters a block unnormed');
    return tf.broadcastTo(tf.reshape(this.view.tensor(p.path.site), [1, this.d]), [this.n, this.d]) as tf.Tensor2D;
  }

  /** N(x) W_in or N(x) W_gate, n × m (1 × m for the coordinate 1: b_in or b_gate). */
  hidden(layer: number, p: Partial, name: 'W_in' | 'W_gate', rows?: readonly number[]): tf.Tensor2D {
    const some = rows !== undefined && rows.length < this.n;
    return this.kept(
      () => {
        if (p.kind === 'path' && p.path.kind === 'bias' && p.path.site === HOMOGENEOUS)
          return tf.reshape(this.view.tensor(site('mlp', layer, name === 'W_in' ? 'b_in' : 'b_gate')), [1, -1]);
        const input = this.input(p, this.norm('ln2', layer), `ln2.${layer}`);
        return this.matMul(some ? this.rowsOf(input, rows) : input, this.mlp(layer, name));
      },
      `${name}${layer}:${p.key}${some ? `@${rows.join(',')}` : ''}`,
    );
  }

  /** The rows of an n × k matrix at the given positions (all of them: the matrix itself). */
  rowsOf(x: tf.Tensor2D, rows: readonly number[]): tf.Tensor2D {
    if (rows.length === x.shape[0]) return x;
    return tf.gather(x, tf.tensor1d([...rows], 'int32'));
  }

  scaleAt(key: string, rows: readonly number[]): tf.Tensor1D | undefined {
    const scale = this.frozen.scales.get(key);
    return scale && (rows.length === this.n ? scale : tf.gather(scale, tf.tensor1d([...rows], 'int32')));
  }

  // ---- weights and frozen quantities -----------------------------------------------------------------

  norm(at: 'ln1' | 'ln2' | 'final', layer: number | null): Norm | undefined {
    return blocksOf(this.arch).normAt(at, layer);
  }

  /** A block's constant output scale (`scale S` in the spec), 1 without one. */
  blockScale(kind: 'attention' | 'bilinear', layer: number): number {
    const block = this.arch.layers[layer]?.[kind] as { scale?: { valueOf(): number } } | undefined;
    return block?.scale?.valueOf() ?? 1;
  }

  private mlp(layer: number, name: string): tf.Tensor2D {
    return this.view.tensor(site('mlp', layer, name)) as tf.Tensor2D;
  }

  /**
   * Transposes made once: tfjs-wasm multiplies by a transposed operand ten times slower than by a stored one
   * (29 ms against 2.8 ms of CPU for 64 × 256 by 256 × 1024).
   */
  transposed(x: tf.Tensor2D, key: string): tf.Tensor2D {
    return this.kept(() => tf.transpose(x), `T:${key}`);
  }

  mlpT(layer: number, name: string): tf.Tensor2D {
    return this.transposed(this.mlp(layer, name), `${name}${layer}`);
  }

  /** Aᵀ (with a source s, only its row s), n × n. */
  patternT(layer: number, h: number, source: number | null): tf.Tensor2D {
    return this.transposed(this.pattern(layer, h, source), `A${layer}.${h}@${source}`);
  }

  /** The columns of an n × n matrix at the given positions. */
  columnsOf(x: tf.Tensor2D, columns: readonly number[]): tf.Tensor2D {
    if (columns.length === x.shape[1]) return x;
    return tf.gather(x, tf.tensor1d([...columns], 'int32'), 1);
  }

  /** Head h's frozen pattern, n × n; with a source, only that column. */
  private pattern(layer: number, h: number, source: number | null = null): tf.Tensor2D {
    return this.kept(() => {
      const all = this.frozen.patterns[layer]!;
      const a = tf.reshape(tf.slice(all, [h, 0, 0], [1, this.n, this.n]), [this.n, this.n]) as tf.Tensor2D;
      if (source === null) return a;
      return tf.mul(a, tf.tensor2d(unit(source, this.n), [1, this.n]));
    }, `A${layer}.${h}@${source}`);
  }

  matMul(a: tf.Tensor2D, b: tf.Tensor2D, transposeA = false, transposeB = false): tf.Tensor2D {
    const rows = transposeA ? a.shape[1] : a.shape[0];
    const inner = transposeA ? a.shape[0] : a.shape[1];
    this.multiplyAdds += rows * inner * (transposeB ? b.shape[0] : b.shape[1]);
    return tf.matMul(a, b, transposeA, transposeB);
  }

  /** A tensor made once and kept until dispose (keyed when `key` is given). */
  kept(make: () => tf.Tensor, key?: string): tf.Tensor2D {
    if (key === undefined) return tf.keep(tf.tidy(make)) as tf.Tensor2D;
    let t = this.cache.get(key);
    if (!t) this.cache.set(key, (t = tf.keep(tf.tidy(make)) as tf.Tensor2D));
    return t;
  }
}

function unit(index: number, length: number): Float32Array {
  const u = new Float32Array(length);
  u[index] = 1;
  return u;
}
