// The forward pass of one input, taken apart for a trace (docs/design.md §1 "Tracing a logit"): every
// component written to the residual stream (embeddings, each head, each ordered pair of a bilinear block's
// inputs, biases) with its value, the stream entering each block as their sum, and the linear functional of
// a node's value in one of its placeholders (its gradient), pulled back one block at a time from the target
// logit and memoized per context. Products run in tfjs (float32, ./trace-values.ts); node values are dot
// products accumulated in float64 on the host.
import * as tf from '@tensorflow/tfjs-core';
import type { Architecture } from '../language/architecture.js';
import { HOMOGENEOUS, site } from '../language/site.js';
import { bias, embed, pos } from '../paths/path.js';
import type { SequenceFrozen } from '../numeric/forward.js';
import { B_U, W_U } from '../numeric/weight-view.js';
import type { Weights } from '../numeric/weights.js';
import {
  headOf,
  pairOf,
  type Partial,
  replaceAt,
  type ResidualSite,
  residual,
  siteIndex,
  type Step,
  whole,
} from './partial-path.js';
import { FrozenValues } from './trace-values.js';

/** A component written to the stream: visible to every site from `visibleFrom` on (stream order). */
interface Dense {
  readonly kind: 'dense';
  readonly partial: Partial;
  readonly visibleFrom: number;
  /** Its value with placeholders at their forward values, n × d row-major. */
  readonly value: Float64Array;
}

/** A head split by source position: its part from source s is `A[:, s] ⊗ y_s`. */
interface SplitHead {
  readonly kind: 'split';
  readonly layer: number;
  readonly head: number;
  readonly of: Partial;
  readonly visibleFrom: number;
  /** y = N(x) W_V W_O (times the block's scale), n × d. */
  readonly perSource: Float64Array;
}

type Component = Dense | SplitHead;

export interface Child {
  readonly partial: Partial;
  readonly contribution: number;
}

/**
 * A node's value as a linear functional of one placeholder: `Σ_i g_i · x_{rows[i]}`. Only the rows it reads
 * are kept: the logit reads one position, a bilinear block keeps positions, a head spreads them to the
 * positions its pattern reads (all up to the latest, causally).
 */
interface Functional {
  readonly rows: readonly number[];
  /** rows.length × d */
  readonly g: tf.Tensor2D;
  /** g on the host, read once. */
  values?: Float32Array;
}

export interface StreamTarget {
  readonly position: number;
  readonly token: number;
}

export class FrozenStream {
  readonly n: number;
  readonly d: number;
  readonly layerCount: number;
  private readonly values: FrozenValues;
  private readonly components: Component[] = [];
  private readonly gradients = new Map<string, Functional>();
  private readonly root: Functional;

  constructor(
    private readonly arch: Architecture,
    weights: Weights,
    tokens: readonly number[],
    frozen: SequenceFrozen,
    readonly target: StreamTarget,
    private readonly splitPositions = false,
  ) {
    this.n = tokens.length;
    this.d = arch.width;
    this.layerCount = arch.layers.length;
    this.values = new FrozenValues(arch, weights, tokens, frozen);
    this.build();
    const rows = [target.position];
    const { view } = this.values;
    this.root = {
      rows,
      g: this.values.kept(() => {
        const column = tf.reshape(tf.slice(view.tensor(W_U), [0, target.token], [this.d, 1]), [1, this.d]);
        const final = this.values.norm('final', null);
        return view.normPulledBack(final, column as tf.Tensor2D, this.values.scaleAt('final', rows));
      }),
    };
  }

  /** Multiply-adds performed so far (matrix products and dot products). */
  get multiplyAdds(): number {
    return this.values.multiplyAdds;
  }

  /** The children of a node's placeholder at `steps`: one per component written before that site. */
  children(node: Partial, steps: readonly Step[], at: Partial & { kind: 'residual' }): Child[] {
    const f = this.gradientAt(node, steps);
    const visible = siteIndex(at, this.layerCount);
    const out: { component: Partial; contribution: number }[] = [];
    for (const c of this.components) {
      if (c.visibleFrom > visible) continue;
      if (c.kind === 'dense') out.push({ component: c.partial, contribution: this.read(f, c.value) });
      else out.push(...this.splitChildren(c, f));
    }
    if (at.site === 'final') out.push(...this.readoutExtras());
    return out.map(({ component, contribution }) => ({ partial: replaceAt(node, steps, component), contribution }));
  }

  /** The value of a partial path (placeholders at forward values) read out at the target: a check for tests. */
  contribution(node: Partial): number {
    const extra = this.readoutExtras().find(e => e.component === node);
    if (extra) return extra.contribution;
    return this.read(this.root, this.values.valueOf(node).dataSync());
  }

  dispose(): void {
    for (const f of this.gradients.values()) f.g.dispose();
    this.root.g.dispose();
    this.values.dispose();
  }

  // ---- the stream, built once ------------------------------------------------------------------------

  private build(): void {
    const stream = new Float64Array(this.n * this.d);
    const write = (partial: Partial, visibleFrom: number) => {
      const value = Float64Array.from(this.values.valueOf(partial).dataSync());
      accumulate(stream, value);
      this.components.push({ kind: 'dense', partial, visibleFrom, value });
    };
    const enter = (layer: number | null, at: ResidualSite) => this.values.enter(residual(layer, at), stream);
    write(whole(embed()), 0);
    if (this.arch.positional) write(whole(pos()), 0);
    this.arch.layers.forEach((layer, l) => {
      if (layer.attention) {
        enter(l, 'attn');
        const after = 2 * l + 1;
        for (let h = 0; h < layer.attention.heads; h++) {
          const input = residual(l, 'attn');
          if (this.splitPositions) this.writeSplit(l, h, input, after, stream);
          else write(headOf(l, h, null, input), after);
          const norm = this.values.norm('ln1', l);
          if (norm?.kind === 'layer') write(headOf(l, h, null, whole(bias(norm.bias))), after);
        }
        if (layer.attention.bias) write(whole(bias(site('attn', l, 'b_O'))), after);
      }
      if (layer.bilinear) {
        enter(l, 'mlp');
        const norm = this.values.norm('ln2', l);
        const inputs = [
          residual(l, 'mlp'),
          ...(norm?.kind === 'layer' ? [whole(bias(norm.bias))] : []),
          ...(layer.bilinear.bias ? [whole(bias(HOMOGENEOUS))] : []),
        ];
        for (const left of inputs) for (const right of inputs) write(pairOf(l, left, right), 2 * l + 2);
        if (layer.bilinear.bias) write(whole(bias(site('mlp', l, 'b_out'))), 2 * l + 2);
      }
    });
    enter(null, 'final');
  }

  private writeSplit(layer: number, h: number, of: Partial, visibleFrom: number, stream: Float64Array): void {
    const perSource = Float64Array.from(this.values.headInput(layer, h, of).dataSync());
    const value = this.values.valueOf(headOf(layer, h, null, of)).dataSync();
    accumulate(stream, value);
    this.components.push({ kind: 'split', layer, head: h, of, visibleFrom, perSource });
  }

  /** Source s of a split head: Σ_t A[t, s] g_t · y_s = (Aᵀ g)_s · y_s. */
  private splitChildren(c: SplitHead, f: Functional): { component: Partial; contribution: number }[] {
    const z = tf
      .tidy(() => this.values.matMul(this.values.columnsOf(this.values.patternT(c.layer, c.head, null), f.rows), f.g))
      .dataSync();
    const { d } = this;
    this.values.multiplyAdds += this.n * d;
    return Array.from({ length: this.n }, (_, s) => {
      let sum = 0;
      for (let j = 0; j < d; j++) sum += z[s * d + j]! * c.perSource[s * d + j]!;
      return { component: headOf(c.layer, c.head, s, c.of), contribution: sum };
    });
  }

  /** The final LayerNorm bias and b_U enter the logit behind the final norm. */
  private readoutExtras(): { component: Partial; contribution: number }[] {
    const extras: { component: Partial; contribution: number }[] = [];
    const norm = this.values.norm('final', null);
    const unembed = this.values.view.matrix64(W_U);
    const token = this.target.token;
    if (norm?.kind === 'layer') {
      const b = this.values.view.vector64(norm.bias);
      let sum = 0;
      for (let i = 0; i < this.d; i++) sum += b[i]! * unembed.data[i * unembed.cols + token]!;
      extras.push({ component: whole(bias(norm.bias)), contribution: sum });
    }
    if (this.arch.unembed.bias)
      extras.push({ component: whole(bias(B_U)), contribution: this.values.view.vector64(B_U)[token]! });
    return extras;
  }

  // ---- gradients: a node's value as a linear functional of one placeholder ---------------------------

  private gradientAt(node: Partial, steps: readonly Step[]): Functional {
    let f = this.root;
    let key = '';
    let p = node;
    for (const step of steps) {
      const [from, at] = [f, p];
      if (at.kind === 'head') {
        key += `/h${at.layer}.${at.head}@${at.source}`;
        f = this.memoGradient(key, () => this.throughHead(from, at));
        p = at.of;
      } else if (at.kind === 'bilinear') {
        const other = step === 'left' ? at.right : at.left;
        key += `/B${at.layer}${step}:${other.key}`;
        f = this.memoGradient(key, () => this.throughPair(from, at.layer, step, other));
        p = step === 'left' ? at.left : at.right;
      } else throw new Error(`no step into a ${at.kind} partial path`);
    }
    return f;
  }

  private memoGradient(key: string, make: () => Functional): Functional {
    let f = this.gradients.get(key);
    if (!f) {
      let rows: readonly number[] = [];
      const g = this.values.kept(() => {
        const made = make();
        rows = made.rows;
        return made.g;
      });
      this.gradients.set(key, (f = { rows, g }));
    }
    return f;
  }

  /** The transpose of x ↦ scale · A_s N(x) W_V W_O on f: it reads the positions the pattern reads. */
  private throughHead(f: Functional, at: Partial & { kind: 'head' }): Functional {
    const { layer, head } = at;
    const latest = Math.max(...f.rows);
    const rows = at.source === null ? Array.from({ length: latest + 1 }, (_, i) => i) : [at.source];
    const spread = this.values.matMul(
      this.values.rowsOf(this.values.columnsOf(this.values.patternT(layer, head, at.source), f.rows), rows),
      f.g,
    );
    const back = this.values.matMul(
      spread,
      this.values.transposed(this.values.view.head('W_O', layer, head), `W_O${layer}.${head}`),
    );
    const input = this.values.matMul(
      back,
      this.values.transposed(this.values.view.head('W_V', layer, head), `W_V${layer}.${head}`),
    );
    const scaled = tf.mul(input, this.values.blockScale('attention', layer)) as tf.Tensor2D;
    return {
      rows,
      g: this.values.view.normPulledBack(
        this.values.norm('ln1', layer),
        scaled,
        this.values.scaleAt(`ln1.${layer}`, rows),
      ),
    };
  }

  /** The transpose of x ↦ scale · B(N(x), N(other)) (or B(N(other), N(x))) on f: the same positions. */
  private throughPair(f: Functional, layer: number, step: Step, other: Partial): Functional {
    const [mine, theirs] = step === 'left' ? (['W_in', 'W_gate'] as const) : (['W_gate', 'W_in'] as const);
    const back = tf.mul(
      this.values.matMul(f.g, this.values.mlpT(layer, 'W_out')),
      this.values.blockScale('bilinear', layer),
    );
    // the other argument's projection at the rows read only: near the logit that is one position
    const partner = this.values.hidden(layer, other, theirs, f.rows);
    const hidden = this.values.matMul(tf.mul(back, partner) as tf.Tensor2D, this.values.mlpT(layer, mine));
    const g = this.values.view.normPulledBack(
      this.values.norm('ln2', layer),
      hidden,
      this.values.scaleAt(`ln2.${layer}`, f.rows),
    );
    return { rows: f.rows, g };
  }

  /** Σ_i f.g_i · x_{rows[i]} in float64, x an n × d value. */
  private read(f: Functional, x: ArrayLike<number>): number {
    f.values ??= f.g.dataSync() as Float32Array;
    const [g, d, rows] = [f.values, this.d, f.rows];
    let sum = 0;
    for (let i = 0; i < rows.length; i++) {
      const [gi, xi] = [i * d, rows[i]! * d];
      for (let j = 0; j < d; j++) sum += g[gi + j]! * x[xi + j]!;
    }
    this.values.multiplyAdds += f.rows.length * d;
    return sum;
  }
}

function accumulate(stream: Float64Array, value: ArrayLike<number>): void {
  for (let i = 0; i < value.length; i++) stream[i] = stream[i]! + value[i]!;
}
