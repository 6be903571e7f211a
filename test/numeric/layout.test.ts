// Weight layouts (`rename KEY NAME [rows I of N] [linear | transposed]`): a model stored as PyTorch's
// nn.Linear weights, with q, k, v fused in one tensor and W_in, W_gate in another, loads as the same model
// as its TransformerLens file; and every malformed layout is a one-line error naming the file and the key.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summarize } from '../../src/cli/check.js';
import { compile, SpecError } from '../../src/model/spec.js';
import { useBackend } from '../../src/numeric/backend.js';
import { disposeFrozen, forwardOne } from '../../src/numeric/forward.js';
import { writeSafetensors, WeightsError } from '../../src/numeric/safetensors.js';
import { disposeWeights, loadWeights, randomWeights, type Weights } from '../../src/numeric/weights.js';

const body = (layers: number, bias: boolean) => `
  vocab 6; context 4; width 4
  embed
  layers ${layers} {
    norm rms nogain eps 1e-8
    attention heads 2 size 2 rotary scale 1/sqrt(${2 * layers})
    norm rms nogain eps 1e-8
    bilinear hidden 3${bias ? ' bias' : ''}
  }
  norm rms nogain eps 1e-8
  unembed`;

const renames = (bias: boolean) => `
  rename embed.W_E "transformer.wte.weight"
  rename blocks.{l}.attn.W_Q "transformer.h.{l}.attn.qkv.weight" rows 1 of 3 linear
  rename blocks.{l}.attn.W_K "transformer.h.{l}.attn.qkv.weight" rows 2 of 3 linear
  rename blocks.{l}.attn.W_V "transformer.h.{l}.attn.qkv.weight" rows 3 of 3 linear
  rename blocks.{l}.attn.W_O "transformer.h.{l}.attn.o.weight" linear
  rename blocks.{l}.mlp.W_in "transformer.h.{l}.mlp.w.weight" rows 1 of 2 linear
  rename blocks.{l}.mlp.W_gate "transformer.h.{l}.mlp.w.weight" rows 2 of 2 linear
  rename blocks.{l}.mlp.W_out "transformer.h.{l}.mlp.p.weight" linear
  rename unembed.W_U "lm_head.weight" transposed${
    bias
      ? `
  rename blocks.{l}.mlp.b_in "transformer.h.{l}.mlp.w.bias" rows 1 of 2
  rename blocks.{l}.mlp.b_gate "transformer.h.{l}.mlp.w.bias" rows 2 of 2
  rename blocks.{l}.mlp.b_out "transformer.h.{l}.mlp.p.bias"`
      : ''
  }`;

type Stored = Map<string, { shape: readonly number[]; data: Float32Array }>;

const stored = (t: tf.Tensor) => ({ shape: t.shape, data: t.dataSync() as Float32Array });

/** The TransformerLens tensors as PyTorch stores them, built with tfjs's own transposes and concatenations. */
function asNnLinear(weights: Weights, layers: number, bias: boolean): Stored {
  const w = (key: string) => weights.get(key)!;
  const linear = (t: tf.Tensor) => tf.transpose(t as tf.Tensor2D);
  // [H, d, K] → [H, K, d] → [H·K, d]: rows (head, d_head), one per output unit
  const headsOut = (t: tf.Tensor) => tf.reshape(tf.transpose(t, [0, 2, 1]), [t.shape[0]! * t.shape[2]!, t.shape[1]!]);
  const out: Stored = new Map();
  out.set('transformer.wte.weight', stored(w('embed.W_E')));
  out.set('lm_head.weight', stored(linear(w('unembed.W_U'))));
  for (let l = 0; l < layers; l++) {
    const attn = (k: string) => w(`blocks.${l}.attn.${k}`);
    const mlp = (k: string) => w(`blocks.${l}.mlp.${k}`);
    const h = `transformer.h.${l}`;
    out.set(
      `${h}.attn.qkv.weight`,
      stored(
        tf.concat(
          ['W_Q', 'W_K', 'W_V'].map(k => headsOut(attn(k))),
          0,
        ),
      ),
    );
    const WO = attn('W_O');
    out.set(`${h}.attn.o.weight`, stored(linear(tf.reshape(WO, [WO.shape[0]! * WO.shape[1]!, WO.shape[2]!]))));
    out.set(`${h}.mlp.w.weight`, stored(tf.concat([linear(mlp('W_in')), linear(mlp('W_gate'))], 0)));
    out.set(`${h}.mlp.p.weight`, stored(linear(mlp('W_out'))));
    if (bias) {
      out.set(`${h}.mlp.w.bias`, stored(tf.concat([mlp('b_in'), mlp('b_gate')], 0)));
      out.set(`${h}.mlp.p.bias`, stored(mlp('b_out')));
    }
  }
  return out;
}

/** Runs `f`, releasing the tensors it makes: what it returns lives on the host. */
function onHost<T>(f: () => T): T {
  tf.engine().startScope();
  try {
    return f();
  } finally {
    tf.engine().endScope();
  }
}

let dir: string;

beforeAll(async () => {
  await useBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'pathsum-layout-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const logits = (arch: Parameters<typeof forwardOne>[0], weights: Weights, tokens: number[]) => {
  const { logits, frozen } = forwardOne(arch, weights, tokens);
  const values = logits.arraySync();
  logits.dispose();
  disposeFrozen(frozen);
  return values;
};

describe('weight layouts', () => {
  it('a model written as fused nn.Linear weights gives the same logits as its TransformerLens file', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 1000 }),
        fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 4 }),
        (layers, bias, seed, tokens) => {
          const [tl] = compile(`model tl {${body(layers, bias)}\n}`);
          const [hf] = compile(`model hf {${body(layers, bias)}${renames(bias)}\n}`);
          const drawn = randomWeights(tl!, seed);
          const [tlFile, hfFile] = [join(dir, `tl-${seed}.safetensors`), join(dir, `hf-${seed}.safetensors`)];
          writeFileSync(tlFile, writeSafetensors(new Map([...drawn].map(([k, t]) => [k, stored(t)]))));
          writeFileSync(
            hfFile,
            onHost(() => writeSafetensors(asNnLinear(drawn, layers, bias))),
          );
          const a = loadWeights(tl!, tlFile).weights;
          const b = loadWeights(hf!, hfFile).weights;
          // a layout only moves values: the same tensors, so the same logits to the last bit
          for (const key of a.keys()) expect(b.get(key)!.arraySync()).toEqual(a.get(key)!.arraySync());
          expect(logits(hf!, b, tokens)).toEqual(logits(tl!, a, tokens));
          [drawn, a, b].forEach(disposeWeights);
        },
      ),
      { numRuns: 12 },
    );
  });

  it('refuses a stored tensor of the wrong shape, naming the file, the stored name and the key', () => {
    const [hf] = compile(`model hf {${body(1, false)}${renames(false)}\n}`);
    const good = onHost(() => asNnLinear(randomWeights(compile(`model tl {${body(1, false)}\n}`)[0]!, 1), 1, false));
    const cases: [string, readonly number[], RegExp][] = [
      [
        'transformer.h.0.attn.qkv.weight',
        [11, 4],
        new RegExp(
          String.raw`qkv\.weight \(rows 1 of 3, linear of blocks\.0\.attn\.W_Q\) has shape \[11, 4\], ` +
            String.raw`the spec needs \[12, 4\]: its 11 rows do not split in 3 equal parts$`,
        ),
      ],
      [
        'transformer.h.0.attn.qkv.weight',
        [12, 3],
        /qkv\.weight \(rows 1 of 3, linear of blocks\.0\.attn\.W_Q\) has shape \[12, 3\], the spec needs \[12, 4\]$/,
      ],
      [
        'transformer.h.0.attn.o.weight',
        [3, 4],
        /o\.weight \(linear of blocks\.0\.attn\.W_O\) has shape \[3, 4\], the spec needs \[4, 4\]$/,
      ],
      [
        'lm_head.weight',
        [4, 6],
        /lm_head\.weight \(transposed of unembed\.W_U\) has shape \[4, 6\], the spec needs \[6, 4\]$/,
      ],
    ];
    for (const [name, shape, message] of cases) {
      const file = join(dir, 'bad.safetensors');
      const tensors = new Map(good);
      tensors.set(name, { shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });
      writeFileSync(file, writeSafetensors(tensors));
      const error = (() => {
        try {
          loadWeights(hf!, file);
        } catch (e) {
          return e as Error;
        }
        throw new Error('loaded');
      })();
      expect(error).toBeInstanceOf(WeightsError);
      expect(
        error.message.startsWith(`${file}: tensor transformer.`) || error.message.startsWith(`${file}: tensor lm_head`),
      ).toBe(true);
      expect(error.message).toMatch(message);
      expect(error.message).not.toContain('\n');
    }
    const missing = new Map(good);
    missing.delete('transformer.h.0.mlp.w.weight');
    writeFileSync(join(dir, 'missing.safetensors'), writeSafetensors(missing));
    expect(() => loadWeights(hf!, join(dir, 'missing.safetensors'))).toThrow(
      new RegExp(
        String.raw`tensor transformer\.h\.0\.mlp\.w\.weight \(rows 1 of 2, linear of blocks\.0\.mlp\.W_in\) ` +
          String.raw`is missing; the spec needs it with shape \[6, 4\]$`,
      ),
    );
  });
});

describe('the spec language doc', () => {
  it('shows the error a misshapen fused tensor gets, as the tool words it', () => {
    const doc = readFileSync(join('docs', 'spec-language.md'), 'utf8');
    const fused = /```pathsum\n(model fused[\s\S]*?)```/.exec(doc)![1]!;
    const [arch] = compile(fused);
    const plain = compile(fused.replace(/ *rename .*\n/g, ''))[0]!;
    const drawn = randomWeights(plain, 1);
    const tensors = new Map(onHost(() => asNnLinear(drawn, 2, true)));
    tensors.delete('transformer.wte.weight');
    tensors.delete('lm_head.weight');
    const rename = (k: string) => [k.replace('transformer.h.', 'h.'), tensors.get(k)!] as const;
    const stored = new Map([...tensors.keys()].map(rename));
    stored.set('embed.W_E', { shape: [16, 8], data: drawn.get('embed.W_E')!.dataSync() as Float32Array });
    stored.set('lm_head.weight', { shape: [16, 8], data: new Float32Array(128) });
    stored.set('h.0.attn.qkv.weight', { shape: [23, 8], data: new Float32Array(23 * 8) });
    writeFileSync(join(dir, 'model.safetensors'), writeSafetensors(stored));
    const message = (() => {
      try {
        loadWeights(arch!, join(dir, 'model.safetensors'));
      } catch (e) {
        return (e as Error).message.replace(`${dir}/`, '');
      }
      throw new Error('loaded');
    })();
    expect(doc.replace(/\n/g, ' ')).toContain(`e.g. \`${message}\``);
    disposeWeights(drawn);
  });
});

describe('layout statements', () => {
  const model = (rename: string) => `model m {${body(2, true)}\n  ${rename}\n}`;
  // the rename, where the error points (the statement, or the word at fault) and what it says
  const errors: [string, string, string][] = [
    ['rename blocks.{l}.attn.W_Q "qkv" rows 4 of 3', 'rows', 'part 4 of 3 does not exist'],
    [
      'rename blocks.{l}.mlp.b_in "w.bias" linear',
      'rename',
      "'linear' reads an nn.Linear weight, but 'blocks.0.mlp.b_in' is a vector",
    ],
    [
      'rename blocks.{l}.attn.W_Q "qkv" transposed',
      'rename',
      "'transposed' applies to a matrix, but 'blocks.0.attn.W_Q' has 3 axes",
    ],
    [
      'rename embed.{l}.W_E "wte"',
      'rename',
      "'embed.{l}.W_E': '{l}' stands for every layer, so it goes only in a per-layer key",
    ],
    ['rename embed.W_E "h.{l}.wte"', 'rename', "'{l}' in 'h.{l}.wte' needs a '{l}' in the key 'embed.W_E' too"],
    [
      'rename blocks.{l}.attn.W_X "x"',
      'rename',
      "cannot rename 'blocks.{l}.attn.W_X': this model has no such weight in any layer",
    ],
    ['rename blocks.{l}.attn.W_Q "qkv" linear linear', 'linear\n', "the layout is given twice: 'linear'"],
    ['rename blocks.{l}.attn.W_Q "qkv" rows 1 3', '3\n', "expected 'of' in 'rows I of N'"],
    ['rename blocks.{l}.attn.W_Q "qkv" sideways', 'sideways', "unexpected 'sideways' in rename"],
    [
      'rename blocks.{l}.attn.W_Q "qkv" rows 1 of 2\n  rename blocks.{l}.attn.W_K "qkv" rows 1 of 2',
      'rename',
      "'qkv' would name two tensors",
    ],
    [
      'rename blocks.{l}.attn.W_Q "h.{l}.qkv" rows 1 of 2\n  rename blocks.{l}.attn.W_K "h.{l}.qkv"',
      'rename',
      "'h.0.qkv' would name two tensors",
    ],
    [
      'rename blocks.0.attn.W_Q "h"\n  rename blocks.{l}.attn.W_Q "h.{l}"',
      'rename',
      "'blocks.0.attn.W_Q' is renamed twice",
    ],
  ];
  it.each(errors)('%s → at %j: %s', (rename, at, message) => {
    const error = (() => {
      try {
        compile(model(rename), 'm.pathsum');
      } catch (e) {
        return e as SpecError;
      }
      throw new Error('compiled');
    })();
    expect(error).toBeInstanceOf(SpecError);
    expect(error.reason).toContain(message);
    // the model's lines are indented by two spaces
    expect(error.col).toBe(`${rename}\n`.indexOf(at) + 3);
  });

  it('reads one stored tensor as the row parts of one cut, each layer under its own name', () => {
    const [arch] = compile(model(renames(true)));
    expect(arch!.renames.get('blocks.1.attn.W_K')).toEqual({
      name: 'transformer.h.1.attn.qkv.weight',
      layout: { rows: { part: 2, of: 3 }, form: 'linear' },
    });
    expect(arch!.renames.get('blocks.1.mlp.b_out')).toEqual({ name: 'transformer.h.1.mlp.p.bias', layout: {} });
    expect(arch!.renames.size).toBe(2 + 2 * 10);
    expect(summarize(arch!, 'm.pathsum')).toContain(
      '  stored as\n    embed.W_E ← "transformer.wte.weight"\n' +
        '    blocks.0.attn.W_Q ← "transformer.h.0.attn.qkv.weight" (rows 1 of 3, linear)\n',
    );
    expect(summarize(arch!, 'm.pathsum')).toContain('    … and 10 more\n');
  });
});
