// The CLI as a handful of files (dist/cli/): Node loads a module graph of 44 small ES modules for
// `pathsum check` in about 70 ms, a bundle in a few. Each command stays a chunk of its own, loaded
// when it runs, and tfjs stays outside, loaded only by the commands that compute.
// The chunks' names are content hashes: the folder is cleared first, or every build leaves its old chunks behind.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

const outdir = 'dist/cli';
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: ['dist/src/cli/bin.js'],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['@tensorflow/*'],
  logLevel: 'warning',
});
