// SPEC as every command takes it: a .pathsum file, a model directory holding one (examples/induction), or a
// Hugging Face folder (config.json and its checkpoint, examples/hf-induction). Reads headers only, never tfjs.
import type { Architecture } from '../language/architecture.js';
import { compile, readSpecFile, resolveSpecPath, selectModel } from '../model/spec.js';
import { isHuggingfaceFolder, readHuggingfaceFolder } from './huggingface-folder.js';

export interface SpecSource {
  /** The file the models were read from: the spec, or the folder's config.json. */
  readonly file: string;
  readonly models: Architecture[];
}

export function readSpecSource(path: string): SpecSource {
  if (isHuggingfaceFolder(path)) {
    const { file, arch } = readHuggingfaceFolder(path);
    return { file, models: [arch] };
  }
  const file = resolveSpecPath(path);
  return { file, models: compile(readSpecFile(file), file) };
}

/** The one model of SPEC, or the one named `model` when it holds several. */
export function loadSpecSource(path: string, options: { model?: string } = {}): Architecture {
  const { file, models } = readSpecSource(path);
  return selectModel(models, file, options.model);
}
