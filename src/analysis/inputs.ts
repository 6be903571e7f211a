// Token sequences to score a model on: each sequence's target is the next token after its last
// position. From a file (one sequence per line, comma-separated, the last number the target), or
// from a task registered in ./tasks.ts, whose generators make Examples (targets at any positions).
import { readFileSync } from 'node:fs';
import { UserError } from '../errors.js';
import { describeErrno } from '../files.js';
import type { Architecture } from '../language/architecture.js';

export interface Batch {
  /** Input sequences (lengths may differ), each at most the context long. */
  readonly tokens: readonly (readonly number[])[];
  /** targets[i]: the token that should follow tokens[i]'s last position. */
  readonly targets: readonly number[];
}

export interface Target {
  /** The position whose logits predict `token`. */
  readonly position: number;
  readonly token: number;
  /** The group accuracy is reported for: `sum` for modadd; `repeated` or `fresh` for induction. */
  readonly group: string;
}

/** A token sequence and the positions whose logits must predict a given token (a training example). */
export interface Example {
  readonly tokens: readonly number[];
  readonly targets: readonly Target[];
}

/** Each example cut after its last target's position, that target the token to follow. */
export function batchOfExamples(examples: readonly Example[]): Batch {
  const last = examples.map(e => e.targets.reduce((a, b) => (b.position > a.position ? b : a)));
  return {
    tokens: examples.map((e, i) => e.tokens.slice(0, last[i]!.position + 1)),
    targets: last.map(t => t.token),
  };
}

export function readInputsFile(path: string, arch: Architecture): Batch {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UserError(`${path}: cannot read the inputs (${describeErrno(error)})`);
  }
  return parseInputs(text, path, arch);
}

export function parseInputs(text: string, source: string, arch: Architecture): Batch {
  const tokens: number[][] = [];
  const targets: number[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '' || line.trim().startsWith('#')) return;
    const where = `${source}:${i + 1}`;
    const values = line.split(',').map(w => w.trim());
    const bad = values.findIndex(w => !/^[0-9]+$/.test(w) || Number(w) >= arch.vocab);
    if (bad >= 0) throw new UserError(`${where}: '${values[bad]}' is not a token (integers 0..${arch.vocab - 1})`);
    if (values.length < 2) throw new UserError(`${where}: a sequence needs at least one input token and its target`);
    if (values.length - 1 > arch.context)
      throw new UserError(`${where}: ${values.length - 1} input tokens exceed the context of ${arch.context}`);
    const numbers = values.map(Number);
    tokens.push(numbers.slice(0, -1));
    targets.push(numbers[numbers.length - 1]!);
  });
  if (tokens.length === 0) throw new UserError(`${source}: no token sequences`);
  return { tokens, targets };
}

export function checkBatch(batch: Batch, arch: Architecture, source: string): Batch {
  const bad = batch.tokens.findIndex(
    (s, i) =>
      s.length === 0 ||
      s.length > arch.context ||
      [...s, batch.targets[i]!].some(t => !Number.isInteger(t) || t < 0 || t >= arch.vocab),
  );
  if (bad >= 0)
    throw new UserError(
      `${source}: sequence ${bad} does not fit model '${arch.name}' ` +
        `(vocabulary ${arch.vocab}, context ${arch.context})`,
    );
  if (batch.tokens.length === 0 || batch.tokens.length !== batch.targets.length)
    throw new UserError(`${source}: the batch is empty or its targets do not match its sequences`);
  return batch;
}
