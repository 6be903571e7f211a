// `pathsum check SPEC...`: parse and check each spec, and summarize every model in it.
import { countTerms, formatTotal, type Total } from '../model/count.js';
import { compile, readSpecFile, selectModel } from '../language/index.js';
import { type Architecture, type Layer, requiredWeights } from '../language/architecture.js';
import { parseFlags } from './args.js';
import type { Io } from './io.js';

const HELP = `usage: pathsum check SPEC... [--model NAME]

Parses and checks each spec file and prints, per model: its layers and blocks, parameter counts
per component, and the exact number of path terms per degree, symmetrized and ordered.
`;

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags<{ model?: string; help?: boolean }>('check', args, {
    model: { type: 'string' },
  });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  if (positionals.length === 0) {
    io.stderr(`pathsum: check needs at least one spec file\n${HELP}`);
    return 1;
  }
  const summaries = positionals.map(file => {
    const models = compile(readSpecFile(file), file);
    const chosen = values.model === undefined ? models : [selectModel(models, file, values.model)];
    return chosen.map(m => summarize(m, file)).join('\n');
  });
  io.stdout(summaries.join('\n'));
  return 0;
}

export function summarize(arch: Architecture, file: string): string {
  return `${[`${arch.name} (${file})`, ...describe(arch), ...parameters(arch), ...terms(arch)].join('\n')}\n`;
}

function describe(arch: Architecture): string[] {
  const embedding = arch.positional ? 'token and positional embedding' : 'token embedding';
  const lines = [`  vocab ${arch.vocab} · context ${arch.context} · width ${arch.width} · ${embedding}`];
  for (const run of runs(arch.layers.map(describeLayer))) lines.push(`  ${run.label}: ${run.value}`);
  const unembed = [
    arch.unembed.norm ? `${arch.unembed.norm} norm, ` : '',
    'unembedding',
    arch.unembed.bias ? ' with bias' : '',
  ];
  lines.push(`  ${unembed.join('')}`);
  return lines;
}

function describeLayer(layer: Layer): string {
  const parts: string[] = [];
  const norm = (kind: string | undefined) => (kind ? `${kind} norm, ` : '');
  if (layer.attention) {
    const a = layer.attention;
    parts.push(
      `${norm(a.norm)}attention ${a.heads} head${a.heads === 1 ? '' : 's'} of size ${a.headSize}${a.bias ? ' with biases' : ''}`,
    );
  }
  if (layer.bilinear) {
    const b = layer.bilinear;
    parts.push(`${norm(b.norm)}bilinear hidden ${b.hidden}${b.bias ? ' with biases' : ''}`);
  }
  return parts.join('; ');
}

/** Consecutive equal descriptions collapse into `layers 0–47 (each)`. */
function runs(values: string[]): { label: string; value: string }[] {
  const out: { label: string; value: string }[] = [];
  for (let i = 0; i < values.length; ) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[i]) j++;
    out.push({ label: i === j ? `layer ${i}` : `layers ${i}–${j} (each)`, value: values[i]! });
    i = j + 1;
  }
  return out;
}

function component(key: string): string {
  const block = /^blocks\.(\d+)\.(attn|ln1|mlp|ln2)\./.exec(key);
  if (block) return `layer ${block[1]} ${block[2] === 'attn' || block[2] === 'ln1' ? 'attention' : 'bilinear'}`;
  return key.startsWith('embed') || key.startsWith('pos_embed') ? 'embedding' : 'unembedding';
}

function parameters(arch: Architecture): string[] {
  const byComponent = new Map<string, bigint>();
  for (const w of requiredWeights(arch)) {
    const size = w.shape.reduce((p, s) => p * BigInt(s), 1n);
    byComponent.set(component(w.key), (byComponent.get(component(w.key)) ?? 0n) + size);
  }
  const total = [...byComponent.values()].reduce((a, b) => a + b, 0n);
  const rows = [...byComponent].map(([name, n]) => [name, n] as const);
  const shown = rows.length > 12 ? [...rows.slice(0, 5), ['…', -1n] as const, ...rows.slice(-3)] : rows;
  return [
    '  parameters',
    ...shown.map(([name, n]) => (n < 0n ? `    ${name}` : `    ${name.padEnd(22)} ${group(n).padStart(16)}`)),
    `    ${'total'.padEnd(22)} ${group(total).padStart(16)}`,
  ];
}

function terms(arch: Architecture): string[] {
  const symmetrized = countTerms(arch, { degreeCap: 4 });
  const ordered = countTerms(arch, { degreeCap: 4, symmetrize: false });
  const cell = (t: Total) => ('exact' in t ? group(t.exact) : formatTotal(t)).padStart(24);
  const rows = symmetrized.byDegree.map(
    (c, k) => `    ${`degree ${k}`.padEnd(12)} ${cell(c)} ${cell(ordered.byDegree[k]!)}`,
  );
  const beyond = symmetrized.maxDegree > 4 ? [`    (degrees 5 to ${symmetrized.maxDegree} not listed)`] : [];
  return [
    `  path terms${' '.repeat(10)}${'symmetrized'.padStart(20)} ${'ordered'.padStart(24)}`,
    ...rows,
    ...beyond,
    `    ${'total'.padEnd(12)} ${cell(symmetrized.total)} ${cell(ordered.total)}`,
  ];
}

function group(n: bigint): string {
  return n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
