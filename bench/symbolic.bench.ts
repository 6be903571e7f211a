// Issue 3's figures: expand + simplify + print 118,827 terms (2 layers × 8 heads + bilinear MLPs)
// streaming to a null sink, with peak RSS and memory growth; closed-form counts for 48 × 32.
import { countTerms, formatTotal } from '../src/model/count.js';
import { expand } from '../src/model/expand.js';
import { boundInterning, formatTerm } from '../src/model/term-formula.js';
import type { Architecture, Layer } from '../src/language/architecture.js';

const layer = (heads: number): Layer => ({
  attention: { heads, headSize: 64, bias: false },
  bilinear: { hidden: 2048, bias: false },
});
const model = (layers: number, heads: number): Architecture => ({
  name: `l${layers}h${heads}`,
  vocab: 50_000,
  context: 1024,
  width: 512,
  positional: false,
  layers: Array.from({ length: layers }, () => layer(heads)),
  unembed: { bias: false },
  renames: new Map(),
});

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

export default async function symbolic(): Promise<void> {
  const arch = model(2, 8);
  global.gc?.();
  const start = performance.now();
  let printed = 0;
  let bytes = 0;
  const heapAt: number[] = [];
  for (const term of expand(arch)) {
    bytes += formatTerm(term, arch, 'text').length + 1;
    boundInterning(); // as `pathsum expand` does between terms
    if (++printed % 20_000 === 0) heapAt.push(process.memoryUsage().heapUsed);
  }
  const seconds = (performance.now() - start) / 1000;
  console.log(
    `expand + simplify + print (text) of ${printed} terms: ` +
      `${seconds.toFixed(2)} s (target < 3 s), ${mb(bytes)} of text`,
  );
  console.log(`peak RSS ${mb(process.resourceUsage().maxRSS * 1024)} (target < 1 GB)`);
  console.log(`heap used every 20,000 terms: ${heapAt.map(mb).join(', ')}`);

  const big = model(48, 32);
  const t0 = performance.now();
  const counts = countTerms(big);
  const ordered = countTerms(big, { symmetrize: false });
  console.log(
    `closed-form counts for 48 layers × 32 heads: ${(performance.now() - t0).toFixed(1)} ms (target < 50 ms): ` +
      `${formatTotal(counts.total)} symmetrized, ${formatTotal(ordered.total)} ordered`,
  );

  // moved from test/model/count.test.ts, which keeps the values: a timed assertion fails on a loaded machine
  const deep = model(10_000, 2);
  const t1 = performance.now();
  for (const symmetrize of [true, false]) countTerms(deep, { degreeCap: 4, symmetrize });
  console.log(
    `closed-form counts per degree for 10,000 layers: ${(performance.now() - t1).toFixed(0)} ms (target < 1 s)`,
  );
}
