// The expression IR of formulas (docs/design.md §1 normal form `c · (K ⊗ T)`): one discriminated union,
// built only through the constructors below, which intern every node — equal subterms are one
// object, equality is `===`, and memo tables are `Map<Expr, …>`. Products are kept flat.
import { type Rational, rational } from '../rational.js';

/** Where a frozen norm sits: before attention (ln1), before the MLP (ln2) or before W_U (final). */
export type NormSite = 'ln1' | 'ln2' | 'final';

/**
 * Feature-side symbols: the weights in column convention (docs/design.md §1), norm gains and centering, and
 * the identity I that a norm without a gain has in its gain's place.
 */
export type WeightName = 'W_E' | 'W_pos' | 'W_U' | 'W_Q' | 'W_K' | 'W_V' | 'W_O' | 'W_OV' | 'W_QK' | 'G' | 'C' | 'I';

/** Bias vectors, by role: b_O^l (with the folded value biases), b_out^l, a LayerNorm bias, b_U, the homogeneous 1. */
export type VectorName = 'b_O' | 'b_out' | 'b_ln' | 'b_U' | 'one';

/** Symbols that occur only in score formulas (docs/design.md §1, score terms). */
export type QKSymbolName = 'b_Q' | 'b_K' | 'R';

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
  /** Score-side symbols of head l.h: the query and key biases (d_head × 1) and the rotary rotation R_{j−i}. */
  | { readonly kind: 'qkSymbol'; readonly name: QKSymbolName; readonly layer: number; readonly head: number }
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
  | { readonly kind: 'sum'; readonly terms: readonly Expr[] }
  // attention scores (docs/design.md §1, score terms): n × n over (query position i, key position j)
  | {
      readonly kind: 'score';
      readonly head: HeadScore;
      /** A term read by W_Q (n × d), or the query bias 1 ⊗ b_Q (n × d_head). */
      readonly query: Expr;
      /** The map between them: W_Qᵀ W_K, W_Qᵀ R W_K with rotary, or what remains of it beside a bias. */
      readonly middle: Expr | null;
      readonly key: Expr;
    }
  | {
      readonly kind: 'qkron';
      readonly head: HeadScore;
      readonly query: Expr;
      readonly key: Expr;
      readonly feature: Expr;
    };

/**
 * The head whose scores a score node holds: its size (the scores are divided by √d_head) and, with rotary
 * attention, the rotation base: the factor `R^{l.h}` of a score formula is then `R_{j−i}`, the rotation by
 * the offset between key position j and query position i.
 */
export interface HeadScore {
  readonly layer: number;
  readonly head: number;
  readonly size: number;
  readonly rotaryBase: number | null;
}

export type Kind = Expr['kind'];

// Leaves (`table`, keyed by name and indices) are a function of the model. Composite nodes are as many as
// the formulas built: `forgetInterned` empties their tries between the terms of a stream (docs/architecture.md,
// "Memory"), with every cache keyed by them (`nodeCache`); a node built before stays valid, it is only no
// longer `===` to an equal node built after.
const table = new Map<string, Expr>();
let composites = 0;

function intern<E extends Expr>(key: string, make: () => E): E {
  const existing = table.get(key);
  if (existing) return existing as E;
  const node: E = Object.freeze(make());
  table.set(key, node as Expr);
  return node;
}

// Composite nodes are interned in a trie of maps keyed by their children (object identity):
// string keys were the largest cost of a 100,000-term expansion (bench/symbolic.bench.ts).
type Trie = Map<unknown, Trie | Expr>;

function internBy<E extends Expr>(root: Trie, keys: readonly unknown[], make: () => E): E {
  let level = root;
  // Stryker disable next-line EqualityOperator,ArithmeticOperator: a deeper trie interns alike, in more memory
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
    composites++;
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
  score: new Map() as Trie,
  qkron: new Map() as Trie,
  transpose: new Map() as Trie,
};

const caches: Map<Expr, unknown>[] = [];

/** A module's memo table keyed by nodes, emptied with the tries by `forgetInterned`. */
export function nodeCache<V>(): Map<Expr, V> {
  const cache = new Map<Expr, V>();
  caches.push(cache);
  return cache;
}

/** Composite nodes built since the last `forgetInterned`: what the tries hold. */
export const internedNodes = (): number => composites;

/** Empties the tries of composite nodes and every `nodeCache`; the leaves stay. */
export function forgetInterned(): void {
  for (const trie of Object.values(tries)) trie.clear();
  for (const cache of caches) cache.clear();
  composites = 0;
}

// Stryker disable StringLiteral: a leaf's key only has to differ from the other leaves' keys
export const id = () => intern('id', () => ({ kind: 'id' as const }));
export const ones = () => intern('ones', () => ({ kind: 'ones' as const }));
// Stryker restore StringLiteral
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

export const qkSymbol = (name: QKSymbolName, layer: number, head: number): Expr =>
  intern(`qk${name}:${layer}.${head}`, () => ({ kind: 'qkSymbol' as const, name, layer, head }));

export const transpose = (of: Expr) => internBy(tries.transpose, [of], () => ({ kind: 'transpose' as const, of }));

/** Feature product (a chain of maps ending in an input tensor), flattened, identities dropped (I T = T). */
export function fprod(factors: readonly Expr[]): Expr {
  const nested = factors.flatMap(f => (f.kind === 'fprod' ? f.factors : [f]));
  const flat = nested.filter(f => !isIdentity(f));
  if (flat.length === 0) return nested[0]!;
  if (flat.length === 1) return flat[0]!;
  return internBy(tries.fprod, [flat.length, ...flat], () => ({ kind: 'fprod' as const, factors: flat }));
}

const isIdentity = (e: Expr) => e.kind === 'weight' && e.name === 'I';

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
  return internBy(tries.term, [body, coefficient.key], () => ({
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

const headScores = new Map<string, HeadScore>();

/** One object per head and shape, so that score nodes intern by identity. */
export function headScore(layer: number, head: number, size: number, rotaryBase: number | null): HeadScore {
  const key = `${layer}.${head}:${size}:${rotaryBase}`;
  let h = headScores.get(key);
  if (!h) headScores.set(key, (h = Object.freeze({ layer, head, size, rotaryBase })));
  return h;
}

/** The raw score term `(q)ᵀ M (k) / √d_head` of two side terms, before the sides are split. */
export function score(head: HeadScore, query: Expr, middle: Expr | null, key: Expr): Expr {
  return internBy(tries.score, [head, query, middle, key], () => ({
    kind: 'score' as const,
    head,
    query,
    middle,
    key,
  }));
}

/** The normal form of a score term: `K_q ⊗ K_k ⊗ T / √d_head`, T a V^a × V^b feature matrix. */
export function qkron(head: HeadScore, query: Expr, key: Expr, feature: Expr): Expr {
  return internBy(tries.qkron, [head, query, key, feature], () => ({
    kind: 'qkron' as const,
    head,
    query,
    key,
    feature,
  }));
}

/** A term's coefficient and body; a bare body has coefficient 1. */
export function splitTerm(e: Expr): { coefficient: Rational; body: Expr } {
  return e.kind === 'term' ? { coefficient: e.coefficient, body: e.body } : { coefficient: ONE, body: e };
}
