// Task generators by name, for `pathsum features --task NAME`. A task registers here with one line,
// e.g. `modadd: seed => modularAdditionBatch(113, seed),` importing its generator from examples/.
import type { TaskGenerator } from './inputs.js';

export const taskGenerators: Readonly<Record<string, TaskGenerator>> = {};
