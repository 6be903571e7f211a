// The installed package's root (where package.json, examples/ and docs/ ship): two levels above
// src/cli in the sources, three above dist/src/cli once compiled.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function packageRoot(): string {
  for (const up of ['../../', '../../../']) {
    const dir = fileURLToPath(new URL(up, import.meta.url));
    try {
      if (
        existsSync(`${dir}package.json`) &&
        (JSON.parse(readFileSync(`${dir}package.json`, 'utf8')) as { name?: string }).name === 'pathsum'
      )
        return dir;
    } catch {
      // not this level
    }
  }
  throw new Error('cannot find the pathsum package root');
}
