// Issue 11's figures for `pathsum trace` on the wasm backend, each model in a process of its own so that its
// peak RSS is its own: a random 6-layer, 8-head model (width 256, hidden 1024, vocab 4096) on 64 tokens
// with --budget 1000 (target < 30 s, < 2 GB), and a 12-layer one (width 512, hidden 2048, vocab 8192) on
// 128 tokens with --budget 200 (target < 60 s, < 4 GB). Also per expansion the multiply-adds done against
// the floor, one n·d dot product per child, and Σ frontier − logit.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { trace } from '../src/analysis/trace.js';
import type { Architecture, Layer } from '../src/language/architecture.js';
import { useBackend } from '../src/numeric/backend.js';
import { disposeWeights, randomWeights } from '../src/numeric/weights.js';

interface Case {
  readonly name: string;
  readonly layers: number;
  readonly width: number;
  readonly hidden: number;
  readonly vocab: number;
  readonly tokens: number;
  readonly budget: number;
  readonly target: string;
}

const cases: Case[] = [
  {
    name: '6-layer',
    layers: 6,
    width: 256,
    hidden: 1024,
    vocab: 4096,
    tokens: 64,
    budget: 1000,
    target: '< 30 s, < 2 GB',
  },
  {
    name: '12-layer',
    layers: 12,
    width: 512,
    hidden: 2048,
    vocab: 8192,
    tokens: 128,
    budget: 200,
    target: '< 60 s, < 4 GB',
  },
];

/** Pre-norm RMS blocks, as trained bilinear models have them (without norms 12 squarings overflow float32). */
function architecture(c: Case): Architecture {
  const layer: Layer = {
    attention: { heads: 8, headSize: c.width / 8, bias: false, norm: 'rms' },
    bilinear: { hidden: c.hidden, bias: false, norm: 'rms' },
  };
  return {
    name: c.name,
    vocab: c.vocab,
    context: c.tokens,
    width: c.width,
    positional: true,
    layers: Array.from({ length: c.layers }, () => layer),
    unembed: { bias: false, norm: 'rms' },
    renames: new Map(),
  };
}

async function runCase(c: Case): Promise<void> {
  await useBackend('wasm');
  const arch = architecture(c);
  let start = performance.now();
  const weights = randomWeights(arch, 1);
  const drawn = (performance.now() - start) / 1000;
  const tokens = Array.from({ length: c.tokens }, (_, i) => (i * 7919 + 13) % c.vocab);
  start = performance.now();
  const cpuBefore = process.cpuUsage();
  const t = trace({ arch, weights, source: 'random weights (seed 1)', random: true, warnings: [] }, tokens, {
    budget: c.budget,
  });
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  disposeWeights(weights);
  const sum = t.frontier.reduce((s, id) => s + t.nodes[id]!.contribution, 0);
  const { expansionMultiplyAdds: spent, minimumMultiplyAdds: floor, worstRatio } = t.work;
  const gb = process.resourceUsage().maxRSS / 1024 / 1024;
  console.log(
    `[wasm] ${c.name} (width ${c.width}, hidden ${c.hidden}, vocab ${c.vocab}, ${c.tokens} tokens), ` +
      `--budget ${c.budget}: ${seconds.toFixed(1)} s wall, ${cpuSeconds.toFixed(1)} s CPU (forward pass included; ` +
      `CPU time bounds the wall time on an idle machine; random weights drawn in ` +
      `${drawn.toFixed(1)} s besides), peak RSS ${gb.toFixed(2)} GB (target ${c.target})`,
  );
  console.log(
    `  ${t.expansions} expansions, ${t.nodes.length.toLocaleString('en-US')} nodes; Σ frontier − logit = ` +
      `${(sum - t.logit).toExponential(2)} (logit ${t.logit.toFixed(4)})`,
  );
  console.log(
    `  per expansion: multiply-adds ${Math.round(spent / t.expansions).toLocaleString('en-US')}, floor (one n·d dot ` +
      `per child) ${Math.round(floor / t.expansions).toLocaleString('en-US')}, ratio ${(spent / floor).toFixed(2)}, ` +
      `worst ${worstRatio.toFixed(2)}; whole trace ${t.work.multiplyAdds.toLocaleString('en-US')} multiply-adds`,
  );
}

const self = fileURLToPath(import.meta.url);

export default function traceBench(): void {
  for (const c of cases) execFileSync(process.execPath, [self, c.name], { stdio: 'inherit' });
}

const wanted = cases.find(c => c.name === process.argv[2]);
if (process.argv[1] === self && wanted) await runCase(wanted);
