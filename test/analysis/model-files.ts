// Models on disk for CLI tests: a spec file and a safetensors file in a fresh temporary directory.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSafetensors } from '../../src/numeric/safetensors.js';
import type { Weights } from '../../src/numeric/weights.js';
import { memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';

export interface ModelFiles {
  readonly dir: string;
  readonly spec: string;
  readonly weights: string;
  readonly file: (name: string, text: string) => string;
}

export function writeModel(
  specText: string,
  tensors: ReadonlyMap<string, { shape: readonly number[]; data: ArrayLike<number> }>,
): ModelFiles {
  const dir = mkdtempSync(join(tmpdir(), 'pathsum-features-'));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const spec = file('model.pathsum', specText);
  const weights = join(dir, 'model.safetensors');
  writeFileSync(
    weights,
    writeSafetensors(new Map([...tensors].map(([k, t]) => [k, { shape: t.shape, data: Float32Array.from(t.data) }]))),
  );
  return { dir, spec, weights, file };
}

export function tensorsOf(weights: Weights): Map<string, { shape: number[]; data: Float32Array }> {
  return new Map([...weights].map(([k, t]) => [k, { shape: t.shape, data: t.dataSync() as Float32Array }]));
}

export async function cli(...argv: string[]) {
  const io = memoryIo();
  const code = await main(argv, io);
  return { code, out: io.out(), err: io.err() };
}
