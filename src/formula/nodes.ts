// The expression IR of formulas (docs/design.md §1 normal form `c · (K ⊗ T)`): one discriminated union,
// built only through the constructors below, which intern every node — equal subterms are one
// object, equality is `===`, and memo tables are `Map<Expr, …>`. Products are kept flat.
import { type Rational, rational } from '../rational.js';

/** Where a frozen norm sits: before attention (ln1), before the MLP (ln2) or before W_U (final). */
export type NormSite = 'ln1' | 'ln2' | 'final';

/** Feature-side symbols: the weights in column convention (docs/design.md §1), norm gains and centering. */
export type WeightName = 'W_E' | 'W_pos' | 'W_U' | 'W_Q' | 'W_K' | 'W_V' | 'W_O' | 'W_OV' | 'W_QK' | 'G' | 'C';

/** Bias vectors, by role: b_O^l (with the folded value biases), b_out^l, a LayerNorm bias, b_U, the homogeneous 1. */
export type VectorName = 'b_O' | 'b_out' | 'b_ln' | 'b_U' | 'one';

export type Expr =
  // position kernels: n × n^k
  | { readonly kind: 'id' }
  | { readonly kind: 'ones' }
  | { readonly kind: 'pattern'; readonly layer: number; readonly head: number }
  | { readonly kind: 'scale'; readonly site: NormSite; readonly layer: number | null }
  | { readonly kind: 'kprod'; readonly factors: readonly Expr[] }
  | { readonly kind: 'face'; readonly left: Expr; readonly right: Expr }
  // feature tensors: d × V^k, and maps between feature spaces
  | {
      readonly kind: 'weight';
      readonly name: WeightName;
      readonly layer: number | null;
      readonly head: number | null;
      readonly site: NormSite | null;
    }
  | {
      readonly kind: 'vector';
      readonly name: VectorName;
      readonly layer: number | null;
      readonly site: NormSite | null;
    }
  | { readonly kind: 'transpose'; readonly of: Expr }
  | { readonly kind: 'fprod'; readonly factors: readonly Expr[] }
  | {
      readonly kind: 'bilinear';
      readonly layer: number;
      readonly symmetrized: boolean;
      readonly left: Expr;
      readonly right: Expr;
    }
  // terms and their composition
  | { readonly kind: 'kron'; readonly kernel: Expr; readonly feature: Expr }
  | { readonly kind: 'apply'; readonly op: Expr; readonly arg: Expr }
  | {
      readonly kind: 'pair';
      readonly layer: number;
      readonly symmetrized: boolean;
      readonly left: Expr;
      readonly right: Expr;
    }
  | { readonly kind: 'term'; readonly coefficient: Rational; readonly body: Expr }
  | { readonly kind: 'sum'; readonly terms: readonly Expr[] };

export type Kind = Expr['kind'];

const table = new Map<string, Expr>();
const ids = new Map<Expr, number>();

function intern<E extends Expr>(key: string, make: () => E): E {
  const existing = table.get(key);
  if (existing) return existing as E;
  const node: E = Object.freeze(make());
  table.set(key, node as Expr);
  ids.set(node as Expr, ids.size);
  return node;
}

export const exprId = (e: Expr): number => ids.get(e)!;

// Composite nodes are interned in a trie of maps keyed by their children (object identity):
// string keys were the largest cost of a 100,000-term expansion (bench/symbolic.bench.ts).
type Trie = Map<unknown, Trie | Expr>;

function internBy<E extends Expr>(root: Trie, keys: readonly unknown[], make: () => E): E {
  let level = root;
  for (let i = 0; i < keys.length - 1; i++) {
    let next = level.get(keys[i]) as Trie | undefined;
    if (!next) level.set(keys[i], (next = new Map()));
    level = next;
  }
  const last = keys[keys.length - 1];
  const node = level.get(last) as E | undefined;
  if (!node) {
    const made: E = Object.freeze(make());
    level.set(last, made);
    ids.set(made, ids.size);
    return made;
  }
  return node;
}

const tries = {
  kprod: new Map() as Trie,
  fprod: new Map() as Trie,
  face: new Map() as Trie,
  bilinear: new Map() as Trie,
  kron: new Map() as Trie,
  apply: new Map() as Trie,
  pair: new Map() as Trie,
  term: new Map() as Trie,
  sum: new Map() as Trie,
  transpose: new Map() as Trie,
};

export const id = () => intern('id', () => ({ kind: 'id' as const }));
export const ones = () => intern('ones', () => ({ kind: 'ones' as const }));
export const pattern = (layer: number, head: number) =>
  intern(`A${layer}.${head}`, () => ({ kind: 'pattern' as const, layer, head }));
export const scale = (site: NormSite, layer: number | null) =>
  intern(`D${site}${layer}`, () => ({ kind: 'scale' as const, site, layer }));

/** Kernel product, flattened; a product of one factor is that factor. */
export function kprod(factors: readonly Expr[]): Expr {
  const flat = factors.flatMap(f => (f.kind === 'kprod' ? f.factors : [f]));
  if (flat.length === 1) return flat[0]!;
  if (flat.length === 0) return id();
  return internBy(tries.kprod, [flat.length, ...flat], () => ({ kind: 'kprod' as const, factors: flat }));
}

export const face = (left: Expr, right: Expr) =>
  internBy(tries.face, [left, right], () => ({ kind: 'face' as const, left, right }));

export function weight(
  name: WeightName,
  layer: number | null = null,
  head: number | null = null,
  site: NormSite | null = null,
): Expr {
  return intern(`W${name}:${layer}:${head}:${site}`, () => ({ kind: 'weight' as const, name, layer, head, site }));
}

export function vector(name: VectorName, layer: number | null = null, site: NormSite | null = null): Expr {
  return intern(`b${name}:${layer}:${site}`, () => ({ kind: 'vector' as const, name, layer, site }));
}

export const transpose = (of: Expr) => internBy(tries.transpose, [of], () => ({ kind: 'transpose' as const, of }));

/** Feature product (a chain of maps ending in an input tensor), flattened. */
export function fprod(factors: readonly Expr[]): Expr {
  const flat = factors.flatMap(f => (f.kind === 'fprod' ? f.factors : [f]));
  if (flat.length === 1) return flat[0]!;
  return internBy(tries.fprod, [flat.length, ...flat], () => ({ kind: 'fprod' as const, factors: flat }));
}

export function bilinearOf(layer: number, symmetrized: boolean, left: Expr, right: Expr): Expr {
  return internBy(tries.bilinear, [layer, symmetrized, left, right], () => ({
    kind: 'bilinear' as const,
    layer,
    symmetrized,
    left,
    right,
  }));
}

export const kron = (kernel: Expr, feature: Expr) =>
  internBy(tries.kron, [kernel, feature], () => ({ kind: 'kron' as const, kernel, feature }));
export const apply = (op: Expr, arg: Expr) =>
  internBy(tries.apply, [op, arg], () => ({ kind: 'apply' as const, op, arg }));

export function pair(layer: number, symmetrized: boolean, left: Expr, right: Expr): Expr {
  return internBy(tries.pair, [layer, symmetrized, left, right], () => ({
    kind: 'pair' as const,
    layer,
    symmetrized,
    left,
    right,
  }));
}

export const ONE: Rational = rational(1);

/** `c · body`; a term of a term multiplies the coefficients. */
export function term(coefficient: Rational, body: Expr): Expr {
  if (body.kind === 'term') return term(coefficient.mul(body.coefficient), body.body);
  return internBy(tries.term, [body, `${coefficient.s * coefficient.n}/${coefficient.d}`], () => ({
    kind: 'term' as const,
    coefficient,
    body,
  }));
}

/** A sum of terms, flattened; a sum of one term is that term. */
export function sum(terms: readonly Expr[]): Expr {
  const flat = terms.flatMap(t => (t.kind === 'sum' ? t.terms : [t]));
  if (flat.length === 1) return flat[0]!;
  return internBy(tries.sum, [flat.length, ...flat], () => ({ kind: 'sum' as const, terms: flat }));
}

/** A term's coefficient and body; a bare body has coefficient 1. */
export function splitTerm(e: Expr): { coefficient: Rational; body: Expr } {
  return e.kind === 'term' ? { coefficient: e.coefficient, body: e.body } : { coefficient: ONE, body: e };
}
