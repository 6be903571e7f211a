// Closed-form term counts (docs/design.md §1): the same recurrence as `expand`, on numbers instead of
// paths. Per degree, counts are exact polynomials truncated at `degreeCap` (degree never
// decreases along a path, so truncation is exact below the cap). Totals are exact BigInts while
// they stay printable; past `EXACT_BITS` (a few bilinear layers deep) only log10 is kept.
import type { Architecture } from '../language/architecture.js';
import type { ExpandOptions } from './expand.js';

export type Total = { readonly exact: bigint } | { readonly log10: number };

export interface TermCounts {
  /** Number of terms of each degree 0..degreeCap (index = degree). */
  readonly byDegree: readonly Total[];
  /** All terms of every degree (respecting maxDegree when given). */
  readonly total: Total;
  /** The highest degree any term reaches: 2^(bilinear layers), or maxDegree when lower. */
  readonly maxDegree: number;
}

const EXACT_BITS = 65_536;
const ZERO: Total = { exact: 0n };

/** A polynomial in degree, truncated at its length − 1, plus the running total. */
interface Stream {
  readonly poly: readonly Total[];
  readonly total: Total;
}

export function countTerms(arch: Architecture, options: ExpandOptions & { degreeCap?: number } = {}): TermCounts {
  const bounded = options.maxDegree !== undefined;
  const cap = bounded ? options.maxDegree! : (options.degreeCap ?? 8);
  const symmetrize = options.symmetrize ?? true;
  const at = (degree: number, c: number): Stream => monomial(cap, degree, BigInt(c));
  let s = add(at(0, arch.positional ? 1 : 0), at(1, 1));
  let topDegree = 1;
  arch.layers.forEach((layer, l) => {
    const attn = layer.attention;
    if (attn) {
      const heads = attn.heads - countAblated(options.ablateHeads, l, attn.heads);
      const inputs = add(s, at(0, attn.norm === 'layer' ? 1 : 0));
      s = add(s, scale(inputs, BigInt(heads)), at(0, attn.bias ? 1 : 0));
    }
    const mlp = layer.bilinear;
    if (mlp && !options.ablateBilinear?.has(l)) {
      const inputs = add(s, at(0, (mlp.norm === 'layer' ? 1 : 0) + (mlp.bias ? 1 : 0)));
      s = add(s, symmetrize ? unorderedPairs(inputs) : orderedPairs(inputs), at(0, mlp.bias ? 1 : 0));
      topDegree *= 2;
    }
  });
  s = add(s, at(0, (arch.unembed.norm === 'layer' ? 1 : 0) + (arch.unembed.bias ? 1 : 0)));
  const maxDegree = Math.min(topDegree, options.maxDegree ?? Infinity);
  const total = bounded ? s.poly.reduce(addTotals, ZERO) : s.total;
  return { byDegree: s.poly.slice(0, Math.min(cap, maxDegree) + 1), total, maxDegree };
}

function countAblated(ablated: ReadonlySet<string> | undefined, layer: number, heads: number): number {
  let n = 0;
  for (let h = 0; h < heads; h++) if (ablated?.has(`${layer}.${h}`)) n++;
  return n;
}

function monomial(cap: number, degree: number, c: bigint): Stream {
  const poly = Array.from({ length: cap + 1 }, (_, k): Total => (k === degree ? { exact: c } : ZERO));
  return { poly, total: degree <= cap ? { exact: c } : ZERO };
}

function add(...streams: Stream[]): Stream {
  const poly = streams[0]!.poly.map((_, k) => streams.map(s => s.poly[k]!).reduce(addTotals));
  return { poly, total: streams.map(s => s.total).reduce(addTotals) };
}

function scale(s: Stream, k: bigint): Stream {
  return { poly: s.poly.map(c => mulTotals(c, { exact: k })), total: mulTotals(s.total, { exact: k }) };
}

function orderedPairs(s: Stream): Stream {
  return { poly: convolve(s.poly, s.poly), total: mulTotals(s.total, s.total) };
}

// Unordered pairs with repetition: (ordered + diagonal) / 2, per degree and in total.
function unorderedPairs(s: Stream): Stream {
  const poly = convolve(s.poly, s.poly).map((c, k) => halve(addTotals(c, k % 2 === 0 ? s.poly[k / 2]! : ZERO)));
  const total = halve(addTotals(mulTotals(s.total, s.total), s.total));
  return { poly, total };
}

function convolve(a: readonly Total[], b: readonly Total[]): Total[] {
  return a.map((_, k) => {
    let c = ZERO;
    for (let i = 0; i <= k; i++) c = addTotals(c, mulTotals(a[i]!, b[k - i]!));
    return c;
  });
}

function log10Of(t: Total): number {
  if ('log10' in t) return t.log10;
  if (t.exact === 0n) return -Infinity;
  const digits = t.exact.toString(10);
  return digits.length - 1 + Math.log10(Number(`0.${digits.slice(0, 17)}`) * 10);
}

function exactOrLog(value: bigint): Total {
  return value.toString(2).length > EXACT_BITS ? { log10: log10Of({ exact: value }) } : { exact: value };
}

function addTotals(a: Total, b: Total): Total {
  if ('exact' in a && 'exact' in b) return exactOrLog(a.exact + b.exact);
  const [x, y] = [log10Of(a), log10Of(b)].sort((p, q) => q - p) as [number, number];
  return { log10: y === -Infinity ? x : x + Math.log10(1 + 10 ** (y - x)) };
}

function mulTotals(a: Total, b: Total): Total {
  if (isZero(a) || isZero(b)) return ZERO;
  if ('exact' in a && 'exact' in b) {
    const bits = a.exact.toString(2).length + b.exact.toString(2).length;
    if (bits <= EXACT_BITS) return { exact: a.exact * b.exact };
  }
  return { log10: log10Of(a) + log10Of(b) };
}

function isZero(t: Total): boolean {
  return 'exact' in t && t.exact === 0n;
}

function halve(t: Total): Total {
  return 'exact' in t ? { exact: t.exact / 2n } : { log10: t.log10 - Math.log10(2) };
}

/** `118827`, or `≈ 10^123456.7` once the count is past exact printing. */
export function formatTotal(t: Total): string {
  if ('exact' in t) return t.exact.toString();
  // a double holds ~16 digits: past 10^(10^9) the exponent itself is only known to 6 of them
  return t.log10 < 1e9 ? `≈ 10^${t.log10.toFixed(1)}` : `≈ 10^(${t.log10.toPrecision(6)})`;
}
