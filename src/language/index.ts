// The spec stage's entry points: text → AST → Architecture, and files → Architecture.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import type { Architecture } from './architecture.js';
import type { SpecAst } from './ast.js';
import { check, type WeightKeys } from './check.js';
import { failer, parse, withoutBom } from './parse.js';

export { parse } from './parse.js';
export { print } from './print.js';
export { SpecError } from './error.js';
export type { SpecAst } from './ast.js';
export { readSpecFile, SPEC_FILE_LIMIT } from './spec-file.js';

export type { WeightKeys } from './check.js';

/**
 * Parses and checks a spec's text into its models; renames are checked against `weightKeys`, the
 * tensors each model reads (src/model/spec.ts passes its blocks' weights). Throws SpecError.
 */
export function compileWith(weightKeys: WeightKeys, text: string, file = '<spec>'): Architecture[] {
  const ast: SpecAst = parse(text, file);
  return check(ast, failer(withoutBom(text), file), weightKeys);
}

/** A model directory (examples/modadd) stands for its one .pathsum spec; any other path for itself. */
export function resolveSpecPath(pathOrDirectory: string): string {
  let specs: string[];
  try {
    specs = readdirSync(pathOrDirectory).filter(f => f.endsWith('.pathsum'));
  } catch {
    return pathOrDirectory; // not a readable directory: readSpecFile says what it is
  }
  if (specs.length !== 1)
    throw new UserError(
      `${pathOrDirectory}: a model directory must hold exactly one .pathsum spec, found ${specs.length}`,
    );
  return join(pathOrDirectory, specs[0]!);
}

export function selectModel(models: Architecture[], file: string, name: string | undefined): Architecture {
  if (name !== undefined) {
    const found = models.find(m => m.name === name);
    if (!found)
      throw new UserError(
        `${file}: no model named '${name}' (it defines ${models.map(m => `'${m.name}'`).join(', ')})`,
      );
    return found;
  }
  if (models.length > 1)
    throw new AmbiguousModelError(
      file,
      models.map(m => m.name),
    );
  return models[0]!;
}

/** A spec file defines several models and none was named. */
export class AmbiguousModelError extends UserError {
  readonly code = 'ambiguous-model';
  constructor(
    readonly file: string,
    readonly models: readonly string[],
  ) {
    super(`${file} defines ${models.length} models (${models.join(', ')}): name the one to use`);
  }
}
