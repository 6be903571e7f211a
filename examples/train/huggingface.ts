// Writes a model in the Hugging Face layout of Pearce et al. 2025 (issue 10): config.json and
// model.safetensors, or shards and model.safetensors.index.json, keys and layouts as the public model code
// saves them. The inverse of the renames `pathsum import` writes, done here index by index, so that the
// tests compare two independent routes. Weights come in in TransformerLens layout (docs/design.md §3).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Architecture } from '../../src/language/architecture.js';
import { writeSafetensors } from '../../src/numeric/safetensors.js';

export interface Stored {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** The fields of config.json for `arch`, with the usual Hugging Face keys beside them. */
export function huggingfaceConfig(arch: Architecture): Record<string, unknown> {
  const first = arch.layers[0]!;
  const attention = first.attention!;
  const bilinear = first.bilinear!;
  return {
    architectures: ['Transformer'],
    n_layer: arch.layers.length,
    n_head: attention.heads,
    d_model: arch.width,
    d_hidden: bilinear.hidden,
    n_ctx: arch.context,
    bilinear: true,
    gate: null,
    bias: bilinear.bias,
    normalization: first.attention?.norm !== undefined,
    tokenizer: null,
    torch_dtype: 'float32',
    transformers_version: '4.46.0',
  };
}

/** The tensors of a model in TransformerLens layout, renamed and laid out as the Hugging Face checkpoint holds them. */
export function huggingfaceTensors(arch: Architecture, weights: ReadonlyMap<string, Stored>): Map<string, Stored> {
  const get = (key: string) => {
    const t = weights.get(key);
    if (!t) throw new Error(`no tensor ${key}`);
    return t;
  };
  const out = new Map<string, Stored>();
  out.set('transformer.wte.weight', get('embed.W_E'));
  arch.layers.forEach((layer, l) => {
    const at = `transformer.h.${l}`;
    const b = `blocks.${l}`;
    const qkv = ['W_Q', 'W_K', 'W_V'].map(k => headsToLinear(get(`${b}.attn.${k}`)));
    out.set(`${at}.attn.qkv.weight`, stackRows(qkv));
    out.set(`${at}.attn.o.weight`, outputToLinear(get(`${b}.attn.W_O`)));
    out.set(`${at}.mlp.w.weight`, stackRows([transpose(get(`${b}.mlp.W_in`)), transpose(get(`${b}.mlp.W_gate`))]));
    out.set(`${at}.mlp.p.weight`, transpose(get(`${b}.mlp.W_out`)));
    if (layer.bilinear?.bias) {
      out.set(`${at}.mlp.w.bias`, stackRows([get(`${b}.mlp.b_in`), get(`${b}.mlp.b_gate`)]));
      out.set(`${at}.mlp.p.bias`, get(`${b}.mlp.b_out`));
    }
  });
  out.set('lm_head.weight', transpose(get('unembed.W_U')));
  return out;
}

/** config.json and model.safetensors, or (shards > 1) that many shard files and their index. */
export function writeHuggingfaceFolder(
  dir: string,
  arch: Architecture,
  weights: ReadonlyMap<string, Stored>,
  options: { shards?: number; metadata?: Record<string, string> } = {},
): void {
  writeFileSync(join(dir, 'config.json'), `${JSON.stringify(huggingfaceConfig(arch), null, 2)}\n`);
  const tensors = huggingfaceTensors(arch, weights);
  const shards = options.shards ?? 1;
  if (shards <= 1) {
    writeFileSync(join(dir, 'model.safetensors'), writeSafetensors(tensors, { format: 'pt', ...options.metadata }));
    return;
  }
  const names = [...tensors.keys()];
  const weightMap: Record<string, string> = {};
  for (let s = 0; s < shards; s++) {
    const file = `model-${String(s + 1).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`;
    const mine = names.filter((_, i) => i % shards === s);
    for (const name of mine) weightMap[name] = file;
    writeFileSync(join(dir, file), writeSafetensors(new Map(mine.map(n => [n, tensors.get(n)!])), { format: 'pt' }));
  }
  const totalSize = [...tensors.values()].reduce((sum, t) => sum + 4 * t.data.length, 0);
  const index = { metadata: { total_size: totalSize }, weight_map: weightMap };
  writeFileSync(join(dir, 'model.safetensors.index.json'), `${JSON.stringify(index, null, 2)}\n`);
}

/** [H, d, d_head] (x @ W[h]) → the nn.Linear weight [H·d_head, d]: row h·d_head + j, column i is W[h, i, j]. */
function headsToLinear({ shape, data }: Stored): Stored {
  const [heads, d, size] = shape as [number, number, number];
  const out = new Float32Array(data.length);
  for (let h = 0; h < heads; h++)
    for (let i = 0; i < d; i++)
      for (let j = 0; j < size; j++) out[(h * size + j) * d + i] = data[(h * d + i) * size + j]!;
  return { shape: [heads * size, d], data: out };
}

/** W_O [H, d_head, d] → the nn.Linear weight [d, H·d_head]: row i, column h·d_head + j is W_O[h, j, i]. */
function outputToLinear({ shape, data }: Stored): Stored {
  const [heads, size, d] = shape as [number, number, number];
  const out = new Float32Array(data.length);
  for (let h = 0; h < heads; h++)
    for (let j = 0; j < size; j++)
      for (let i = 0; i < d; i++) out[i * heads * size + h * size + j] = data[(h * size + j) * d + i]!;
  return { shape: [d, heads * size], data: out };
}

function transpose({ shape, data }: Stored): Stored {
  const [rows, cols] = shape as [number, number];
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c]!;
  return { shape: [cols, rows], data: out };
}

/** Tensors of equal trailing shape, one after another along the first axis. */
function stackRows(parts: readonly Stored[]): Stored {
  const data = new Float32Array(parts.reduce((n, p) => n + p.data.length, 0));
  let at = 0;
  for (const p of parts) {
    data.set(p.data, at);
    at += p.data.length;
  }
  return { shape: [parts.reduce((n, p) => n + p.shape[0]!, 0), ...parts[0]!.shape.slice(1)], data };
}
