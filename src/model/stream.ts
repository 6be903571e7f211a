// Lazy term streams: a block's expansion step builds the stream after it from the one before it.

/** The items of `first`, then those of `more`. */
export function* append<T>(first: Iterable<T>, more: Iterable<T>): Iterable<T> {
  yield* first;
  yield* more;
}
