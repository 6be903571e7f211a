// `npm run bench`: runs every `*.bench.js` beside this file (or those named on the command line)
// and prints their figures. Speed and memory targets live here, never in timed tests, and so do the
// exhaustive sweeps the test suite only samples (soundness, sum-of-terms), which throw on a violation.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter(f => f.endsWith('.bench.js'))
  .filter(f => wanted.length === 0 || wanted.some(w => f.startsWith(w)))
  .sort();
for (const file of files) {
  console.log(`\n== ${file.replace(/\.bench\.js$/, '')}`);
  const bench = (await import(pathToFileURL(join(here, file)).href)) as { default: () => Promise<void> | void };
  await bench.default();
}
