// The tensors a model reads, gathered from its blocks (docs/design.md §3: keys and shapes).
import type { Architecture } from '../language/architecture.js';
import type { WeightSpec } from './block.js';
import { type Blocks, blocksOf } from './blocks.js';

export type { WeightSpec } from './block.js';

/** Every tensor a model of this architecture needs, with its shape, in the order the blocks come. */
export function requiredWeights(model: Architecture | Blocks): WeightSpec[] {
  const { writers, readout } = 'writers' in model ? model : blocksOf(model);
  return [...writers, readout].flatMap(b => b.weights);
}

export function parameterCount(model: Architecture | Blocks): bigint {
  return requiredWeights(model).reduce((sum, w) => sum + w.shape.reduce((p, s) => p * BigInt(s), 1n), 0n);
}
