// A model's weights as tfjs tensors keyed by their DEFAULT names (docs/design.md §3), renames resolved:
// loaded from safetensors (a file, or a directory holding model.safetensors) and checked against
// the spec, or drawn at random from a seed.
import { type Stats, statSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { type Architecture, weightKey, weightLayout } from '../language/architecture.js';
import { requiredWeights } from '../model/weights.js';
import { type LaidOut, type ReadRaw, readLaidOut } from './layout.js';
import { readSafetensorsFile, shown, WeightsError } from './safetensors.js';

export type Weights = ReadonlyMap<string, tf.Tensor>;

export interface LoadedWeights {
  readonly weights: Weights;
  /** One line per tensor in the file that the spec does not use (when they are allowed). */
  readonly warnings: readonly string[];
}

export interface LoadOptions {
  /** Tensors the spec does not use are ignored with a warning each, instead of refusing the file. */
  readonly allowExtra?: boolean;
}

/** `path` is a .safetensors file or a directory with model.safetensors. */
export function resolveWeightsFile(path: string): string {
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch {
    throw new WeightsError(`${path}: no such file or directory`);
  }
  return stats.isDirectory() ? join(path, 'model.safetensors') : path;
}

export function loadWeights(arch: Architecture, path: string, options: LoadOptions = {}): LoadedWeights {
  const file = resolveWeightsFile(path);
  const { tensors } = readSafetensorsFile(file);
  return weightsFrom(arch, name => tensors.get(name), [...tensors.keys()], file, options);
}

/**
 * A model's weights from any tensor source: each tensor read under its renamed name through its layout
 * (numeric/layout.ts), so that every consumer sees TransformerLens-shaped tensors under default keys.
 * `names` are all the source's tensors (for the check of unused ones); `file` is what messages name.
 */
export function weightsFrom(
  arch: Architecture,
  read: ReadRaw,
  names: readonly string[],
  file: string,
  options: LoadOptions = {},
): LoadedWeights {
  const checked = new Map<string, LaidOut>();
  const used = new Set<string>();
  for (const spec of requiredWeights(arch)) {
    const key = weightKey(arch, spec.key);
    checked.set(spec.key, readLaidOut(read, key, weightLayout(arch, spec.key), spec, file));
    used.add(key);
  }
  const extra = names.filter(k => !used.has(k));
  const unused = (k: string) => `${file}: tensor ${shown(k)} is not used by model '${arch.name}'`;
  // a tensor the spec does not name is most often a misspelt or unrenamed key, so it is refused unless allowed
  if (extra.length && !options.allowExtra) throw new UnusedTensorError(unused(extra[0]!), extra);
  // tensors are made only once every check has passed, so a rejected file leaks none
  const weights = new Map([...checked].map(([key, t]) => [key, tf.tensor(t.data, [...t.shape])]));
  return { weights, warnings: extra.map(unused) };
}

/** Tensors of the file that the spec does not use, refused (LoadOptions.allowExtra ignores them instead). */
export class UnusedTensorError extends WeightsError {
  readonly code = 'unused-tensor';
  /** The first tensor named, the count of the others, without the way out. */
  readonly statement: string;
  constructor(
    first: string,
    readonly tensors: readonly string[],
  ) {
    const more = tensors.length > 1 ? ` (and ${tensors.length - 1} more)` : '';
    super(`${first}${more}; the allowExtra option ignores unused tensors`);
    this.statement = new WeightsError(`${first}${more}`).message; // made one line as every WeightsError
  }
}

/**
 * Deterministic random weights: N(0, 1/fan_in) maps, unit-scale embeddings, gains near 1. Drawn
 * from the project's own seeded stream, not tfjs's: tfjs reads a seed of 0 as "unseeded", and its
 * streams may differ between backends.
 */
export function randomWeights(arch: Architecture, seed: number, scale = 1): Weights {
  const normal = gaussianStream(seed);
  const weights = new Map<string, tf.Tensor>();
  for (const spec of requiredWeights(arch)) {
    const shape = [...spec.shape];
    const [mean, std] = {
      gain: [1, 0.1],
      bias: [0, 0.1 * scale],
      embedding: [0, scale],
      map: [0, scale / Math.sqrt(shape[shape.length - 2]!)],
    }[spec.init];
    const values = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => mean + std * normal());
    weights.set(spec.key, tf.tensor(values, shape));
  }
  return weights;
}

/** Standard normal draws (Box–Muller over mulberry32), reproducible from the seed alone. */
function gaussianStream(seed: number): () => number {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

export function disposeWeights(weights: Weights): void {
  for (const t of weights.values()) t.dispose();
}
