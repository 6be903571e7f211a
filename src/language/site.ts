// Where a tensor lives in a model: a block, its layer (null for the embedding, the final norm and
// the unembedding) and the tensor's name there. Sites are typed values, interned so that `===` is
// equality; the one place they become weight keys is `defaultKey` (docs/design.md §3, the
// TransformerLens names), and `weightKey` in architecture.ts applies a spec's renames to that.

/** The TransformerLens block names: `embed.W_E`, `blocks.0.attn.W_Q`, `blocks.1.ln2.w`, `ln_final.b`, … */
export type BlockName = 'embed' | 'pos_embed' | 'attn' | 'mlp' | 'ln1' | 'ln2' | 'ln_final' | 'unembed';

export interface Site {
  readonly block: BlockName | (string & {});
  readonly layer: number | null;
  readonly name: string;
}

const sites = new Map<string, Site>();

export function site(block: Site['block'], layer: number | null, name: string): Site {
  const key = `${block}\u0000${layer}\u0000${name}`;
  let s = sites.get(key);
  if (!s) sites.set(key, (s = Object.freeze({ block, layer, name })));
  return s;
}

/**
 * The homogeneous coordinate 1 of a bilinear block with biases (docs/design.md §3): not a tensor,
 * but an input path like the others, so that `(W_in x + b_in) ⊙ (W_gate x + b_gate)` is `B(x̃, x̃)`.
 */
export const HOMOGENEOUS: Site = site('homogeneous', null, '1');

/** The tensor's key in a file that follows docs/design.md §3 without renames. */
export function defaultKey(s: Site): string {
  if (s === HOMOGENEOUS) return '1';
  return s.layer === null ? `${s.block}.${s.name}` : `blocks.${s.layer}.${s.block}.${s.name}`;
}

/** The inverse of `defaultKey`, for keys read back from JSON; undefined for anything else. */
export function siteOfKey(key: string): Site | undefined {
  if (key === '1') return HOMOGENEOUS;
  const inBlock = /^blocks\.(0|[1-9]\d{0,8})\.(attn|mlp|ln1|ln2)\.(\w+)$/.exec(key);
  if (inBlock) return site(inBlock[2]!, Number(inBlock[1]), inBlock[3]!);
  const global = /^(embed|pos_embed|ln_final|unembed)\.(\w+)$/.exec(key);
  return global ? site(global[1]!, null, global[2]!) : undefined;
}
