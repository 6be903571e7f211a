// A Hugging Face folder as a spec (issue 10): config.json's fields become the architecture they describe
// (asserted field by field, not against a golden text), bad configs and checkpoints are one line naming the
// file and the key, and the tensors load in the layout the issue states, index by index.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Architecture } from '../../src/language/architecture.js';
import { huggingfaceSpec, readHuggingfaceConfig } from '../../src/model/huggingface.js';
import { compile } from '../../src/model/spec.js';
import { useBackend } from '../../src/numeric/backend.js';
import { readCheckpoint } from '../../src/numeric/checkpoint.js';
import { readHuggingfaceFolder } from '../../src/numeric/huggingface-folder.js';
import { writeSafetensors } from '../../src/numeric/safetensors.js';
import { disposeWeights, loadWeights } from '../../src/numeric/weights.js';

const base = {
  architectures: ['Transformer'],
  n_layer: 2,
  n_head: 2,
  d_model: 8,
  d_hidden: 6,
  n_ctx: 5,
  bilinear: true,
  gate: null,
  bias: true,
  normalization: true,
  tokenizer: null,
  torch_dtype: 'float32',
  transformers_version: '4.46.0',
};

const configOf = (fields: Record<string, unknown>) => readHuggingfaceConfig(JSON.stringify(fields), 'm/config.json');

const config = fc.record({
  n_layer: fc.integer({ min: 1, max: 3 }),
  n_head: fc.integer({ min: 1, max: 4 }),
  d_head: fc.integer({ min: 1, max: 4 }).map(k => 2 * k),
  d_hidden: fc.integer({ min: 1, max: 9 }),
  n_ctx: fc.integer({ min: 1, max: 9 }),
  bias: fc.boolean(),
  normalization: fc.boolean(),
});

describe('config.json → the architecture it describes', () => {
  it('every field lands where the issue puts it (fast-check over layers, heads, sizes, bias, norms)', () => {
    fc.assert(
      fc.property(config, fc.integer({ min: 1, max: 50 }), (c, vocab) => {
        const fields = { ...base, ...c, d_model: c.n_head * c.d_head };
        const [arch] = compile(huggingfaceSpec('m', configOf(fields), vocab));
        expect(summary(arch!)).toEqual(expected(fields, vocab));
      }),
      { numRuns: 60 },
    );
  });

  it('ignores fields it does not read, whatever their type (dropouts, n_vocab, the usual Hugging Face keys)', () => {
    const plain = configOf(base);
    const extra = configOf({ ...base, attn_dropout: 0.1, n_vocab: 'x', rms: true, d_head: 3, noise: { a: [1] } });
    expect(extra).toEqual(plain);
  });

  it('reads a missing gate as null, the model code default', () => {
    const { gate: _, ...withoutGate } = base;
    expect(configOf(withoutGate)).toEqual(configOf(base));
  });

  it.each([
    ['n_head: missing', { n_head: undefined }, 'n_head: missing; it must be a positive integer'],
    ['d_hidden: missing', { d_hidden: undefined }, 'd_hidden: missing'],
    ['normalization: missing', { normalization: undefined }, 'normalization: missing; it must be true or false'],
    ['n_layer: "2"', { n_layer: '2' }, 'n_layer: must be a positive integer, found "2"'],
    ['n_ctx: 0', { n_ctx: 0 }, 'n_ctx: must be a positive integer, found 0'],
    ['d_model: 8.5', { d_model: 8.5 }, 'd_model: must be a positive integer, found 8.5'],
    ['bias: "yes"', { bias: 'yes' }, 'bias: must be true or false, found "yes"'],
    ['gate: "relu"', { gate: 'relu' }, 'gate: "relu": a gated MLP is not bilinear'],
    ['gate: "silu"', { gate: 'silu' }, 'gate: "silu": a gated MLP is not bilinear'],
    ['bilinear: false', { bilinear: false }, 'bilinear: false: only bilinear MLPs'],
    ['d_model: 10, n_head: 4', { d_model: 10, n_head: 4 }, 'd_model: 10 is not divisible by n_head 4'],
  ])('refuses %s: one line naming config.json and the key', (_, change, message) => {
    const fields: Record<string, unknown> = { ...base, ...change };
    for (const [k, v] of Object.entries(change)) if (v === undefined) delete fields[k];
    expect(() => configOf(fields)).toThrow(`m/config.json: ${message}`);
    expect(errorOf(() => configOf(fields))).not.toContain('\n');
  });

  it('refuses a config that is not a JSON object, naming the file', () => {
    expect(() => readHuggingfaceConfig('{"n_layer": 2,', 'm/config.json')).toThrow(/^m\/config\.json: not valid JSON/);
    expect(() => readHuggingfaceConfig('[1]', 'm/config.json')).toThrow('m/config.json: must hold a JSON object');
  });
});

describe('a folder: the vocabulary from the embedding in a safetensors header', () => {
  it('reads V from transformer.wte.weight of a single file and of a shard', () => {
    const single = folder(base, { 'transformer.wte.weight': [13, 8] });
    expect(readHuggingfaceFolder(single).arch.vocab).toBe(13);
    const sharded = folder(base, {}, { 'model-1.safetensors': { 'transformer.wte.weight': [17, 8] } });
    expect(readHuggingfaceFolder(sharded).arch.vocab).toBe(17);
  });

  it.each([
    ['no embedding', {}, /model\.safetensors: tensor transformer\.wte\.weight is missing/],
    [
      'a [13, 9] embedding',
      { 'transformer.wte.weight': [13, 9] },
      /wte\.weight has shape \[13, 9\], expected \[V, 8\]/,
    ],
  ])('refuses a checkpoint with %s', (_, tensors: Record<string, number[]>, message) => {
    expect(() => readHuggingfaceFolder(folder(base, tensors))).toThrow(message);
  });
});

describe('shard indexes: one line naming the index and the key', () => {
  const shard = { 'model-1.safetensors': { 'transformer.wte.weight': [13, 8] } };

  it('refuses an index whose weight_map names a missing shard', () => {
    const dir = folder(base, {}, shard, {
      'transformer.wte.weight': 'model-1.safetensors',
      'lm_head.weight': 'gone.st',
    });
    expect(() => readCheckpoint(dir)).toThrow(
      `${dir}/model.safetensors.index.json: weight_map["lm_head.weight"] names the shard gone.st, which does not exist`,
    );
  });

  it.each([
    ['{"weight_map": ', /index\.json: not valid JSON/],
    ['{"metadata": {}}', /index\.json: weight_map is missing or not an object/],
    ['{"weight_map": {"a": 3}}', /index\.json: weight_map\["a"\] must be the name of a file in the same directory/],
    ['{"weight_map": {"a": "../x.safetensors"}}', /weight_map\["a"\] must be the name of a file in the same directory/],
  ])('refuses the index %s', (text, message) => {
    const dir = folder(base, {}, shard);
    writeFileSync(join(dir, 'model.safetensors.index.json'), text);
    expect(() => readCheckpoint(dir)).toThrow(message);
  });

  it('refuses a map that puts a tensor in a shard without it', () => {
    const dir = folder(base, {}, shard, { 'transformer.wte.weight': 'model-1.safetensors', x: 'model-1.safetensors' });
    expect(() => readCheckpoint(dir)).toThrow(
      /weight_map puts tensor x in .*model-1\.safetensors, which does not hold it/,
    );
  });
});

describe('the tensors load in the layout the issue states', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('q, k, v rows (q|k|v, head, d_head); o columns (head, d_head); w rows left|right; nn.Linear [out, in]', () => {
    const fields = { ...base, n_layer: 1, n_head: 2, d_model: 4, d_hidden: 3, bias: true };
    const [d, heads, size, m, V] = [4, 2, 2, 3, 5];
    // every value distinct, so that any wrong index shows
    let next = 1;
    const tensor = (shape: number[]) => ({
      shape,
      data: Float32Array.from({ length: shape.reduce((a, b) => a * b) }, () => next++ / 64),
    });
    const stored = new Map([
      ['transformer.wte.weight', tensor([V, d])],
      ['transformer.h.0.attn.qkv.weight', tensor([3 * d, d])],
      ['transformer.h.0.attn.o.weight', tensor([d, d])],
      ['transformer.h.0.mlp.w.weight', tensor([2 * m, d])],
      ['transformer.h.0.mlp.w.bias', tensor([2 * m])],
      ['transformer.h.0.mlp.p.weight', tensor([d, m])],
      ['transformer.h.0.mlp.p.bias', tensor([d])],
      ['lm_head.weight', tensor([V, d])],
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'pathsum-hf-'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify(fields));
    writeFileSync(join(dir, 'model.safetensors'), writeSafetensors(stored));
    const { arch } = readHuggingfaceFolder(dir);
    const { weights } = loadWeights(arch, dir);
    const at = (key: string, ...index: number[]) => {
      const t = weights.get(key)!;
      const strides = t.shape.map((_, i) => t.shape.slice(i + 1).reduce((a, b) => a * b, 1));
      return (t.dataSync() as Float32Array)[index.reduce((s, x, i) => s + x * strides[i]!, 0)];
    };
    const raw = (name: string, ...index: number[]) => {
      const t = stored.get(name)!;
      const strides = t.shape.map((_, i) => t.shape.slice(i + 1).reduce((a, b) => a * b, 1));
      return t.data[index.reduce((s, x, i) => s + x * strides[i]!, 0)];
    };
    const qkv = 'transformer.h.0.attn.qkv.weight';
    const w = 'transformer.h.0.mlp.w.weight';
    for (let h = 0; h < heads; h++)
      for (let i = 0; i < d; i++)
        for (let j = 0; j < size; j++) {
          ['W_Q', 'W_K', 'W_V'].forEach((key, part) => {
            expect(at(`blocks.0.attn.${key}`, h, i, j)).toBe(raw(qkv, part * d + h * size + j, i));
          });
          expect(at('blocks.0.attn.W_O', h, j, i)).toBe(raw('transformer.h.0.attn.o.weight', i, h * size + j));
        }
    for (let i = 0; i < d; i++)
      for (let k = 0; k < m; k++) {
        expect(at('blocks.0.mlp.W_in', i, k)).toBe(raw(w, k, i));
        expect(at('blocks.0.mlp.W_gate', i, k)).toBe(raw(w, m + k, i));
        expect(at('blocks.0.mlp.W_out', k, i)).toBe(raw('transformer.h.0.mlp.p.weight', i, k));
      }
    for (let k = 0; k < m; k++) {
      expect(at('blocks.0.mlp.b_in', k)).toBe(raw('transformer.h.0.mlp.w.bias', k));
      expect(at('blocks.0.mlp.b_gate', k)).toBe(raw('transformer.h.0.mlp.w.bias', m + k));
    }
    for (let c = 0; c < V; c++)
      for (let i = 0; i < d; i++) {
        expect(at('embed.W_E', c, i)).toBe(raw('transformer.wte.weight', c, i));
        expect(at('unembed.W_U', i, c)).toBe(raw('lm_head.weight', c, i));
      }
    expect([...(weights.get('blocks.0.mlp.b_out')!.dataSync() as Float32Array)]).toEqual([
      ...stored.get('transformer.h.0.mlp.p.bias')!.data,
    ]);
    disposeWeights(weights);
  });
});

/** What the tests compare: the architecture's fields that config.json decides. */
function summary(arch: Architecture) {
  const norm = (n: { norm?: string; normOptions?: { gain?: false; eps?: number } }) =>
    n.norm === undefined ? null : { kind: n.norm, gain: n.normOptions?.gain ?? true, eps: n.normOptions?.eps };
  return {
    vocab: arch.vocab,
    context: arch.context,
    width: arch.width,
    positional: arch.positional,
    layers: arch.layers.map(l => ({
      heads: l.attention!.heads,
      headSize: l.attention!.headSize,
      attentionBias: l.attention!.bias,
      rotary: l.attention!.rotary,
      scale: Number(l.attention!.scale?.valueOf().toPrecision(12)),
      scaleSquared: l.attention!.scale?.mul(l.attention!.scale).toFraction(),
      attentionNorm: norm(l.attention!),
      hidden: l.bilinear!.hidden,
      bilinearBias: l.bilinear!.bias,
      bilinearScale: l.bilinear!.scale?.valueOf() ?? 1,
      bilinearNorm: norm(l.bilinear!),
    })),
    unembed: { bias: arch.unembed.bias, norm: norm(arch.unembed) },
    renames: Object.fromEntries([...arch.renames].map(([k, r]) => [k, { name: r.name, ...r.layout }])),
  };
}

/** The same, written out from the description of the architecture. */
function expected(c: typeof base & { d_head?: number }, vocab: number) {
  const rms = c.normalization ? { kind: 'rms', gain: false, eps: 1e-8 } : null;
  const layers = Array.from({ length: c.n_layer }, () => ({
    heads: c.n_head,
    headSize: c.d_model / c.n_head,
    attentionBias: false,
    rotary: { base: 10000 },
    scale: Number((1 / Math.sqrt(2 * c.n_layer)).toPrecision(12)),
    scaleSquared: `1/${2 * c.n_layer}`,
    attentionNorm: rms,
    hidden: c.d_hidden,
    bilinearBias: c.bias,
    bilinearScale: 1,
    bilinearNorm: rms,
  }));
  const renames: Record<string, object> = { 'embed.W_E': { name: 'transformer.wte.weight' } };
  for (let l = 0; l < c.n_layer; l++) {
    const [attn, mlp] = [`transformer.h.${l}.attn`, `transformer.h.${l}.mlp`];
    ['W_Q', 'W_K', 'W_V'].forEach((k, i) => {
      renames[`blocks.${l}.attn.${k}`] = { name: `${attn}.qkv.weight`, rows: { part: i + 1, of: 3 }, form: 'linear' };
    });
    renames[`blocks.${l}.attn.W_O`] = { name: `${attn}.o.weight`, form: 'linear' };
    renames[`blocks.${l}.mlp.W_in`] = { name: `${mlp}.w.weight`, rows: { part: 1, of: 2 }, form: 'linear' };
    renames[`blocks.${l}.mlp.W_gate`] = { name: `${mlp}.w.weight`, rows: { part: 2, of: 2 }, form: 'linear' };
    renames[`blocks.${l}.mlp.W_out`] = { name: `${mlp}.p.weight`, form: 'linear' };
    if (c.bias) {
      renames[`blocks.${l}.mlp.b_in`] = { name: `${mlp}.w.bias`, rows: { part: 1, of: 2 } };
      renames[`blocks.${l}.mlp.b_gate`] = { name: `${mlp}.w.bias`, rows: { part: 2, of: 2 } };
      renames[`blocks.${l}.mlp.b_out`] = { name: `${mlp}.p.bias` };
    }
  }
  renames['unembed.W_U'] = { name: 'lm_head.weight', form: 'linear' };
  return {
    vocab,
    context: c.n_ctx,
    width: c.d_model,
    positional: false,
    layers,
    unembed: { bias: false, norm: rms },
    renames,
  };
}

/**
 * A folder with config.json and either model.safetensors holding `tensors` (zeros of the given shapes) or,
 * with `shards`, those files and an index mapping each tensor to its shard (or `map` as given).
 */
function folder(
  fields: Record<string, unknown>,
  tensors: Record<string, number[]>,
  shards?: Record<string, Record<string, number[]>>,
  map?: Record<string, string>,
): string {
  const dir = mkdtempSync(join(tmpdir(), 'pathsum-hf-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(fields));
  const file = (shapes: Record<string, number[]>) =>
    writeSafetensors(
      new Map(
        Object.entries(shapes).map(([k, shape]) => [
          k,
          { shape, data: new Float32Array(shape.reduce((a, b) => a * b)) },
        ]),
      ),
    );
  if (!shards) {
    writeFileSync(join(dir, 'model.safetensors'), file(tensors));
    return dir;
  }
  const weightMap: Record<string, string> = map ?? {};
  for (const [name, shapes] of Object.entries(shards)) {
    writeFileSync(join(dir, name), file(shapes));
    if (!map) for (const k of Object.keys(shapes)) weightMap[k] = name;
  }
  writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }));
  return dir;
}

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (error) {
    return (error as Error).message;
  }
  return '';
}
