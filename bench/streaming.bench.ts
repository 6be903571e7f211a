// Issue 11's figures for `expand` of a model of 2.5·10¹² terms (4 layers of 2 heads and bilinear MLPs):
// how soon `pathsum expand | head -n 3` exits, and the heap while 60,000 terms stream, sampled every 10,000
// (flat: the interning tables are emptied every INTERNED_BOUND entries). test/cli/bounded-memory.test.ts
// asserts the behaviour; the times and sizes are here.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { countTerms, formatTotal } from '../src/model/count.js';
import { expand } from '../src/model/expand.js';
import { loadSpec } from '../src/model/spec.js';
import { boundInterning, formatTerm, INTERNED_BOUND } from '../src/model/term-formula.js';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '../src/cli/bin.js');
const SPEC = `model deep {
  vocab 64; context 16; width 32
  embed
  layers 4 {
    attention heads 2 size 8
    bilinear hidden 32
  }
  unembed
}
`;
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

function headExit(spec: string): Promise<{ seconds: number; lines: number }> {
  const start = performance.now();
  const child = spawn('bash', ['-c', 'node "$1" expand "$2" | head -n 3', 'bench', BIN, spec]);
  let out = '';
  child.stdout.on('data', chunk => (out += chunk));
  return new Promise(done =>
    child.on('close', () => done({ seconds: (performance.now() - start) / 1000, lines: out.split('\n').length - 1 })),
  );
}

export default async function streaming(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pathsum-bench-streaming-'));
  try {
    const spec = join(dir, 'deep.pathsum');
    writeFileSync(spec, SPEC);
    const arch = loadSpec(spec);
    const { seconds, lines } = await headExit(spec);
    console.log(
      `expand | head -n 3 on ${formatTotal(countTerms(arch).total)} terms: exits after ${seconds.toFixed(2)} s ` +
        `(node start included), ${lines} lines`,
    );
    const heap: number[] = [];
    let printed = 0;
    const start = performance.now();
    for (const term of expand(arch)) {
      formatTerm(term, arch, 'text');
      boundInterning();
      if (++printed % 10_000 === 0) {
        global.gc?.(); // with --expose-gc, the heap that is live rather than not yet collected
        heap.push(process.memoryUsage().heapUsed);
      }
      if (printed === 60_000) break;
    }
    const perSecond = printed / ((performance.now() - start) / 1000);
    const rss = mb(process.resourceUsage().maxRSS * 1024);
    console.log(
      `expand of its first ${printed} terms (${perSecond.toFixed(0)} terms/s), interning bound ${INTERNED_BOUND}: ` +
        `heap used every 10,000 terms ${heap.map(mb).join(', ')}; peak RSS ${rss}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
