// The semantic checks of a spec (src/language/check.ts, issue 15), in process: every refusal with its exact
// reason, hint, line and column, written out by hand, and the architecture a good spec checks to. The weight keys
// are the model's own (src/model/spec.ts), listed in docs/design.md §3, except where a test hands its own.
import { describe, expect, it } from 'vitest';
import type { Architecture } from '../../src/language/architecture.js';
import type { ModelStatement } from '../../src/language/ast.js';
import { check, LAYER_LIMIT } from '../../src/language/check.js';
import { compileWith } from '../../src/language/index.js';
import { failer } from '../../src/language/parse.js';
import { compile, SpecError } from '../../src/model/spec.js';

const FILE = 'checks.pathsum';

/** A model whose body starts on line 6, after vocab 8, context 4, width 4 and embed. */
const model = (body: string) => `model m {\n  vocab 8\n  context 4\n  width 4\n  embed\n${body}\n}\n`;

function specError(run: () => unknown): SpecError {
  try {
    run();
  } catch (e) {
    if (e instanceof SpecError) return e;
    throw e;
  }
  throw new Error('the spec was accepted');
}

const refusal = (text: string) => specError(() => compile(text, FILE));

const accepted = (body: string): Architecture => compile(model(body), FILE)[0]!;

interface Refusal {
  name: string;
  text: string;
  line: number;
  col: number;
  reason: string;
  hint?: string;
}

function expectRefusal({ text, line, col, reason, hint }: Refusal): void {
  const e = refusal(text);
  expect({ reason: e.reason, line: e.line, col: e.col, hint: e.hint }).toEqual({ reason, line, col, hint });
  expect(e.message.split('\n')[0]).toBe(`${FILE}:${line}:${col}: ${reason}`);
}

const bilinear = '  layer { bilinear hidden 4 }';
const full = '  layer {\n    attention heads 2 size 2\n    bilinear hidden 4 bias\n  }';

describe('model statements', () => {
  it.each<Refusal>([
    {
      name: 'a second model of the same name',
      text: `${model(`${bilinear}\n  unembed`)}model m {\n  vocab 8\n}\n`,
      line: 9,
      col: 1,
      reason: "a second model named 'm' (the first is on line 1)",
      hint: 'give each model its own name',
    },
    {
      name: 'a dimension twice',
      text: model(`  vocab 9\n${bilinear}\n  unembed`),
      line: 6,
      col: 3,
      reason: "'vocab' is given twice (first on line 2)",
    },
    {
      name: 'two norms in the body',
      text: model(`${bilinear}\n  norm rms\n  norm layer\n  unembed`),
      line: 7,
      col: 3,
      reason: "'norm rms' here applies to nothing: in a model body it must come right before 'unembed'",
      hint: 'put a block norm inside the layer, before its block',
    },
    {
      name: 'a body norm before a layer',
      text: model(`  norm layer\n${bilinear}\n  unembed`),
      line: 6,
      col: 3,
      reason: "'norm layer' here applies to nothing: in a model body it must come right before 'unembed'",
      hint: 'put a block norm inside the layer, before its block',
    },
    {
      name: 'a norm after the unembedding',
      text: model(`${bilinear}\n  unembed\n  norm rms`),
      line: 8,
      col: 3,
      reason: "'norm rms' applies to nothing: it must come right before 'unembed'",
    },
    {
      name: 'the embedding after a layer',
      text: `model m {\n  vocab 8\n  context 4\n  width 4\n${bilinear}\n  embed\n  unembed\n}\n`,
      line: 6,
      col: 3,
      reason: "'embed' must come before the layers",
    },
    {
      name: 'a layer after the unembedding',
      text: model(`  unembed\n${bilinear}`),
      line: 7,
      col: 3,
      reason: 'layers must come before the unembedding',
    },
  ])('refuses $name', expectRefusal);

  const parts = ['  vocab 8', '  context 4', '  width 4', '  embed', bilinear, '  unembed'];
  it.each([
    ['vocab', 'vocab V', 0],
    ['context', 'context N', 1],
    ['width', 'width D', 2],
    ['embed', 'embed', 3],
    ['unembed', 'unembed', 5],
  ])("refuses a model without '%s', at the model, with the statement to add", (what, example, index) => {
    const text = `\nmodel m {\n${parts.filter((_, i) => i !== index).join('\n')}\n}\n`;
    expectRefusal({
      name: what,
      text,
      line: 2,
      col: 1,
      reason: `model 'm' has no '${what}'`,
      hint: `add '${example}' to its body`,
    });
  });

  it('reads the sizes, the embedding and the unembedding as written', () => {
    const text =
      'model big {\n  width 6\n  context 5\n  vocab 7\n  embed positional\n' +
      '  layer { bilinear hidden 4 }\n  unembed bias\n}\n';
    const [arch] = compile(text, FILE);
    expect(arch).toStrictEqual({
      name: 'big',
      vocab: 7,
      context: 5,
      width: 6,
      positional: true,
      layers: [{ bilinear: { hidden: 4, bias: false } }],
      unembed: { bias: true },
      renames: new Map(),
    });
    expect(accepted(`${bilinear}\n  unembed`).positional).toBe(false);
  });

  it('accepts several layer, layers, rename and norm statements in one body', () => {
    const arch = accepted(
      `${bilinear}\n${full}\n  layers 2 { attention heads 1 size 4 }\n  layers 1 { bilinear hidden 2 }\n  norm rms\n` +
        '  unembed\n  rename embed.W_E e\n  rename unembed.W_U u',
    );
    expect(arch.layers.map(l => [l.attention?.heads, l.bilinear?.hidden])).toEqual([
      [undefined, 4],
      [2, 4],
      [1, undefined],
      [1, undefined],
      [undefined, 2],
    ]);
    expect([...arch.renames.keys()]).toEqual(['embed.W_E', 'unembed.W_U']);
  });
});

describe('the layer limit', () => {
  const limitText =
    'model deep {\n  vocab 8\n  context 4\n  width 4\n  embed\n' +
    `  layers ${LAYER_LIMIT - 1} { bilinear hidden 4 }\n`;
  const limitHint = 'the limit keeps every command bounded; real models have at most a few hundred layers';

  it('is 10,000 layers, and a model of exactly that many is accepted', () => {
    expect(LAYER_LIMIT).toBe(10_000);
    const [arch] = compile(`${limitText}${bilinear}\n  unembed\n}\n`, FILE);
    expect(arch!.layers).toHaveLength(10_000);
  });

  it('refuses the statement that goes one layer beyond it, with the total', () => {
    expectRefusal({
      name: 'one more',
      text: `${limitText}${bilinear}\n${bilinear}\n  unembed\n}\n`,
      line: 8,
      col: 3,
      reason: "model 'deep' would have 10001 layers; the limit is 10000",
      hint: limitHint,
    });
    expectRefusal({
      name: 'one layers statement',
      text: model('  layers 10001 { bilinear hidden 4 }\n  unembed'),
      line: 6,
      col: 3,
      reason: "model 'm' would have 10001 layers; the limit is 10000",
      hint: limitHint,
    });
  });
});

describe('layer bodies', () => {
  it.each<Refusal>([
    {
      name: 'two norms in a row',
      text: model('  layer {\n    norm rms\n    norm layer\n    bilinear hidden 4\n  }\n  unembed'),
      line: 8,
      col: 5,
      reason: 'two norms in a row: a norm applies to the one block that follows it',
    },
    {
      name: 'a second attention block',
      text: model('  layer {\n    attention heads 1 size 4\n    attention heads 2 size 2\n  }\n  unembed'),
      line: 8,
      col: 5,
      reason: 'a second attention block in one layer',
      hint: "start a new 'layer { … }' for it",
    },
    {
      name: 'attention after the bilinear block',
      text: model('  layer {\n    bilinear hidden 4\n    attention heads 1 size 4\n  }\n  unembed'),
      line: 8,
      col: 5,
      reason: 'attention after the bilinear block: within a layer, attention comes first',
      hint: "move it up, or start a new 'layer { … }'",
    },
    {
      name: 'a second bilinear block',
      text: model('  layers 2 {\n    bilinear hidden 4\n    norm rms\n    bilinear hidden 2\n  }\n  unembed'),
      line: 9,
      col: 5,
      reason: 'a second bilinear block in one layer',
      hint: "start a new 'layer { … }' for it",
    },
    {
      name: 'a norm at the end of a layer',
      text: model('  layer {\n    bilinear hidden 4\n    norm layer\n  }\n  unembed'),
      line: 8,
      col: 5,
      reason: "'norm layer' at the end of a layer applies to nothing",
      hint: 'a norm goes right before the block it normalizes',
    },
  ])('refuses $name', expectRefusal);

  it('refuses a layer without a block, at the layer (an AST the parser never builds: its body is empty)', () => {
    const at = (line: number) => ({ line, col: 3 });
    const body: ModelStatement[] = [
      { kind: 'vocab', value: 8, loc: at(2) },
      { kind: 'context', value: 4, loc: at(3) },
      { kind: 'width', value: 4, loc: at(4) },
      { kind: 'embed', positional: false, loc: at(5) },
      { kind: 'layer', body: [], loc: at(6) },
      { kind: 'unembed', bias: false, loc: at(7) },
    ];
    const e = specError(() =>
      check({ models: [{ name: 'm', body, loc: { line: 1, col: 1 } }] }, failer('', FILE), () => new Map()),
    );
    expect([e.reason, e.line, e.col, e.hint]).toEqual([
      'a layer needs an attention or bilinear block',
      6,
      3,
      undefined,
    ]);
  });

  it('gives each block and the unembedding the norm before it, with its options where not the defaults', () => {
    const arch = accepted(
      '  layer {\n    norm rms nogain eps 1e-8\n    attention heads 2 size 2\n' +
        '    norm layer\n    bilinear hidden 4 bias\n  }\n' +
        '  layer {\n    norm layer nogain\n    attention heads 1 size 4 bias\n' +
        '    norm rms eps 0.001\n    bilinear hidden 2\n  }\n' +
        '  layer { attention heads 4 size 1 }\n  norm layer eps 1e-6\n  unembed bias',
    );
    expect(arch.layers).toStrictEqual([
      {
        attention: { heads: 2, headSize: 2, bias: false, norm: 'rms', normOptions: { gain: false, eps: 1e-8 } },
        bilinear: { hidden: 4, bias: true, norm: 'layer' },
      },
      {
        attention: { heads: 1, headSize: 4, bias: true, norm: 'layer', normOptions: { gain: false } },
        bilinear: { hidden: 2, bias: false, norm: 'rms', normOptions: { eps: 0.001 } },
      },
      { attention: { heads: 4, headSize: 1, bias: false } },
    ]);
    expect(arch.unembed).toStrictEqual({ bias: true, norm: 'layer', normOptions: { eps: 1e-6 } });
    expect(accepted(`${bilinear}\n  norm rms\n  unembed`).unembed).toStrictEqual({ bias: false, norm: 'rms' });
    expect(accepted(`${bilinear}\n  norm rms nogain\n  unembed`).unembed).toStrictEqual({
      bias: false,
      norm: 'rms',
      normOptions: { gain: false },
    });
  });
});

describe('renames', () => {
  const sharingHint = "renames may share a stored tensor only as different parts of it, 'rows I of N'";
  /** Renames after a model of two full layers: its rename statements start on line 15. */
  const renaming = (renames: string) => model(`${full}\n${full}\n  unembed\n${renames}`);

  it.each<Refusal>([
    {
      name: 'a key twice',
      text: renaming('  rename embed.W_E a\n  rename embed.W_E b'),
      line: 16,
      col: 3,
      reason: "'embed.W_E' is renamed twice",
    },
    {
      name: 'a key twice, once through {l}',
      text: renaming('  rename blocks.{l}.mlp.W_in "w.{l}"\n  rename blocks.1.mlp.W_in w'),
      line: 16,
      col: 3,
      reason: "'blocks.1.mlp.W_in' is renamed twice",
    },
    {
      name: 'a name that is another tensor’s default key',
      text: renaming('  rename embed.W_E unembed.W_U'),
      line: 15,
      col: 3,
      reason: "'unembed.W_U' would name two tensors ('unembed.W_U' and 'embed.W_E')",
      hint: sharingHint,
    },
    {
      name: 'one name for two whole tensors',
      text: renaming('  rename embed.W_E t\n  rename unembed.W_U t'),
      line: 16,
      col: 3,
      reason: "'t' would name two tensors ('embed.W_E' and 'unembed.W_U')",
      hint: sharingHint,
    },
    {
      name: '{l} outside a per-layer key',
      text: renaming('  rename embed.{l}.W_E "e.{l}"'),
      line: 15,
      col: 3,
      reason: "'embed.{l}.W_E': '{l}' stands for every layer, so it goes only in a per-layer key",
      hint: 'write e.g. \'rename blocks.{l}.attn.W_O "h.{l}.o"\'',
    },
    {
      name: 'a per-layer key behind a prefix',
      text: renaming('  rename xblocks.{l}.attn.W_Q "q.{l}"'),
      line: 15,
      col: 3,
      reason: "'xblocks.{l}.attn.W_Q': '{l}' stands for every layer, so it goes only in a per-layer key",
      hint: 'write e.g. \'rename blocks.{l}.attn.W_O "h.{l}.o"\'',
    },
    {
      name: 'a second {l} in a key',
      text: renaming('  rename blocks.{l}.attn.W_Q{l} "q.{l}"'),
      line: 15,
      col: 3,
      reason: "'blocks.{l}.attn.W_Q{l}': '{l}' stands for every layer, so it goes only in a per-layer key",
      hint: 'write e.g. \'rename blocks.{l}.attn.W_O "h.{l}.o"\'',
    },
    {
      name: '{l} in the name only',
      text: renaming('  rename embed.W_E "e.{l}"'),
      line: 15,
      col: 3,
      reason: "'{l}' in 'e.{l}' needs a '{l}' in the key 'embed.W_E' too",
    },
    {
      name: 'an unknown key, with the nearest one',
      text: renaming('  rename embed.W_F e'),
      line: 15,
      col: 3,
      reason: "cannot rename 'embed.W_F': this model has no such weight",
      hint: "did you mean 'embed.W_E'?",
    },
    {
      name: 'an unknown layer key, with the nearest one of its layer',
      text: renaming('  rename blocks.1.attn.W_QQ q'),
      line: 15,
      col: 3,
      reason: "cannot rename 'blocks.1.attn.W_QQ': this model has no such weight",
      hint: "did you mean 'blocks.1.attn.W_Q'?",
    },
    {
      name: 'an unknown key of layer 0, with the nearest one',
      text: renaming('  rename blocks.0.attn.W_QQ q'),
      line: 15,
      col: 3,
      reason: "cannot rename 'blocks.0.attn.W_QQ': this model has no such weight",
      hint: "did you mean 'blocks.0.attn.W_Q'?",
    },
    {
      name: 'an unknown per-layer key, with the nearest one as a per-layer key',
      text: renaming('  rename blocks.{l}.attn.W_QQ "q.{l}"'),
      line: 15,
      col: 3,
      reason: "cannot rename 'blocks.{l}.attn.W_QQ': this model has no such weight in any layer",
      hint: "did you mean 'blocks.{l}.attn.W_Q'?",
    },
    {
      // blocks.0.lx is 4 edits from blocks.0.ln1.w, close enough for its 11 characters; blocks..lx would not be
      name: 'a short unknown per-layer key, guessed as in layer 0',
      text: model(
        '  layer {\n    norm rms\n    attention heads 1 size 4\n  }\n  unembed\n  rename blocks.{l}.lx "x.{l}"',
      ),
      line: 11,
      col: 3,
      reason: "cannot rename 'blocks.{l}.lx': this model has no such weight in any layer",
      hint: "did you mean 'blocks.{l}.ln1.w'?",
    },
    {
      name: 'an unknown key far from every key',
      text: renaming('  rename zzz q'),
      line: 15,
      col: 3,
      reason: "cannot rename 'zzz': this model has no such weight",
      hint: 'rename one of the keys that `pathsum check` lists',
    },
    {
      name: 'linear on a vector',
      text: renaming('  rename blocks.0.mlp.b_in b linear'),
      line: 15,
      col: 3,
      reason: "'linear' reads an nn.Linear weight, but 'blocks.0.mlp.b_in' is a vector",
      hint: "drop 'linear' for a bias",
    },
    {
      name: 'transposed on a per-head map',
      text: renaming('  rename blocks.0.attn.W_Q q transposed'),
      line: 15,
      col: 3,
      reason: "'transposed' applies to a matrix, but 'blocks.0.attn.W_Q' has 3 axes",
      hint: "use 'linear' for per-head maps",
    },
    {
      name: 'transposed on a vector',
      text: renaming('  rename unembed.W_U u\n  rename blocks.1.mlp.b_out b transposed'),
      line: 16,
      col: 3,
      reason: "'transposed' applies to a matrix, but 'blocks.1.mlp.b_out' has 1 axes",
      hint: "use 'linear' for per-head maps",
    },
  ])('refuses $name', expectRefusal);

  it('guesses a per-layer key only by replacing a leading blocks.0 (keys handed in by the caller)', () => {
    const keys = () => new Map([['zblocks.0.ab', [4]]]);
    const e = specError(() => compileWith(keys, renaming('  rename blocks.{l}.ab "a.{l}"'), FILE));
    expect([e.reason, e.hint]).toEqual([
      "cannot rename 'blocks.{l}.ab': this model has no such weight in any layer",
      "did you mean 'zblocks.0.ab'?",
    ]);
  });

  it.each([
    ['whole, then a part', '', ' rows 1 of 2'],
    ['a part, then whole', ' rows 2 of 2', ''],
    ['the same part twice', ' rows 1 of 2', ' rows 1 of 2'],
    ['parts of different cuts', ' rows 1 of 2', ' rows 2 of 3'],
  ])('refuses one stored tensor read %s', (_name, first, second) => {
    expectRefusal({
      name: _name,
      text: renaming(`  rename blocks.0.mlp.W_in w${first}\n  rename blocks.0.mlp.W_gate w${second}`),
      line: 16,
      col: 3,
      reason: "'w' would name two tensors ('blocks.0.mlp.W_in' and 'blocks.0.mlp.W_gate')",
      hint: sharingHint,
    });
  });

  it('refuses the third reader of a stored tensor that clashes with the first, naming the first', () => {
    expectRefusal({
      name: 'third',
      text: renaming(
        '  rename blocks.0.attn.W_Q qkv rows 1 of 3\n  rename blocks.0.attn.W_K qkv rows 2 of 3\n' +
          '  rename blocks.0.attn.W_V qkv rows 1 of 3',
      ),
      line: 17,
      col: 3,
      reason: "'qkv' would name two tensors ('blocks.0.attn.W_Q' and 'blocks.0.attn.W_V')",
      hint: sharingHint,
    });
  });

  it('expands {l} for every layer that has the key, and keeps each layout', () => {
    const arch = accepted(
      `${full}\n  layer { bilinear hidden 2 }\n  layers 2 { attention heads 2 size 2 }\n  unembed\n` +
        '  rename blocks.{l}.attn.W_Q "h.{l}.qkv" rows 1 of 3 linear\n' +
        '  rename blocks.{l}.attn.W_K "h.{l}.qkv" rows 2 of 3 linear\n' +
        '  rename blocks.{l}.attn.W_V "h.{l}.qkv" rows 3 of 3 linear\n' +
        '  rename blocks.{l}.mlp.W_in "m.{l}.w" rows 1 of 2 linear\n' +
        '  rename blocks.{l}.mlp.W_gate "m.{l}.w" rows 2 of 2 transposed\n' +
        '  rename blocks.{l}.mlp.b_out "m.{l}.b"\n' +
        '  rename unembed.W_U head transposed',
    );
    const qkv = (l: number, part: number) => ({
      name: `h.${l}.qkv`,
      layout: { rows: { part, of: 3 }, form: 'linear' },
    });
    expect(arch.renames).toStrictEqual(
      new Map<string, unknown>([
        ['blocks.0.attn.W_Q', qkv(0, 1)],
        ['blocks.2.attn.W_Q', qkv(2, 1)],
        ['blocks.3.attn.W_Q', qkv(3, 1)],
        ['blocks.0.attn.W_K', qkv(0, 2)],
        ['blocks.2.attn.W_K', qkv(2, 2)],
        ['blocks.3.attn.W_K', qkv(3, 2)],
        ['blocks.0.attn.W_V', qkv(0, 3)],
        ['blocks.2.attn.W_V', qkv(2, 3)],
        ['blocks.3.attn.W_V', qkv(3, 3)],
        ['blocks.0.mlp.W_in', { name: 'm.0.w', layout: { rows: { part: 1, of: 2 }, form: 'linear' } }],
        ['blocks.1.mlp.W_in', { name: 'm.1.w', layout: { rows: { part: 1, of: 2 }, form: 'linear' } }],
        ['blocks.0.mlp.W_gate', { name: 'm.0.w', layout: { rows: { part: 2, of: 2 }, form: 'transposed' } }],
        ['blocks.1.mlp.W_gate', { name: 'm.1.w', layout: { rows: { part: 2, of: 2 }, form: 'transposed' } }],
        ['blocks.0.mlp.b_out', { name: 'm.0.b', layout: {} }],
        ['unembed.W_U', { name: 'head', layout: { form: 'transposed' } }],
      ]),
    );
  });

  it('accepts a swap of two keys, each name freed by the other rename', () => {
    const arch = accepted(
      `${full}\n  unembed\n` +
        '  rename blocks.0.mlp.W_in blocks.0.mlp.W_gate\n  rename blocks.0.mlp.W_gate blocks.0.mlp.W_in',
    );
    expect(arch.renames).toStrictEqual(
      new Map([
        ['blocks.0.mlp.W_in', { name: 'blocks.0.mlp.W_gate', layout: {} }],
        ['blocks.0.mlp.W_gate', { name: 'blocks.0.mlp.W_in', layout: {} }],
      ]),
    );
  });

  it('accepts a per-head map read as linear and a vector renamed as it is stored', () => {
    const arch = accepted(`${full}\n  unembed\n  rename blocks.0.attn.W_O o linear\n  rename blocks.0.mlp.b_out ob`);
    expect(arch.renames).toStrictEqual(
      new Map([
        ['blocks.0.attn.W_O', { name: 'o', layout: { form: 'linear' } }],
        ['blocks.0.mlp.b_out', { name: 'ob', layout: {} }],
      ]),
    );
  });
});
