// A block of a model, defined once (docs/architecture.md, "How to add a block"): the tensors it
// reads, its forward step, its expansion step, its term-count step and the formula of every path
// it writes. The walks in this folder (expand, count, lower, forward, weights) iterate over a
// model's blocks and call these; none of them knows a block kind.
import type * as tf from '@tensorflow/tfjs-core';
import type { Expr } from '../formula/nodes.js';
import { defaultKey, type Site } from '../language/site.js';
import type { Path } from '../paths/path.js';
import type { Term } from '../paths/term.js';
import type { Norm } from './blocks/norm.js';

/** How random weights are drawn for a tensor (numeric/weights.ts). */
export type Init = 'embedding' | 'map' | 'bias' | 'gain';

export interface WeightSpec {
  readonly site: Site;
  /** The default key of docs/design.md §3, e.g. `blocks.0.attn.W_Q`. */
  readonly key: string;
  /** Row convention (TransformerLens), e.g. [H, d, d_head] for W_Q. */
  readonly shape: readonly number[];
  /** A `map`'s fan-in is its second-to-last axis. */
  readonly init: Init;
  /**
   * For a per-head map [H, a, b]: whether the heads index its output (W_Q, W_K, W_V: d → H·d_head) or its
   * input (W_O: H·d_head → d). An nn.Linear weight stores the map as [out, in] with the heads major.
   */
  readonly heads?: 'output' | 'input';
}

export function weightSpec(at: Site, shape: readonly number[], init: Init, heads?: WeightSpec['heads']): WeightSpec {
  return { site: at, key: defaultKey(at), shape, init, ...(heads ? { heads } : {}) };
}

/** A re-iterable stream of terms: each call walks the expansion anew (expansion is lazy). */
export type Stream = () => Iterable<Term>;

export interface ExpandOptions {
  /** One symmetrized term per unordered bilinear pair (default), or both ordered pairs. */
  readonly symmetrize?: boolean;
  /** Drop every path of higher degree (degree only grows along a path, so pruning is exact). */
  readonly maxDegree?: number;
  /** Heads `"l.h"` whose paths are removed (ablation). */
  readonly ablateHeads?: ReadonlySet<string>;
  /** Layers whose bilinear block is removed (ablation). */
  readonly ablateBilinear?: ReadonlySet<number>;
}

/**
 * Term counts by degree, as the count walk keeps them; blocks combine them only through the
 * operations of `CountContext`, which mirror what their expansion step does to paths.
 */
export interface Counts {
  readonly kind: 'counts';
}

export interface CountContext {
  readonly options: ExpandOptions;
  /** `c` terms of degree `degree`. */
  constant(degree: number, c: number | bigint): Counts;
  add(...counts: Counts[]): Counts;
  times(counts: Counts, k: number | bigint): Counts;
  /** The pairs a bilinear block forms from its inputs: unordered or ordered as the options say. */
  pairs(inputs: Counts): Counts;
}

/** A formula for each sub-path: raw (unsimplified) or already simplified. */
export type SubFormula = (path: Path) => Expr;

export interface ForwardContext {
  /** The tfjs namespace, handed in so that symbolic commands never load tfjs. */
  readonly tf: typeof tf;
  /** int32 [B, n] */
  readonly tokens: tf.Tensor2D;
  weight(site: Site): tf.Tensor;
  /** Records what the expansion freezes: an attention pattern [B, H, n, n]… */
  freezePattern(layer: number, pattern: tf.Tensor4D): void;
  /** …and a norm's per-position scale [B, n] (`ln1.0`, `ln2.3`, `final`). */
  freezeScale(key: string, scale: tf.Tensor2D): void;
  /** The pre-softmax scores [B, H, n, n] of an attention layer (after 1/√d_head, before the mask), if asked. */
  recordScores?(layer: number, scores: tf.Tensor4D): void;
}

export interface Block {
  /** 'embedding', 'attention', …: the block kind, for messages and summaries. */
  readonly kind: string;
  readonly layer: number | null;
  /** The pre-norm on the block's input, if it has one. */
  readonly norm?: Norm;
  readonly weights: readonly WeightSpec[];
  /**
   * What the formula walk asks this block about: the bias sites and the path kinds (`head:0`,
   * `bilinear:1`, `embed`, `pos`) whose paths it writes.
   */
  readonly owns: readonly (Site | string)[];
  /** One line for `pathsum check`. */
  describe(): string;
  /** The residual stream after this block, from the stream before it. */
  expand(residual: Stream, options: ExpandOptions): Stream;
  count(residual: Counts, context: CountContext): Counts;
  /** One step of a path this block writes: its formula over its sub-paths' formulas. */
  lower(path: Path, sub: SubFormula): Expr;
  /** The residual stream after this block, [B, n, d] (the logits [B, n, V] for the unembedding). */
  forward(x: tf.Tensor3D, context: ForwardContext): tf.Tensor3D;
}

/** What the unembedding adds to a block: it reads the stream out instead of writing to it. */
export interface Readout extends Block {
  /** A final term's contribution to the logits, over the formula of its path. */
  readout(path: Path, sub: SubFormula): Expr;
}
