// A model to compute with: its checked spec and its weights. SPEC may be a .pathsum file or a
// directory holding one spec and model.safetensors (how the shipped models are laid out); without
// a weights file the weights are random, drawn from a seed, so every command works on any spec.
import { join } from 'node:path';
import { UserError } from '../errors.js';
import type { Architecture } from '../language/architecture.js';
import { parameterCount } from '../model/weights.js';
import { resolveSpecPath } from '../model/spec.js';
import { isHuggingfaceFolder } from './huggingface-folder.js';
import { loadSpecSource } from './spec-source.js';
import { type LoadedWeights, type LoadOptions, randomWeights, type Weights, weightsFrom } from './weights.js';
import { readCheckpoint } from './checkpoint.js';

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
  /** Tensors of the weights file that the spec does not use are ignored with a warning, not refused. */
  readonly allowExtra?: boolean;
}

/** Random weights are for specs of research size; a spec like examples/big.pathsum would need gigabytes. */
const RANDOM_PARAMETER_LIMIT = 50_000_000n;

export function loadModel(specPath: string, options: ModelOptions = {}): Model {
  const { spec, weights } = resolvePaths(specPath, options.weights);
  const arch = loadSpecSource(specPath, { model: options.model });
  if (weights) {
    const loaded = loadCheckpointWeights(arch, weights, { allowExtra: options.allowExtra });
    return { arch, weights: loaded.weights, source: weights, random: false, warnings: loaded.warnings };
  }
  if (options.requireWeights) throw new MissingWeightsError(options.requireWeights, spec);
  const count = parameterCount(arch);
  if (count > RANDOM_PARAMETER_LIMIT) throw new TooLargeForRandomWeightsError(spec, arch.name, count);
  const seed = options.seed ?? 0;
  return {
    arch,
    weights: randomWeights(arch, seed),
    source: `random weights (seed ${seed})`,
    random: true,
    warnings: [],
  };
}

/** Weights from a safetensors file, or a directory holding model.safetensors or a sharded checkpoint. */
export function loadCheckpointWeights(arch: Architecture, path: string, options: LoadOptions = {}): LoadedWeights {
  const { file, tensors } = readCheckpoint(path);
  return weightsFrom(arch, name => tensors.get(name), [...tensors.keys()], file, options);
}

/** The command needs real weights and none were given: no weights file, no model directory. */
export class MissingWeightsError extends UserError {
  readonly code = 'missing-weights';
  constructor(
    readonly command: string,
    readonly spec: string,
  ) {
    super(`${command}: a weights file is required (or a model directory holding model.safetensors)`);
  }
}

/** No weights were given and the model is too large to draw random ones for. */
export class TooLargeForRandomWeightsError extends UserError {
  readonly code = 'too-large-for-random-weights';
  /** The sentence without its remedy, which depends on how weights are given (a flag, an option). */
  readonly statement: string;
  constructor(
    readonly spec: string,
    readonly model: string,
    readonly parameters: bigint,
  ) {
    const statement =
      `${spec}: model '${model}' has ${parameters.toLocaleString('en-US')} parameters, too many to draw random ` +
      `weights for (limit ${RANDOM_PARAMETER_LIMIT.toLocaleString('en-US')})`;
    super(`${statement}; give a weights file`);
    this.statement = statement;
  }
}

/** A directory stands for its one .pathsum spec (or its config.json) and its checkpoint. */
function resolvePaths(
  specPath: string,
  weightsFlag: string | undefined,
): { spec: string; weights: string | undefined } {
  if (isHuggingfaceFolder(specPath)) return { spec: specPath, weights: weightsFlag ?? specPath };
  const spec = resolveSpecPath(specPath);
  const directory = spec !== specPath;
  return { spec, weights: weightsFlag ?? (directory ? join(specPath, 'model.safetensors') : undefined) };
}
