// `--inputs FILE` or `--task NAME [--count N] [--seed S]`: the token sequences that features (to score
// truncations) and eval (to average contributions) run over.
import { type Batch, checkBatch, readInputsFile } from '../analysis/inputs.js';
import { tasks } from '../analysis/tasks.js';
import { UserError } from '../errors.js';
import type { Architecture } from '../language/architecture.js';
import { integerFlag, seedFlag } from './args.js';
import { regularFile } from './text-file.js';

export const batchFlags = {
  inputs: { type: 'string' },
  task: { type: 'string' },
  count: { type: 'string' },
} as const;

export interface BatchValues {
  inputs?: string;
  task?: string;
  count?: string;
  seed?: string;
}

export interface Sequences {
  readonly batch: Batch;
  /** Where they came from, for the report: the file, or `task NAME, seed S`. */
  readonly source: string;
}

/** The sequences asked for, or undefined when neither flag is given. */
export function batchFlag(command: string, values: BatchValues, arch: Architecture): Sequences | undefined {
  if (values.inputs !== undefined && values.task !== undefined)
    throw new UserError(`${command}: give --inputs FILE or --task NAME, not both`);
  if (values.task === undefined && values.count !== undefined)
    throw new UserError(`${command}: --count N chooses how many sequences --task NAME makes; give --task`);
  if (values.inputs !== undefined)
    return { batch: readInputsFile(regularFile(values.inputs, 'the inputs'), arch), source: values.inputs };
  if (values.task === undefined) return undefined;
  const task = Object.hasOwn(tasks, values.task) ? tasks[values.task] : undefined;
  if (!task)
    throw new UserError(`${command}: no task named '${values.task}' (registered: ${Object.keys(tasks).join(', ')})`);
  const seed = seedFlag(command, values.seed) ?? 0;
  const count = integerFlag(command, 'count', values.count, 1);
  const batch = checkBatch(task.batch(arch, seed, count), arch, `task ${values.task}`);
  return { batch, source: `task ${values.task}, seed ${seed}` };
}

/** The --task lines of a command's help: one per registered task. */
export const taskHelp = (indent: string) =>
  Object.entries(tasks)
    .map(
      ([name, t]) => `${indent}${name.padEnd(10)} ${t.about}${t.defaultCount ? ` (${t.defaultCount} by default)` : ''}`,
    )
    .join('\n');
