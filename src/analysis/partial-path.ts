// Partial paths (docs/design.md §1 "Tracing a logit", §3 "Partial paths"): a PATH that may hold
// placeholders, each the whole residual stream entering a block as the forward pass computed it. Interned
// like paths: equal partial paths are one object, so memo tables are keyed by them or by their `key`.
import { HOMOGENEOUS } from '../language/site.js';
import { bilinear, head, type Path, pathId, pathToJSON } from '../paths/path.js';

/** Where a placeholder stands: the stream entering attention l, the bilinear block l, or the unembedding. */
export type ResidualSite = 'attn' | 'mlp' | 'final';

export type Partial =
  | { readonly kind: 'residual'; readonly key: string; readonly layer: number | null; readonly site: ResidualSite }
  | { readonly kind: 'path'; readonly key: string; readonly path: Path }
  | {
      readonly kind: 'head';
      readonly key: string;
      readonly layer: number;
      readonly head: number;
      /** The pattern's column this head reads from (`--split-positions`), or every column (null). */
      readonly source: number | null;
      readonly of: Partial;
    }
  | {
      readonly kind: 'bilinear';
      readonly key: string;
      readonly layer: number;
      readonly left: Partial;
      readonly right: Partial;
    };

const interned = new Map<string, Partial>();

function intern(key: string, make: (key: string) => Partial): Partial {
  let p = interned.get(key);
  if (!p) interned.set(key, (p = Object.freeze(make(key))));
  return p;
}

export const residual = (layer: number | null, site: ResidualSite): Partial =>
  intern(`R${site}${layer ?? ''}`, key => ({ kind: 'residual', key, layer, site }));

/** A placeholder-free path (embed, pos, a bias, or any whole path) as a partial path. */
export const whole = (path: Path): Partial => intern(`p${pathId(path)}`, key => ({ kind: 'path', key, path }));

export const headOf = (layer: number, h: number, source: number | null, of: Partial): Partial =>
  intern(`h${layer}.${h}${source === null ? '' : `@${source}`}(${of.key})`, key => ({
    kind: 'head',
    key,
    layer,
    head: h,
    source,
    of,
  }));

/** Ordered pairs: `B(p, q)` and `B(q, p)` are two partial paths (docs/design.md §1, tracing). */
export const pairOf = (layer: number, left: Partial, right: Partial): Partial =>
  intern(`B${layer}(${left.key},${right.key})`, key => ({ kind: 'bilinear', key, layer, left, right }));

/** A step from a partial path to one of its arguments. */
export type Step = 'of' | 'left' | 'right';

/** Stream order of the sites: attention l reads at 2l, bilinear l at 2l + 1, the unembedding last. */
export function siteIndex(p: Partial & { kind: 'residual' }, layers: number): number {
  if (p.site === 'final') return 2 * layers;
  return 2 * p.layer! + (p.site === 'mlp' ? 1 : 0);
}

/**
 * The placeholder a node expands next: the one latest in the stream (nearest the logit), the leftmost of
 * those. Undefined for a node without placeholders (a whole path term).
 */
export function nextPlaceholder(
  p: Partial,
  layers: number,
): { steps: Step[]; at: Partial & { kind: 'residual' } } | undefined {
  let best: { steps: Step[]; at: Partial & { kind: 'residual' } } | undefined;
  const visit = (q: Partial, steps: Step[]) => {
    if (q.kind === 'residual') {
      if (!best || siteIndex(q, layers) > siteIndex(best.at, layers)) best = { steps, at: q };
    } else if (q.kind === 'head') visit(q.of, [...steps, 'of']);
    else if (q.kind === 'bilinear') {
      visit(q.left, [...steps, 'left']);
      visit(q.right, [...steps, 'right']);
    }
  };
  visit(p, []);
  return best;
}

/** `p` with the sub-path at `steps` replaced by `by`. */
export function replaceAt(p: Partial, steps: readonly Step[], by: Partial, from = 0): Partial {
  if (from === steps.length) return by;
  const step = steps[from]!;
  if (p.kind === 'head' && step === 'of')
    return headOf(p.layer, p.head, p.source, replaceAt(p.of, steps, by, from + 1));
  if (p.kind === 'bilinear' && step === 'left') return pairOf(p.layer, replaceAt(p.left, steps, by, from + 1), p.right);
  if (p.kind === 'bilinear' && step === 'right')
    return pairOf(p.layer, p.left, replaceAt(p.right, steps, by, from + 1));
  throw new Error(`no step '${step}' in ${p.kind} partial path`);
}

/** The whole path a partial path without placeholders or source columns stands for (ordered pairs). */
export function toPath(p: Partial): Path | undefined {
  switch (p.kind) {
    case 'residual':
      return undefined;
    case 'path':
      return p.path;
    case 'head': {
      const of = p.source === null ? toPath(p.of) : undefined;
      return of && head(p.layer, p.head, of);
    }
    case 'bilinear': {
      const [left, right] = [toPath(p.left), toPath(p.right)];
      return left && right && bilinear(p.layer, left, right, false);
    }
  }
}

export const hasPlaceholder = (p: Partial): boolean =>
  p.kind === 'residual' ||
  (p.kind === 'head' && hasPlaceholder(p.of)) ||
  (p.kind === 'bilinear' && (hasPlaceholder(p.left) || hasPlaceholder(p.right)));

/** The PATH of docs/design.md §3 with placeholders `{"residual": {layer, site}}` and a head's `source`. */
export function partialToJSON(p: Partial): unknown {
  switch (p.kind) {
    case 'residual':
      return { residual: p.site === 'final' ? { site: p.site } : { layer: p.layer, site: p.site } };
    case 'path':
      return pathToJSON(p.path);
    case 'head':
      return {
        kind: 'head',
        layer: p.layer,
        head: p.head,
        of: partialToJSON(p.of),
        ...(p.source === null ? {} : { source: p.source }),
      };
    case 'bilinear':
      return {
        kind: 'bilinear',
        layer: p.layer,
        left: partialToJSON(p.left),
        right: partialToJSON(p.right),
        symmetrized: false,
      };
  }
}

/** The homogeneous coordinate and a block's LayerNorm bias enter behind the norm: no placeholder, no scale. */
export const isHomogeneous = (p: Partial) => p.kind === 'path' && p.path.kind === 'bias' && p.path.site === HOMOGENEOUS;
