// `pathsum check SPEC...`: parse and check each spec, and summarize every model in it.
import { countTerms, formatTotal, type Total } from '../model/count.js';
import { selectModel } from '../model/spec.js';
import { readSpecSource } from '../numeric/spec-source.js';
import { type Architecture, describeLayout } from '../language/architecture.js';
import type { Block } from '../model/block.js';
import { blocksOf } from '../model/blocks.js';
import { visible } from '../language/visible.js';
import { parseFlags } from './args.js';
import type { Io } from './io.js';

const HELP = `usage: pathsum check SPEC... [--model NAME]

Parses and checks each spec file and prints, per model: its layers and blocks, parameter counts
per component, and the exact number of path terms per degree, symmetrized and ordered.
SPEC is a .pathsum file, a model directory holding one (as examples/modadd), or a Hugging Face
folder: config.json and model.safetensors (or its shards), as examples/hf-induction.
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
  const summaries = positionals.map(path => {
    const { file, models } = readSpecSource(path);
    const chosen = values.model === undefined ? models : [selectModel(models, file, values.model)];
    return chosen.map(m => summarize(m, file)).join('\n');
  });
  io.stdout(summaries.join('\n'));
  return 0;
}

export function summarize(arch: Architecture, file: string): string {
  const sections = [...describe(arch), ...parameters(arch), ...storedAs(arch), ...terms(arch)];
  return `${[`${arch.name} (${visible(file)})`, ...sections].join('\n')}\n`;
}

/** The tensors the spec renames: under which stored name, and in which layout (rows part, nn.Linear, transposed). */
function storedAs(arch: Architecture): string[] {
  if (arch.renames.size === 0) return [];
  const lines = [...arch.renames].map(([key, { name, layout }]) => {
    const how = describeLayout(layout);
    return `    ${key} ← ${JSON.stringify(name)}${how ? ` (${how})` : ''}`;
  });
  const shown = lines.length > 12 ? [...lines.slice(0, 12), `    … and ${lines.length - 12} more`] : lines;
  return ['  stored as', ...shown];
}

function describe(arch: Architecture): string[] {
  const { writers, readout } = blocksOf(arch);
  const embeddings = writers.filter(b => b.layer === null).map(b => b.describe());
  const lines = [`  vocab ${arch.vocab} · context ${arch.context} · width ${arch.width} · ${embeddings.join(', ')}`];
  const layers = arch.layers.map((_, l) =>
    writers
      .filter(b => b.layer === l)
      .map(b => b.describe())
      .join('; '),
  );
  for (const run of runs(layers)) lines.push(`  ${run.label}: ${run.value}`);
  lines.push(`  ${readout.describe()}`);
  return lines;
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

/** The row a block's parameters are counted in: its kind, and its layer. */
const component = (block: Block): string => (block.layer === null ? block.kind : `layer ${block.layer} ${block.kind}`);

function parameters(arch: Architecture): string[] {
  const { writers, readout } = blocksOf(arch);
  const byComponent = new Map<string, bigint>();
  for (const block of [...writers, readout]) {
    const size = block.weights.reduce((sum, w) => sum + w.shape.reduce((p, s) => p * BigInt(s), 1n), 0n);
    byComponent.set(component(block), (byComponent.get(component(block)) ?? 0n) + size);
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
  const top = symmetrized.maxDegree;
  const beyond = top > 4n ? [`    (degrees 5 to ${degree(top)} not listed)`] : [];
  return [
    `  path terms${' '.repeat(10)}${'symmetrized'.padStart(20)} ${'ordered'.padStart(24)}`,
    ...rows,
    ...beyond,
    `    ${'total'.padEnd(12)} ${cell(symmetrized.total)} ${cell(ordered.total)}`,
  ];
}

/** `2^1024` rather than its 309 digits once a degree (a power of two) passes 2^64. */
function degree(d: bigint): string {
  const k = d.toString(2).length - 1;
  return k >= 64 && d === 1n << BigInt(k) ? `2^${k}` : d.toString();
}

/** 1,234,567; linear in the digits, as counts have up to thousands of them. */
function group(n: bigint): string {
  const digits = n.toString();
  const head = digits.length % 3 || 3;
  const groups = [digits.slice(0, head)];
  for (let i = head; i < digits.length; i += 3) groups.push(digits.slice(i, i + 3));
  return groups.join(',');
}
