// One direction of imports (docs/architecture.md): a module imports only from its own layer or
// the layers below it, so the graph of src/ has no cycle between layers. The test reads every
// import of every module under src/.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Lowest first. A folder's modules may import from their own folder and any folder listed before it. */
const LAYERS: readonly (readonly string[])[] = [
  ['errors.ts', 'files.ts', 'rational.ts', 'linalg'],
  ['language'],
  ['paths'],
  ['formula'],
  ['simplify'],
  ['model'],
  ['numeric'],
  ['verify', 'analysis'],
  ['render'],
  ['cli', 'index.ts'],
];

const SRC = join(import.meta.dirname, '../../src');

function modules(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return modules(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The layer of a module: its top folder under src/ (or its file name at the top). */
function layerOf(module: string): number {
  const top = relative(SRC, module).split('/')[0]!;
  const topName = top === 'generated' ? generatedLayer(module) : top;
  const index = LAYERS.findIndex(layer => layer.includes(topName));
  if (index < 0) throw new Error(`${relative(SRC, module)} is in no layer: add its folder to LAYERS`);
  return index;
}

/** Generated grammars belong to the language they parse. */
function generatedLayer(module: string): string {
  return module.includes('formula') ? 'formula' : 'language';
}

function importsOf(module: string): string[] {
  const text = readFileSync(module, 'utf8');
  const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]/g)];
  const dynamic = [...text.matchAll(/import\(\s*['"](\.[^'"]+)['"]\s*\)/g)];
  return [...specifiers, ...dynamic].map(m => normalize(join(dirname(module), m[1]!.replace(/\.js$/, '.ts'))));
}

describe('the import graph of src/', () => {
  const all = modules(SRC);

  it('finds the modules and their imports', () => {
    expect(all.length).toBeGreaterThan(50);
    expect(all.flatMap(importsOf).length).toBeGreaterThan(100);
  });

  it('points downward only: no module imports from a layer above its own', () => {
    const upward = all.flatMap(module =>
      importsOf(module)
        .filter(target => layerOf(target) > layerOf(module))
        .map(target => `${relative(SRC, module)} → ${relative(SRC, target)}`),
    );
    expect(upward).toEqual([]);
  });

  it('detects an upward import (the check itself can fail)', () => {
    expect(layerOf(join(SRC, 'cli/main.ts'))).toBeGreaterThan(layerOf(join(SRC, 'model/expand.ts')));
    expect(layerOf(join(SRC, 'language/parse.ts'))).toBeLessThan(layerOf(join(SRC, 'paths/path.ts')));
  });
});
