// Architecture → lazy sum of path terms (docs/design.md §1): the residual stream after each block
// is a sum of paths, each block's expansion step maps the stream before it to the stream after it.
// Enumeration is lazy: the first term comes out before the last one is built, and a bilinear block holds
// its inputs in memory only when they are few (stream.ts, docs/architecture.md "Memory").
import type { Architecture } from '../language/architecture.js';
import type { Term } from '../paths/term.js';
import type { ExpandOptions, Stream } from './block.js';
import { type Blocks, blocksOf } from './blocks.js';

export type { ExpandOptions } from './block.js';
export type { Term } from '../paths/term.js';

/** The terms whose sum is the logits, lazily. Re-iterable: each iteration walks the expansion anew. */
export function expand(model: Architecture | Blocks, options: ExpandOptions = {}): Iterable<Term> {
  const { writers, readout } = 'writers' in model ? model : blocksOf(model);
  const maxDegree = options.maxDegree ?? Infinity;
  let stream: Stream = () => [];
  for (const block of writers) stream = block.expand(stream, options);
  const final = readout.expand(stream, options);
  return { [Symbol.iterator]: () => upToDegree(final(), maxDegree)[Symbol.iterator]() };
}

function* upToDegree(terms: Iterable<Term>, maxDegree: number): Iterable<Term> {
  for (const t of terms) if (t.degree <= maxDegree) yield t;
}
