// `pathsum start` (what `npm start` runs): a first look at every bundled example spec.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { run as check } from './check.js';
import type { Io } from './io.js';

export async function run(_args: string[], io: Io): Promise<number> {
  const dir = new URL('../../examples/', import.meta.url).pathname.replace(/\/dist\/examples\/$/, '/examples/');
  const specs = readdirSync(examplesDir(dir)).filter(f => f.endsWith('.pathsum')).sort();
  return check(specs.map(f => join(examplesDir(dir), f)), io);
}

function examplesDir(dir: string): string {
  return dir.replace(/\/dist\/src\/\.\.\//, '/');
}
