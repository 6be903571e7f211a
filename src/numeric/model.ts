// A model to compute with: its checked spec and its weights. SPEC may be a .pathsum file or a
// directory holding one spec and model.safetensors (how the shipped models are laid out); without
// a weights file the weights are random, drawn from a seed, so every command works on any spec.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { type Architecture, parameterCount } from '../language/architecture.js';
import { loadSpec } from '../language/index.js';
import { loadWeights, randomWeights, type Weights } from './weights.js';

export interface Model {
  readonly arch: Architecture;
  readonly weights: Weights;
  /** Where the weights came from: a file, or `random weights (seed S)`. */
  readonly source: string;
  /** The weights were drawn at random (no weights file). */
  readonly random: boolean;
  readonly warnings: readonly string[];
}

export interface ModelOptions {
  readonly model?: string;
  readonly weights?: string;
  /** Seed of the random weights when there is no weights file. */
  readonly seed?: number;
  /** The command that needs real weights: no random ones, a one-line error instead. */
  readonly requireWeights?: string;
}

/** Random weights are for specs of research size; a spec like examples/big.pathsum would need gigabytes. */
const RANDOM_PARAMETER_LIMIT = 50_000_000n;

export function loadModel(specPath: string, options: ModelOptions = {}): Model {
  const { spec, weights } = resolvePaths(specPath, options.weights);
  const arch = loadSpec(spec, { model: options.model });
  if (weights) {
    const loaded = loadWeights(arch, weights);
    return { arch, weights: loaded.weights, source: weights, random: false, warnings: loaded.warnings };
  }
  if (options.requireWeights)
    throw new UserError(
      `${options.requireWeights}: --weights FILE is required (or give a model directory holding model.safetensors)`,
    );
  const count = parameterCount(arch);
  if (count > RANDOM_PARAMETER_LIMIT) {
    throw new UserError(
      `${spec}: model '${arch.name}' has ${count.toLocaleString('en-US')} parameters, too many to draw random weights for (limit ${RANDOM_PARAMETER_LIMIT.toLocaleString('en-US')}); pass --weights FILE`,
    );
  }
  const seed = options.seed ?? 0;
  return {
    arch,
    weights: randomWeights(arch, seed),
    source: `random weights (seed ${seed})`,
    random: true,
    warnings: [],
  };
}

/** A directory stands for its one .pathsum spec and its model.safetensors. */
function resolvePaths(
  specPath: string,
  weightsFlag: string | undefined,
): { spec: string; weights: string | undefined } {
  if (!isDirectory(specPath)) return { spec: specPath, weights: weightsFlag };
  const specs = readdirSync(specPath).filter(f => f.endsWith('.pathsum'));
  if (specs.length !== 1)
    throw new UserError(`${specPath}: a model directory must hold exactly one .pathsum spec, found ${specs.length}`);
  return { spec: join(specPath, specs[0]!), weights: weightsFlag ?? join(specPath, 'model.safetensors') };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
