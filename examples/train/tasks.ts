// The training tasks as data generators, shared by the trainer, the accuracy tests and any tool
// that wants the same data (a truncation study, say). An Example is a token sequence and the
// positions whose logits must predict a given token, each target in a named group that accuracy
// is reported for.
import { Random } from './random.js';

export interface Target {
  /** The position whose logits predict `token`. */
  readonly position: number;
  readonly token: number;
  /** `sum` for modadd; `repeated` or `fresh` for induction. */
  readonly group: string;
}

export interface Example {
  readonly tokens: readonly number[];
  readonly targets: readonly Target[];
}

// ---- modular addition: `a b =` → (a + b) mod p at the `=` position ----

export interface ModaddConfig {
  readonly p: number;
  /** Share of the p(p+1)/2 unordered pairs {a, b} used for training; the rest is held out. */
  readonly trainFraction: number;
}

// 60% of the pairs: at 40% (50%) the best runs within a ten-minute budget stopped at 75% (90%)
// held-out accuracy, still grokking; at 60% the model generalizes within a few hundred steps.
export const modaddDefaults: ModaddConfig = { p: 59, trainFraction: 0.6 };

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
export function modaddSplit(
  seed: number,
  config: ModaddConfig = modaddDefaults,
): { train: Example[]; heldOut: Example[] } {
  const { p, trainFraction } = config;
  const pairs: [number, number][] = [];
  for (let a = 0; a < p; a++) for (let b = a; b < p; b++) pairs.push([a, b]);
  const order = Random.derive(seed, 'modadd-split').shuffled(pairs);
  const cut = Math.round(trainFraction * pairs.length);
  const bothOrders = ([a, b]: [number, number]) =>
    a === b ? [modaddExample(a, b, p)] : [modaddExample(a, b, p), modaddExample(b, a, p)];
  return { train: order.slice(0, cut).flatMap(bothOrders), heldOut: order.slice(cut).flatMap(bothOrders) };
}

// ---- induction: a prefix of distinct random tokens, then the sequence repeats with that period ----

export interface InductionConfig {
  readonly vocab: number;
  readonly context: number;
  /** The period (prefix length) is drawn uniformly from [minPeriod, maxPeriod]. */
  readonly minPeriod: number;
  readonly maxPeriod: number;
}

export const inductionDefaults: InductionConfig = { vocab: 24, context: 24, minPeriod: 6, maxPeriod: 16 };

/**
 * One sequence: tokens x_0 … x_{h-1} distinct and random, then x_t = x_{t-h}. Position t predicts
 * x_{t+1}; the target is `repeated` when x_t occurred before (t ≥ h: an induction head can copy
 * the token that followed it) and `fresh` otherwise (only the tokens not seen yet are possible).
 */
export function inductionExample(random: Random, config: InductionConfig = inductionDefaults): Example {
  const { vocab, context, minPeriod, maxPeriod } = config;
  if (maxPeriod > vocab)
    throw new Error(
      `induction: a period of ${maxPeriod} distinct tokens needs a vocabulary of at least ${maxPeriod}, found ${vocab}`,
    );
  const period = minPeriod + random.int(maxPeriod - minPeriod + 1);
  const prefix = random.shuffled([...Array(vocab).keys()]).slice(0, period);
  const tokens = Array.from({ length: context }, (_, t) => prefix[t % period]!);
  const targets = tokens
    .slice(0, -1)
    .map((_, t) => ({ position: t, token: tokens[t + 1]!, group: t >= period ? 'repeated' : 'fresh' }));
  return { tokens, targets };
}

/** `count` sequences drawn from the seed: the same seed gives the same batch. */
export function inductionBatch(seed: number, count: number, config: InductionConfig = inductionDefaults): Example[] {
  const random = Random.derive(seed, 'induction');
  return Array.from({ length: count }, () => inductionExample(random, config));
}
