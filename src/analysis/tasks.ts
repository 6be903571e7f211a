// Tasks by name, for `--task NAME` (features, eval): each makes token sequences sized for the model
// it is given, from a seed, with the generators the shipped models were trained on, so the figures
// of examples/modadd and examples/induction can be recomputed on the same kind of data.
import { UserError } from '../errors.js';
import type { Architecture } from '../language/architecture.js';
import { type Batch, batchOfExamples } from './inputs.js';
import { type InductionConfig, inductionBatch } from './task-induction.js';
import { modaddPairs } from './task-modadd.js';

export interface Task {
  /** What the sequences are, one line. */
  readonly about: string;
  /** How many sequences when no count is asked for (undefined: all there are). */
  readonly defaultCount?: number;
  /** `count` sequences for `arch` drawn from `seed` (the same seed, the same sequences). */
  readonly batch: (arch: Architecture, seed: number, count?: number) => Batch;
}

export const tasks: Readonly<Record<string, Task>> = {
  modadd: {
    about: '`a b =` → (a + b) mod p, p = vocab − 1: all p² pairs, in an order shuffled by the seed',
    batch: (arch, seed, count) => {
      const p = arch.vocab - 1;
      const all = modaddPairs(seed, p);
      if (count !== undefined && count > all.length)
        throw new UserError(
          `task modadd: model '${arch.name}' has ${all.length} pairs a b = (p = ${p}), ` +
            `fewer than the ${count} asked for`,
        );
      return batchOfExamples(all.slice(0, count));
    },
  },
  induction: {
    about: 'distinct random tokens repeated to fill the context, cut before the last one',
    defaultCount: 100,
    batch: (arch, seed, count = 100) => batchOfExamples(inductionBatch(seed, count, inductionConfig(arch))),
  },
};

/**
 * Periods from a quarter to two thirds of the context (at most the vocabulary), so that at least a
 * third of each sequence repeats: 6 to 16 at the context of 24 that examples/induction was trained on.
 */
export function inductionConfig(arch: Architecture): InductionConfig {
  const maxPeriod = Math.max(1, Math.min(arch.vocab, Math.floor((2 * arch.context) / 3)));
  const minPeriod = Math.max(1, Math.min(maxPeriod, Math.floor(arch.context / 4)));
  return { vocab: arch.vocab, context: arch.context, minPeriod, maxPeriod };
}
