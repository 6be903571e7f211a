// The checked form of a spec: what every later stage (expand, numeric, analysis) reads.
// docs/design.md §3 fixes the weight keys; `weightKey` applies the spec's renames to them.

export type NormKind = 'rms' | 'layer';

export interface AttentionBlock {
  readonly heads: number;
  readonly headSize: number;
  /** b_Q, b_K, b_V [H,d_head] and b_O [d]. */
  readonly bias: boolean;
  /** Pre-norm `blocks.{l}.ln1` applied to the block's input. */
  readonly norm?: NormKind;
}

export interface BilinearBlock {
  readonly hidden: number;
  /** b_in, b_gate [m] and b_out [d]. */
  readonly bias: boolean;
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

export interface WeightSpec {
  /** The default (TransformerLens) key, e.g. `blocks.0.attn.W_Q`. */
  readonly key: string;
  readonly shape: readonly number[];
}

/** The key a tensor has in the weights file, after the spec's renames. */
export function weightKey(arch: Architecture, defaultKey: string): string {
  return arch.renames.get(defaultKey) ?? defaultKey;
}

/** Every tensor a model of this architecture needs, with its shape (docs/design.md §3, row convention). */
export function requiredWeights(arch: Architecture): WeightSpec[] {
  const { vocab: V, context: n, width: d } = arch;
  const specs: WeightSpec[] = [{ key: 'embed.W_E', shape: [V, d] }];
  if (arch.positional) specs.push({ key: 'pos_embed.W_pos', shape: [n, d] });
  arch.layers.forEach((layer, l) => {
    const { attention, bilinear } = layer;
    if (attention) {
      const { heads: H, headSize: k } = attention;
      if (attention.norm) specs.push(...normWeights(`blocks.${l}.ln1`, attention.norm, d));
      for (const w of ['W_Q', 'W_K', 'W_V']) specs.push({ key: `blocks.${l}.attn.${w}`, shape: [H, d, k] });
      specs.push({ key: `blocks.${l}.attn.W_O`, shape: [H, k, d] });
      if (attention.bias) {
        for (const b of ['b_Q', 'b_K', 'b_V']) specs.push({ key: `blocks.${l}.attn.${b}`, shape: [H, k] });
        specs.push({ key: `blocks.${l}.attn.b_O`, shape: [d] });
      }
    }
    if (bilinear) {
      const m = bilinear.hidden;
      if (bilinear.norm) specs.push(...normWeights(`blocks.${l}.ln2`, bilinear.norm, d));
      specs.push({ key: `blocks.${l}.mlp.W_in`, shape: [d, m] });
      specs.push({ key: `blocks.${l}.mlp.W_gate`, shape: [d, m] });
      specs.push({ key: `blocks.${l}.mlp.W_out`, shape: [m, d] });
      if (bilinear.bias) {
        specs.push({ key: `blocks.${l}.mlp.b_in`, shape: [m] });
        specs.push({ key: `blocks.${l}.mlp.b_gate`, shape: [m] });
        specs.push({ key: `blocks.${l}.mlp.b_out`, shape: [d] });
      }
    }
  });
  if (arch.unembed.norm) specs.push(...normWeights('ln_final', arch.unembed.norm, d));
  specs.push({ key: 'unembed.W_U', shape: [d, V] });
  if (arch.unembed.bias) specs.push({ key: 'unembed.b_U', shape: [V] });
  return specs;
}

/** RMS norm has a gain `w`; LayerNorm has a gain `w` and a bias `b`. */
function normWeights(prefix: string, kind: NormKind, d: number): WeightSpec[] {
  const gain = { key: `${prefix}.w`, shape: [d] };
  return kind === 'layer' ? [gain, { key: `${prefix}.b`, shape: [d] }] : [gain];
}

/** Every default key a rename may target, for the spec checker. */
export function renameTargets(arch: Architecture): Set<string> {
  return new Set(requiredWeights(arch).map(w => w.key));
}

export function parameterCount(arch: Architecture): bigint {
  return requiredWeights(arch).reduce((sum, w) => sum + w.shape.reduce((p, s) => p * BigInt(s), 1n), 0n);
}
