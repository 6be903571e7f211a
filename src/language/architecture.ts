// The checked form of a spec: what every later stage (expand, numeric, analysis) reads.
// docs/design.md §3 fixes the weight keys; `weightKey` applies the spec's renames to them.
import type { Coefficient } from '../rational.js';

export type NormKind = 'rms' | 'layer';

/** A norm's options where they differ from the defaults (a gain `w`, eps 1e-5). */
export interface NormOptions {
  /** `nogain`: no gain tensor, the norm is x·s (LayerNorm: (x - mean)·s + b). */
  readonly gain?: false;
  readonly eps?: number;
}

/** An attention block as its statement declares it (the AST's attention statement carries the same fields). */
export interface AttentionOptions {
  readonly heads: number;
  readonly headSize: number;
  /** b_Q, b_K, b_V [H,d_head] and b_O [d]. */
  readonly bias: boolean;
  /** Rotary position embeddings on q and k (the "rotate half" pairing), frequencies base^(-2i/d_head). */
  readonly rotary?: { readonly base: number };
  /** `scale S`: the block's output is multiplied by S before it joins the residual stream (absent: 1). */
  readonly scale?: Coefficient;
}

export interface AttentionBlock extends AttentionOptions {
  /** Pre-norm `blocks.{l}.ln1` applied to the block's input. */
  readonly norm?: NormKind;
  readonly normOptions?: NormOptions;
}

/** A bilinear block as its statement declares it. */
export interface BilinearOptions {
  readonly hidden: number;
  /** b_in, b_gate [m] and b_out [d]. */
  readonly bias: boolean;
  readonly scale?: Coefficient;
}

export interface BilinearBlock extends BilinearOptions {
  /** Pre-norm `blocks.{l}.ln2` applied to the block's input. */
  readonly norm?: NormKind;
  readonly normOptions?: NormOptions;
}

export interface Layer {
  readonly attention?: AttentionBlock;
  readonly bilinear?: BilinearBlock;
}

export interface Unembedding {
  /** unembed.b_U [V]. */
  readonly bias: boolean;
  /** `ln_final` applied before W_U. */
  readonly norm?: NormKind;
  readonly normOptions?: NormOptions;
}

export interface Architecture {
  readonly name: string;
  readonly vocab: number;
  readonly context: number;
  readonly width: number;
  /** A learned positional embedding pos_embed.W_pos [n_ctx,d]. */
  readonly positional: boolean;
  readonly layers: readonly Layer[];
  readonly unembed: Unembedding;
  /** Default key (docs/design.md §3) → where and how the weights file stores it. */
  readonly renames: ReadonlyMap<string, Rename>;
}

/** How a stored tensor holds the one a key names (`rename KEY NAME [rows I of N] [linear | transposed]`). */
export interface Layout {
  /** The stored tensor's first axis is cut in `of` equal parts; this tensor is part `part` (from 1). */
  readonly rows?: { readonly part: number; readonly of: number };
  /**
   * `linear`: stored as a PyTorch nn.Linear weight [out, in] of the map the key stands for;
   * `transposed`: a plain transpose of a 2-D tensor.
   */
  readonly form?: 'linear' | 'transposed';
}

export interface Rename {
  /** The tensor's name in the weights file. */
  readonly name: string;
  readonly layout: Layout;
}

/** The key a tensor has in the weights file, after the spec's renames. */
export function weightKey(arch: Architecture, defaultKey: string): string {
  return arch.renames.get(defaultKey)?.name ?? defaultKey;
}

/** How the weights file stores a tensor: as is unless a rename gives a layout. */
export function weightLayout(arch: Architecture, defaultKey: string): Layout {
  return arch.renames.get(defaultKey)?.layout ?? {};
}

/** `rows 1 of 3, linear`: a layout as messages and `pathsum check` name it; empty for a tensor stored as is. */
export function describeLayout(layout: Layout): string {
  const rows = layout.rows ? `rows ${layout.rows.part} of ${layout.rows.of}` : '';
  return [rows, layout.form ?? ''].filter(Boolean).join(', ');
}
