// Lazy term streams: a block's expansion step builds the stream after it from the one before it.

/** The items of `first`, then those of `more`. */
export function* append<T>(first: Iterable<T>, more: Iterable<T>): Iterable<T> {
  yield* first;
  yield* more;
}

/**
 * A stream's items held in memory when it has at most this many: pairing them from an array is the fast
 * way, and this many terms is a bound fixed in advance (docs/architecture.md, "Memory").
 */
export const HELD_ITEMS = 1 << 16;

/**
 * Every pair (x_i, x_j) of a re-iterable stream's items, i ≤ j when `unordered`, in the order (0,0), (0,1), …,
 * (1,1), …; `diagonal` says i = j. Re-iterable too. A stream of at most `most` items is held in an array,
 * once, and every walk of the pairs shares it; a longer one is walked again for every x_i, so memory stays
 * flat at the cost of walking past the x_j with j < i.
 */
export function pairs<T>(
  items: () => Iterable<T>,
  unordered: boolean,
  most = HELD_ITEMS,
): () => Generator<[T, T, boolean]> {
  let held: T[] | null | undefined; // null: more than `most` items
  return function* () {
    if (held === undefined) {
      const first = firstItems(items(), most + 1);
      held = first.length <= most ? first : null;
    }
    if (held) yield* heldPairs(held, unordered);
    else yield* walkedPairs(items, unordered);
  };
}

function* heldPairs<T>(held: readonly T[], unordered: boolean): Generator<[T, T, boolean]> {
  for (let i = 0; i < held.length; i++)
    for (let j = unordered ? i : 0; j < held.length; j++) yield [held[i]!, held[j]!, i === j];
}

function* walkedPairs<T>(items: () => Iterable<T>, unordered: boolean): Generator<[T, T, boolean]> {
  let i = 0;
  for (const x of items()) {
    let j = 0;
    for (const y of items()) {
      if (!unordered || j >= i) yield [x, y, i === j];
      j++;
    }
    i++;
  }
}

function firstItems<T>(items: Iterable<T>, n: number): T[] {
  const out: T[] = [];
  for (const x of items) {
    out.push(x);
    if (out.length >= n) break;
  }
  return out;
}
