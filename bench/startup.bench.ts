// Issue 9's figures: every command starts fast. Whole processes, as a user runs them: `check` on the
// shipped modadd model (spec only), and `eval` on it (loads tfjs and the weights, evaluates 54
// terms). The median of several runs, after one warm-up run that fills the file cache.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const bin = join(root, 'dist/cli/bin.js');
const modadd = join(root, 'examples/modadd');

function median(args: string[], runs = 7, script: string[] = [bin]): number {
  execFileSync(process.execPath, [...script, ...args], { stdio: 'ignore' });
  const times = Array.from({ length: runs }, () => {
    const start = performance.now();
    execFileSync(process.execPath, [...script, ...args], { stdio: 'ignore' });
    return performance.now() - start;
  }).sort((a, b) => a - b);
  return times[Math.floor(runs / 2)]!;
}

export default function startup(): void {
  console.log(`node -e 0 (Node's own start, the floor): ${median(['-e', '0'], 7, []).toFixed(0)} ms`);
  const cases: [string, string[], string][] = [
    ['check examples/modadd', ['check', modadd], '(target < 200 ms)'],
    ['expand examples/modadd --limit 1', ['expand', modadd, '--limit', '1'], '(target < 200 ms)'],
    ['eval --help', ['eval', '--help'], '(target < 200 ms)'],
    ['report --help', ['report', '--help'], '(target < 200 ms)'],
    ['eval examples/modadd --tokens 3,5 --backend wasm', ['eval', modadd, '--tokens', '3,5', '--backend', 'wasm'], ''],
    ['eval examples/modadd --tokens 3,5 --backend cpu', ['eval', modadd, '--tokens', '3,5', '--backend', 'cpu'], ''],
  ];
  for (const [name, args, target] of cases) {
    console.log(`${name}: ${median(args).toFixed(0)} ms, whole process, median of 7 ${target}`);
  }
}
