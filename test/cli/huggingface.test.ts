// Hugging Face folders through the CLI (issue 10): a random model written in the Hugging Face layout
// (examples/train/huggingface.ts, index by index) and in TransformerLens layout gives the same logits, whole
// or sharded; `pathsum import` prints a spec that loads the same weights; bad folders are one line naming
// the file and the key, exit 1.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeHuggingfaceFolder } from '../../examples/train/huggingface.js';
import { memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { useBackend } from '../../src/numeric/backend.js';
import { huggingfaceSpec, readHuggingfaceConfig } from '../../src/model/huggingface.js';
import { compile } from '../../src/model/spec.js';
import { readSafetensorsFile, writeSafetensors } from '../../src/numeric/safetensors.js';
import { randomWeights } from '../../src/numeric/weights.js';

beforeAll(async () => {
  await useBackend('cpu');
});

async function cli(...argv: string[]) {
  const io = memoryIo();
  const code = await main(argv, io);
  return { code, out: io.out(), err: io.err() };
}

interface EvalJSON {
  logits: number[][];
  terms: { logits: number[][] }[];
  maxAbsError: number;
}

const config = (change: Record<string, unknown> = {}) => ({
  architectures: ['Transformer'],
  n_layer: 2,
  n_head: 2,
  d_model: 4,
  d_hidden: 3,
  n_ctx: 4,
  bilinear: true,
  gate: null,
  bias: true,
  normalization: true,
  tokenizer: null,
  ...change,
});

const VOCAB = 11;
const tokens = '3,1,4,1';

/** One random model in three folders: TransformerLens layout with a spec, Hugging Face whole, and sharded. */
function model(fields: Record<string, unknown>, seed: number) {
  const text = huggingfaceSpec('m', readHuggingfaceConfig(JSON.stringify(fields), 'config.json'), VOCAB);
  const arch = compile(text)[0]!;
  const random = randomWeights(arch, seed);
  const stored = new Map([...random].map(([k, t]) => [k, { shape: t.shape, data: t.dataSync() as Float32Array }]));
  for (const t of random.values()) t.dispose();
  const root = mkdtempSync(join(tmpdir(), 'pathsum-hf-cli-'));
  const folder = (name: string) => join(root, name);
  // the same model without renames reads the TransformerLens keys
  writeFileSync(folder('tl.pathsum'), text.replace(/^ {2}rename .*\n/gm, ''));
  writeFileSync(folder('tl.safetensors'), writeSafetensors(stored));
  const [whole, sharded] = [folder('whole'), folder('sharded')];
  mkdirSync(whole);
  writeHuggingfaceFolder(whole, arch, stored);
  mkdirSync(sharded);
  writeHuggingfaceFolder(sharded, arch, stored, { shards: 3 });
  return { root, tl: folder('tl.pathsum'), tlWeights: folder('tl.safetensors'), whole, sharded };
}

async function evalJSON(...argv: string[]): Promise<EvalJSON> {
  const { code, out, err } = await cli('eval', ...argv, '--tokens', tokens, '--json', '--backend', 'cpu');
  expect(err).toBe('');
  expect(code).toBe(0);
  return JSON.parse(out) as EvalJSON;
}

/** Float32 forward passes of the same weights through the same operations: equal to float32 rounding. */
function expectSameLogits(a: EvalJSON, b: EvalJSON) {
  const scale = Math.max(1, ...a.logits.flat().map(Math.abs));
  const worst = Math.max(...a.logits.flatMap((row, t) => row.map((v, c) => Math.abs(v - b.logits[t]![c]!))));
  expect(worst).toBeLessThanOrEqual(1e-6 * scale);
}

describe('a random model in the Hugging Face layout gives the logits of the TransformerLens layout', () => {
  it.each([
    ['bias, norms, 2 layers of 2 heads', config(), 1, true],
    ['no bias, no norms, 1 layer', config({ bias: false, normalization: false, n_layer: 1 }), 2, true],
    ['3 layers of 1 head', config({ n_layer: 3, n_head: 1, bias: false }), 3, false],
  ])('%s: eval DIR, whole and sharded, = eval SPEC --weights', async (_, fields, seed, everyTerm) => {
    const m = model(fields, seed);
    // the logits are the forward pass's whichever terms are listed: degree 0 keeps the runs short
    const reference = await evalJSON(m.tl, '--weights', m.tlWeights, '--max-degree', '0');
    for (const dir of [m.whole, m.sharded]) expectSameLogits(await evalJSON(dir, '--max-degree', '0'), reference);
    if (!everyTerm) return;
    const read = await evalJSON(m.whole);
    expectSameLogits(read, reference);
    // Σ terms = forward within float32 rounding of Σ|term| (as test/numeric/sum-of-terms.test.ts)
    const mass = read.logits.map((row, t) =>
      row.map((_, c) => read.terms.reduce((s, x) => s + Math.abs(x.logits[t]![c]!), 0)),
    );
    const error = Math.max(
      ...read.logits.flatMap((row, t) =>
        row.map(
          (v, c) => Math.abs(v - read.terms.reduce((s, x) => s + x.logits[t]![c]!, 0)) / Math.max(1, mass[t]![c]!),
        ),
      ),
    );
    expect(error).toBeLessThan(1e-4);
  });

  it('pathsum import prints a spec that, with --weights DIR, loads the same weights (whole and sharded)', async () => {
    const m = model(config(), 4);
    for (const dir of [m.whole, m.sharded]) {
      const printed = await cli('import', dir);
      expect(printed.code).toBe(0);
      const file = join(m.root, 'imported.pathsum');
      const written = await cli('import', dir, '-o', file);
      expect([written.code, readFileSync(file, 'utf8')]).toEqual([0, printed.out]);
      const imported = await evalJSON(file, '--weights', dir, '--max-degree', '0');
      expectSameLogits(imported, await evalJSON(dir, '--max-degree', '0'));
      expectSameLogits(imported, await evalJSON(m.tl, '--weights', m.tlWeights, '--max-degree', '0'));
    }
  });

  it('check, expand and latex read the folder as a spec', async () => {
    const m = model(config(), 5);
    const check = await cli('check', m.sharded);
    expect([check.code, check.out.split('\n')[0]]).toEqual([0, `sharded (${m.sharded}/config.json)`]);
    const expand = await cli('expand', m.whole, '--limit', '3');
    expect([expand.code, expand.out.trim().split('\n').length]).toEqual([0, 3]);
    const tex = join(m.root, 'm.tex');
    expect((await cli('latex', m.whole, '-o', tex)).code).toBe(0);
  });
});

describe('bad folders: one line naming the file and the key, exit 1', () => {
  const run = async (dir: string) => {
    const { code, err, out } = await cli('eval', dir, '--tokens', '1,2', '--backend', 'cpu');
    expect([code, out, err.trim().split('\n').length]).toEqual([1, '', 1]);
    return err;
  };

  it('a config without a field', async () => {
    const m = model(config(), 6);
    const { n_head: _, ...fields } = config();
    writeFileSync(join(m.whole, 'config.json'), JSON.stringify(fields));
    expect(await run(m.whole)).toContain(`${m.whole}/config.json: n_head: missing`);
  });

  it('a gated MLP (gate "relu")', async () => {
    const m = model(config(), 6);
    writeFileSync(join(m.whole, 'config.json'), JSON.stringify(config({ gate: 'relu' })));
    expect(await run(m.whole)).toContain(`${m.whole}/config.json: gate: "relu": a gated MLP is not bilinear`);
  });

  it('a qkv tensor of the wrong shape', async () => {
    const m = model(config(), 6);
    const file = join(m.whole, 'model.safetensors');
    const tensors = new Map(readSafetensorsFile(file).tensors);
    const qkv = 'transformer.h.1.attn.qkv.weight';
    tensors.set(qkv, { dtype: 'F32', shape: [2 * 4, 4], data: new Float32Array(8 * 4) });
    writeFileSync(file, writeSafetensors(tensors));
    const message = await run(m.whole);
    expect(message).toContain(file);
    expect(message).toContain(qkv);
  });

  it('a shard index pointing at a missing file', async () => {
    const m = model(config(), 6);
    const index = join(m.sharded, 'model.safetensors.index.json');
    const json = JSON.parse(readFileSync(index, 'utf8')) as { weight_map: Record<string, string> };
    json.weight_map['lm_head.weight'] = 'model-00009-of-00009.safetensors';
    writeFileSync(index, JSON.stringify(json));
    expect(await run(m.sharded)).toContain(
      `${index}: weight_map["lm_head.weight"] names the shard model-00009-of-00009.safetensors, which does not exist`,
    );
  });

  it('a shard index without a tensor the model needs', async () => {
    const m = model(config(), 6);
    const index = join(m.sharded, 'model.safetensors.index.json');
    const json = JSON.parse(readFileSync(index, 'utf8')) as { weight_map: Record<string, string> };
    delete json.weight_map['lm_head.weight'];
    writeFileSync(index, JSON.stringify(json));
    const message = await run(m.sharded);
    expect(message).toContain(index);
    expect(message).toContain('lm_head.weight');
  });

  it('import of a folder that is not one', async () => {
    const { code, err } = await cli('import', 'examples/induction');
    expect([code, err]).toEqual([
      1,
      'pathsum: examples/induction: not a Hugging Face folder (a directory holding config.json and no .pathsum spec)\n',
    ]);
  });
});
