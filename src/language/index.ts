// The spec stage's entry points: text → AST → Architecture, and files → Architecture.
import { readFileSync } from 'node:fs';
import { UserError } from '../errors.js';
import type { Architecture } from './architecture.js';
import type { SpecAst } from './ast.js';
import { check } from './check.js';
import { failer, parse } from './parse.js';

export { parse } from './parse.js';
export { print } from './print.js';
export { SpecError } from './error.js';
export type { SpecAst } from './ast.js';

/** Parses and checks a spec's text into its models. Throws SpecError. */
export function compile(text: string, file = '<spec>'): Architecture[] {
  const ast: SpecAst = parse(text, file);
  return check(ast, failer(text, file));
}

export function readSpecFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(
      `${path}: cannot read the spec (${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : String(code)})`,
    );
  }
}

/** The one model of a spec file, or the one named `model` when the file holds several. */
export function loadSpec(path: string, options: { model?: string } = {}): Architecture {
  return selectModel(compile(readSpecFile(path), path), path, options.model);
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
    throw new UserError(
      `${file} defines ${models.length} models (${models.map(m => m.name).join(', ')}): choose one with --model NAME`,
    );
  return models[0]!;
}
