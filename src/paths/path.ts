// A path through the model: the backbone every stage shares (expansion, formulas, evaluation, JSON).
// docs/design.md §3 PATH schema. Nodes are interned, so equal paths built between two `forgetPaths` are one
// object and `===` is equality; memo tables over sub-paths are `Map<Path, …>`.
import { P, match } from 'ts-pattern';
import { defaultKey, HOMOGENEOUS, type Site, siteOfKey } from '../language/site.js';

export type Path =
  | { readonly kind: 'embed' }
  | { readonly kind: 'pos' }
  | { readonly kind: 'bias'; readonly site: Site }
  | { readonly kind: 'head'; readonly layer: number; readonly head: number; readonly of: Path }
  | {
      readonly kind: 'bilinear';
      readonly layer: number;
      readonly left: Path;
      readonly right: Path;
      readonly symmetrized: boolean;
    };

/**
 * A bias path is a degree-0 constant at a typed site (docs/design.md §3). The homogeneous
 * coordinate of a bilinear block with biases is `bias(HOMOGENEOUS)`: `B(1, p) = W_out (b_in ⊙ W_gate p)`,
 * `B(p, 1) = W_out (W_in p ⊙ b_gate)`, `B(1, 1) = W_out (b_in ⊙ b_gate)`. The attention output bias
 * `attn.b_O` also carries the value biases `Σ_h W_O^h b_V^h` (rows of A sum to 1).
 */
export const ONE = HOMOGENEOUS;

// Leaves (embed, pos, one bias per site) are few: a function of the model. Heads and pairs are as many as
// the terms, so their tables are tries keyed by the argument objects, which `forgetPaths` empties between
// terms of a stream (docs/architecture.md, "Memory"): a path built before is still a valid path, it is only
// no longer `===` to an equal one built after.
const leaves = new Map<string, Path>();
const heads = new Map<Path, Map<number, Map<number, Path>>>();
const pairs = new Map<number, Map<Path, Map<Path, Path>>>();
let composites = 0;

function leaf(key: string, make: () => Path): Path {
  const existing = leaves.get(key);
  if (existing) return existing;
  const node = Object.freeze(make());
  leaves.set(key, node);
  return node;
}

const ids = new WeakMap<Path, number>();
let nextId = 0;

/** A stable small integer for a path (the order of the first call). */
export function pathId(path: Path): number {
  let id = ids.get(path);
  // Stryker disable next-line UpdateOperator: any one-to-one numbering serves, the ids are only keys
  if (id === undefined) ids.set(path, (id = nextId++));
  return id;
}

/** The polynomial degree in the one-hot inputs (docs/design.md §1 normal form). */
export function degree(path: Path): number {
  switch (path.kind) {
    case 'embed':
      return 1;
    case 'head':
      return degree(path.of);
    case 'bilinear':
      return degree(path.left) + degree(path.right);
    default:
      return 0;
  }
}

/** Heads and pairs built since the last `forgetPaths`: what the interning tables hold. */
export const internedPaths = (): number => composites;

/** Empties the tables of heads and pairs (see above); the paths already built stay valid. */
export function forgetPaths(): void {
  heads.clear();
  pairs.clear();
  composites = 0;
}

// Stryker disable StringLiteral: a leaf's key only has to differ from the other leaves' keys
export const embed = (): Path => leaf('E', () => ({ kind: 'embed' }));

export const pos = (): Path => leaf('P', () => ({ kind: 'pos' }));
// Stryker restore StringLiteral

export const bias = (at: Site): Path => leaf(`b:${defaultKey(at)}`, () => ({ kind: 'bias', site: at }));

export function head(layer: number, h: number, of: Path): Path {
  const byLayer = heads.get(of) ?? heads.set(of, new Map()).get(of)!;
  const byHead = byLayer.get(layer) ?? byLayer.set(layer, new Map()).get(layer)!;
  let node = byHead.get(h);
  if (!node) {
    node = Object.freeze({ kind: 'head', layer, head: h, of }) as Path;
    byHead.set(h, node);
    composites++;
  }
  return node;
}

/** A symmetrized pair is unordered: its arguments are stored in `comparePaths` order. */
export const bilinear = (layer: number, left: Path, right: Path, symmetrized: boolean): Path => {
  const [l, r] = symmetrized && comparePaths(right, left) < 0 ? [right, left] : [left, right];
  // keyed by the argument objects, not a string: pairs are most of an expansion's paths
  const byLeft =
    pairs.get(2 * layer + Number(symmetrized)) ??
    pairs.set(2 * layer + Number(symmetrized), new Map()).get(2 * layer + Number(symmetrized))!;
  const byRight = byLeft.get(l) ?? byLeft.set(l, new Map()).get(l)!;
  let node = byRight.get(r);
  if (!node) {
    node = Object.freeze({ kind: 'bilinear', layer, left: l, right: r, symmetrized }) as Path;
    byRight.set(r, node);
    composites++;
  }
  return node;
};

const kindOrder: Record<Path['kind'], number> = { embed: 0, pos: 1, bias: 2, head: 3, bilinear: 4 };

/** A total structural order on paths: the order of the expansion's own enumeration within a kind. */
export function comparePaths(a: Path, b: Path): number {
  if (a === b) return 0;
  if (a.kind !== b.kind) return kindOrder[a.kind] - kindOrder[b.kind];
  // plain kind tests: every symmetrized pair of an expansion is ordered here (the hot loop of bench/symbolic)
  // Stryker disable next-line EqualityOperator: two biases at one site are one interned leaf, equal above
  if (a.kind === 'bias' && b.kind === 'bias') return defaultKey(a.site) < defaultKey(b.site) ? -1 : 1;
  if (a.kind === 'head' && b.kind === 'head') return a.layer - b.layer || a.head - b.head || comparePaths(a.of, b.of);
  if (a.kind === 'bilinear' && b.kind === 'bilinear') {
    return (
      a.layer - b.layer ||
      Number(a.symmetrized) - Number(b.symmetrized) ||
      comparePaths(a.left, b.left) ||
      comparePaths(a.right, b.right)
    );
  }
  return 0;
}

/** The PATH object of docs/design.md §3, as plain JSON. */
export function pathToJSON(path: Path): unknown {
  return (
    match(path)
      .with({ kind: P.union('embed', 'pos') }, p => ({ kind: p.kind }))
      .with({ kind: 'bias' }, p => ({ kind: 'bias', name: defaultKey(p.site) }))
      .with({ kind: 'head' }, p => ({ kind: 'head', layer: p.layer, head: p.head, of: pathToJSON(p.of) }))
      // Stryker disable next-line ObjectLiteral: the last case, only pairs are left to match
      .with({ kind: 'bilinear' }, p => ({
        kind: 'bilinear',
        layer: p.layer,
        left: pathToJSON(p.left),
        right: pathToJSON(p.right),
        symmetrized: p.symmetrized,
      }))
      .exhaustive()
  );
}

/** Rebuilds an interned path from its docs/design.md §3 JSON; throws on anything else. */
export function pathFromJSON(json: unknown): Path {
  const o = json as Record<string, unknown>;
  if (typeof o !== 'object' || o === null) throw new Error('a PATH must be an object');
  switch (o.kind) {
    case 'embed':
      return embed();
    case 'pos':
      return pos();
    case 'bias':
      if (typeof o.name !== 'string') throw new Error('a bias PATH needs a string name');
      return bias(siteOfKey(o.name) ?? fail(`'${o.name}' is not a bias of docs/design.md §3`));
    case 'head':
      return head(integer(o.layer, 'layer'), integer(o.head, 'head'), pathFromJSON(o.of));
    case 'bilinear':
      return bilinear(integer(o.layer, 'layer'), pathFromJSON(o.left), pathFromJSON(o.right), o.symmetrized === true);
    default:
      throw new Error(`unknown PATH kind ${JSON.stringify(o.kind)}`);
  }
}

function integer(value: unknown, field: string): number {
  if (!Number.isInteger(value) || (value as number) < 0)
    throw new Error(`PATH field ${field} must be a non-negative integer`);
  return value as number;
}

function fail(reason: string): never {
  throw new Error(reason);
}
