// A model's weights as tfjs tensors keyed by their DEFAULT names (docs/design.md §3), renames resolved:
// loaded from safetensors (a file, or a directory holding model.safetensors) and checked against
// the spec, or drawn at random from a seed.
import { readFileSync, type Stats, statSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { type Architecture, requiredWeights, weightKey } from '../language/architecture.js';
import { readSafetensors, WeightsError } from './safetensors.js';

export type Weights = ReadonlyMap<string, tf.Tensor>;

export interface LoadedWeights {
  readonly weights: Weights;
  /** One line per tensor in the file that the spec does not use. */
  readonly warnings: readonly string[];
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

export function loadWeights(arch: Architecture, path: string): LoadedWeights {
  const file = resolveWeightsFile(path);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new WeightsError(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'unknown error'})`);
  }
  const { tensors } = readSafetensors(bytes, file);
  const checked = new Map<string, { shape: readonly number[]; data: Float32Array }>();
  const used = new Set<string>();
  for (const spec of requiredWeights(arch)) {
    const key = weightKey(arch, spec.key);
    const raw = tensors.get(key);
    const renamed = key === spec.key ? '' : ` (renamed from ${spec.key})`;
    if (!raw)
      throw new WeightsError(
        `${file}: tensor ${key}${renamed} is missing; the spec needs it with shape [${spec.shape.join(', ')}]`,
      );
    if (raw.shape.length !== spec.shape.length || raw.shape.some((s, i) => s !== spec.shape[i])) {
      throw new WeightsError(
        `${file}: tensor ${key}${renamed} has shape [${raw.shape.join(', ')}], the spec needs [${spec.shape.join(', ')}]`,
      );
    }
    const bad = raw.data.findIndex(v => !Number.isFinite(v));
    if (bad >= 0)
      throw new WeightsError(
        `${file}: tensor ${key}${renamed} holds ${raw.data[bad]} at flat index ${bad}; weights must be finite`,
      );
    checked.set(spec.key, { shape: spec.shape, data: raw.data });
    used.add(key);
  }
  // tensors are made only once every check has passed, so a rejected file leaks none
  const weights = new Map([...checked].map(([key, t]) => [key, tf.tensor(t.data, [...t.shape])]));
  const warnings = [...tensors.keys()]
    .filter(k => !used.has(k))
    .map(k => `${file}: tensor ${k} is not used by model '${arch.name}'`);
  return { weights, warnings };
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
    const name = spec.key.split('.').pop()!;
    const [mean, std] =
      name === 'w'
        ? [1, 0.1]
        : name.startsWith('b')
          ? [0, 0.1 * scale]
          : name === 'W_E' || name === 'W_pos'
            ? [0, scale]
            : [0, scale / Math.sqrt(shape[shape.length - 2]!)];
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
