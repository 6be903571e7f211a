// Induction as data: a prefix of distinct random tokens, then the sequence repeats with that
// period; the task examples/induction was trained on (its card names the seeds and periods).
import { UserError } from '../errors.js';
import type { Example } from './inputs.js';
import { Random } from './random.js';

export interface InductionConfig {
  readonly vocab: number;
  readonly context: number;
  /** The period (prefix length) is drawn uniformly from [minPeriod, maxPeriod]. */
  readonly minPeriod: number;
  readonly maxPeriod: number;
}

/**
 * One sequence: tokens x_0 … x_{h-1} distinct and random, then x_t = x_{t-h}. Position t predicts
 * x_{t+1}; the target is `repeated` when x_t occurred before (t ≥ h: an induction head can copy
 * the token that followed it) and `fresh` otherwise (only the tokens not seen yet are possible).
 */
export function inductionExample(random: Random, config: InductionConfig): Example {
  const { vocab, context, minPeriod, maxPeriod } = config;
  if (maxPeriod > vocab)
    throw new UserError(
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
export function inductionBatch(seed: number, count: number, config: InductionConfig): Example[] {
  const random = Random.derive(seed, 'induction');
  return Array.from({ length: count }, () => inductionExample(random, config));
}
