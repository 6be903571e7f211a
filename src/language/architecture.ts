// The checked form of a spec: what every later stage (expand, numeric, analysis) reads.
// docs/design.md §3 fixes the weight keys; `weightKey` applies the spec's renames to them.

export type NormKind = 'rms' | 'layer';

/** An attention block as its statement declares it (the AST's attention statement carries the same fields). */
export interface AttentionOptions {
  readonly heads: number;
  readonly headSize: number;
  /** b_Q, b_K, b_V [H,d_head] and b_O [d]. */
  readonly bias: boolean;
  /** Rotary position embeddings on q and k (the "rotate half" pairing), frequencies base^(-2i/d_head). */
  readonly rotary?: { readonly base: number };
}

export interface AttentionBlock extends AttentionOptions {
  /** Pre-norm `blocks.{l}.ln1` applied to the block's input. */
  readonly norm?: NormKind;
}

/** A bilinear block as its statement declares it. */
export interface BilinearOptions {
  readonly hidden: number;
  /** b_in, b_gate [m] and b_out [d]. */
  readonly bias: boolean;
}

export interface BilinearBlock extends BilinearOptions {
  /** Pre-norm `blocks.{l}.ln2` applied to the block's input. */
  readonly norm?: NormKind;
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
  /** Default key (docs/design.md §3) → key in the weights file. */
  readonly renames: ReadonlyMap<string, string>;
}

/** The key a tensor has in the weights file, after the spec's renames. */
export function weightKey(arch: Architecture, defaultKey: string): string {
  return arch.renames.get(defaultKey) ?? defaultKey;
}
