// Closed-form term counts (docs/design.md §1): the same recurrence as `expand`, on numbers instead of
// paths. Per degree, counts are exact polynomials truncated at `degreeCap` (degree never
// decreases along a path, so truncation is exact below the cap). The numbers are `Total`s
// (total.ts): exact BigInts while they stay printable, logarithms past that.
import { UserError } from '../errors.js';
import type { Architecture } from '../language/architecture.js';
import type { Block, CountContext, Counts, ExpandOptions } from './block.js';
import { type Blocks, blocksOf } from './blocks.js';
import { add as addTotals, convolve, halve, multiply as mulTotals, type Total, ZERO } from './total.js';

export { formatTotal, type Total } from './total.js';

export interface TermCounts {
  /** Number of terms of each degree 0..degreeCap (index = degree). */
  readonly byDegree: readonly Total[];
  /** All terms of every degree (respecting maxDegree when given). */
  readonly total: Total;
  /** The highest degree any term reaches: 2^(bilinear layers), or maxDegree when lower. */
  readonly maxDegree: bigint;
}

/** A polynomial in degree, truncated at its length − 1, plus the running total. */
interface Stream {
  readonly poly: readonly Total[];
  readonly total: Total;
}

/**
 * A cap on the degree is counted degree by degree, at a cost quadratic in the cap: caps past this
 * are refused, unless they are at or above the model's highest degree, where they keep every term.
 */
export const DEGREE_CAP_LIMIT = 256;

export class DegreeCapError extends UserError {
  constructor(
    readonly cap: number,
    readonly highest: bigint,
  ) {
    super(
      `a degree cap of ${cap} is too large to count degree by degree: caps count at most ` +
        `${DEGREE_CAP_LIMIT} degrees (a cap at or above the highest degree, ${highest}, keeps every term)`,
    );
  }
}

export function countTerms(
  model: Architecture | Blocks,
  options: ExpandOptions & { degreeCap?: number } = {},
): TermCounts {
  const blocks = 'writers' in model ? model : blocksOf(model);
  const displayed = options.degreeCap ?? 8;
  if (options.maxDegree === undefined) return counted(walk(blocks, options, displayed), displayed, undefined);
  // the highest degree comes from a walk that keeps degree 0 only: cheap at any depth
  const highest = walk(blocks, options, 0).top;
  if (BigInt(options.maxDegree) >= highest) {
    const { maxDegree: _none, ...unbounded } = options;
    return counted(walk(blocks, unbounded, displayed), displayed, undefined);
  }
  if (options.maxDegree > DEGREE_CAP_LIMIT) throw new DegreeCapError(options.maxDegree, highest);
  return counted(walk(blocks, options, options.maxDegree), options.maxDegree, options.maxDegree);
}

/**
 * The counts after every block, or only after the blocks before `until`, per degree up to `cap`, and the
 * highest degree a term reaches.
 */
function walk(blocks: Blocks, options: ExpandOptions, cap: number, until?: Block): { stream: Stream; top: bigint } {
  const symmetrize = options.symmetrize ?? true;
  const context: CountContext = {
    options,
    // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, every constant of degree 1 counts 1
    constant: (degree, c) => counts(monomial(cap, degree, BigInt(c)), BigInt(c) > 0n ? BigInt(degree) : 0n),
    add: (...all) => counts(add(...all.map(streamOf)), largest(all.map(topDegreeOf))),
    times: (c, k) => counts(scale(streamOf(c), BigInt(k)), topDegreeOf(c)),
    pairs: c => counts(symmetrize ? unorderedPairs(streamOf(c)) : orderedPairs(streamOf(c)), 2n * topDegreeOf(c)),
  };
  let residual = context.constant(0, 0);
  for (const block of [...blocks.writers, blocks.readout]) {
    if (block === until) break;
    residual = block.count(residual, context);
  }
  return { stream: streamOf(residual), top: topDegreeOf(residual) };
}

/**
 * The score terms of an attention block (model/scores.ts): every ordered pair of the terms entering it, with
 * `constants` more of degree 0 on each side (its norm's bias, its own b_Q or b_K), within the degree bound.
 */
export function countPairsEntering(
  blocks: Blocks,
  block: Block,
  constants: number,
  options: ExpandOptions = {},
): Total {
  const sides = (o: ExpandOptions, cap: number) =>
    add(walk(blocks, o, cap, block).stream, monomial(cap, 0, BigInt(constants)));
  const { maxDegree, ...unbounded } = options;
  const everyPair = () => {
    const { total } = sides(unbounded, 0);
    return mulTotals(total, total);
  };
  if (maxDegree === undefined) return everyPair();
  const highest = 2n * walk(blocks, options, 0, block).top;
  if (BigInt(maxDegree) >= highest) return everyPair();
  if (maxDegree > DEGREE_CAP_LIMIT) throw new DegreeCapError(maxDegree, highest);
  return orderedPairs(sides(options, maxDegree)).poly.reduce(addTotals, ZERO);
}

/** Per degree up to `cap`; with a degree bound, the total of the degrees kept. */
function counted({ stream, top }: { stream: Stream; top: bigint }, cap: number, bound: number | undefined) {
  // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, a bound at or above top is top
  const maxDegree = bound !== undefined && BigInt(bound) < top ? BigInt(bound) : top;
  const total = bound !== undefined ? stream.poly.reduce(addTotals, ZERO) : stream.total;
  return { byDegree: stream.poly.slice(0, Math.min(cap, Number(maxDegree)) + 1), total, maxDegree };
}

/** The walk's counts: a stream of totals per degree, and the highest degree a path reaches. */
interface WalkCounts extends Counts {
  readonly stream: Stream;
  readonly topDegree: bigint;
}

// Stryker disable next-line EqualityOperator: a >= b picks the same maximum
const largest = (degrees: readonly bigint[]): bigint => degrees.reduce((a, b) => (a > b ? a : b));
const counts = (stream: Stream, topDegree: bigint): WalkCounts => ({ kind: 'counts', stream, topDegree });
const streamOf = (c: Counts): Stream => (c as WalkCounts).stream;
const topDegreeOf = (c: Counts): bigint => (c as WalkCounts).topDegree;

function monomial(cap: number, degree: number, c: bigint): Stream {
  const poly = Array.from({ length: cap + 1 }, (_, k): Total => (k === degree ? { exact: c } : ZERO));
  // the total counts every degree: only the polynomial stops at the cap (a bounded walk sums the polynomial)
  return { poly, total: { exact: c } };
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
