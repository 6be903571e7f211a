// A spec's text or file → its checked models. The language checks a spec's structure; the renames
// it declares are checked here, against the tensors the model's blocks read.
import type { Architecture } from '../language/architecture.js';
import { compileWith, readSpecFile, resolveSpecPath, selectModel } from '../language/index.js';
import { requiredWeights } from './weights.js';

export { parse, print, readSpecFile, resolveSpecPath, SpecError, selectModel } from '../language/index.js';

const weightKeys = (arch: Architecture): ReadonlyMap<string, readonly number[]> =>
  new Map(requiredWeights(arch).map(w => [w.key, w.shape]));

/** Parses and checks a spec's text into its models. Throws SpecError. */
export function compile(text: string, file = '<spec>'): Architecture[] {
  return compileWith(weightKeys, text, file);
}

/** The one model of a spec file (or model directory), or the one named `model` when it holds several. */
export function loadSpec(path: string, options: { model?: string } = {}): Architecture {
  const file = resolveSpecPath(path);
  return selectModel(compile(readSpecFile(file), file), file, options.model);
}
