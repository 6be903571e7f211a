// Modular addition as data: `a b =` → (a + b) mod p at the `=` position, the task examples/modadd
// was trained on (its card names the split's seed and train fraction).
import type { Example } from './inputs.js';
import { Random } from './random.js';

export interface ModaddConfig {
  readonly p: number;
  /** Share of the p(p+1)/2 unordered pairs {a, b} used for training; the rest is held out. */
  readonly trainFraction: number;
}

/** The `=` token is the last one in a vocabulary of p + 1. */
export const equalsToken = (p: number) => p;

export function modaddExample(a: number, b: number, p: number): Example {
  return { tokens: [a, b, equalsToken(p)], targets: [{ position: 2, token: (a + b) % p, group: 'sum' }] };
}

/**
 * Unordered pairs {a, b} are shuffled by the seed and split into train and held-out, each pair
 * contributing both orders (a b = and b a =). Splitting ordered pairs would leak: a model that
 * cannot tell the two positions apart (this task needs no positional embedding) answers (b, a)
 * as it answers (a, b), so a third of the held-out set would be memorized, not generalized.
 */
export function modaddSplit(seed: number, config: ModaddConfig): { train: Example[]; heldOut: Example[] } {
  const { p, trainFraction } = config;
  const pairs: [number, number][] = [];
  for (let a = 0; a < p; a++) for (let b = a; b < p; b++) pairs.push([a, b]);
  const order = Random.derive(seed, 'modadd-split').shuffled(pairs);
  const cut = Math.round(trainFraction * pairs.length);
  const bothOrders = ([a, b]: [number, number]) =>
    a === b ? [modaddExample(a, b, p)] : [modaddExample(a, b, p), modaddExample(b, a, p)];
  return { train: order.slice(0, cut).flatMap(bothOrders), heldOut: order.slice(cut).flatMap(bothOrders) };
}

/** All p² ordered pairs, in an order shuffled by the seed (so a prefix of them is a fair sample). */
export function modaddPairs(seed: number, p: number): Example[] {
  const all: Example[] = [];
  for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) all.push(modaddExample(a, b, p));
  return Random.derive(seed, 'modadd-pairs').shuffled(all);
}
