// The safetensors contract of docs/design.md §3: files built byte by byte as the format lays them out
// (8-byte little-endian header length, JSON header, byte buffer), every malformation rejected
// with one line naming the file and the tensor, F16/BF16 decoded bit-exactly, and weights loaded
// against a spec under TransformerLens names.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/numeric/backend.js';
import { readSafetensors, WeightsError, writeSafetensors } from '../../src/numeric/safetensors.js';
import { disposeWeights, loadWeights } from '../../src/numeric/weights.js';
import { compile } from '../../src/model/spec.js';

beforeAll(async () => {
  await useBackend(process.env.PATHSUM_TEST_BACKEND === 'cpu' ? 'cpu' : 'wasm');
});

const FILE = 'bad.safetensors';

/** A file: the header length (declared, or the header's own), the header text, the buffer. */
function layout(header: string, buffer: Uint8Array = new Uint8Array(0), declaredLength?: bigint): Uint8Array {
  const json = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + json.length + buffer.length);
  new DataView(out.buffer).setBigUint64(0, declaredLength ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(buffer, 8 + json.length);
  return out;
}

const bytes = (n: number) => new Uint8Array(n);

function f32(...values: number[]): Uint8Array {
  const out = new Uint8Array(4 * values.length);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => {
    view.setFloat32(4 * i, v, true);
  });
  return out;
}

function u16(...bits: number[]): Uint8Array {
  const out = new Uint8Array(2 * bits.length);
  const view = new DataView(out.buffer);
  bits.forEach((b, i) => {
    view.setUint16(2 * i, b, true);
  });
  return out;
}

const entry = (dtype: string, shape: number[], begin: number, end: number) => ({
  dtype,
  shape,
  data_offsets: [begin, end],
});

function errorOf(run: () => unknown): WeightsError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(WeightsError);
    expect((error as Error).message).not.toContain('\n');
    return error as WeightsError;
  }
  throw new Error('expected a WeightsError, but nothing was thrown');
}

// [case, file bytes, the exact message after `bad.safetensors: `]
const malformed: [string, Uint8Array, string][] = [
  ['shorter than the length field', bytes(3), 'not a safetensors file: 3 bytes, fewer than the 8-byte header length'],
  ['empty', bytes(0), 'not a safetensors file: 0 bytes, fewer than the 8-byte header length'],
  [
    'header length over the limit',
    layout('{}', undefined, 100_000_001n),
    'header length 100000001 exceeds the limit of 100000000 bytes',
  ],
  [
    'header length 2^64 − 1',
    layout('{}', undefined, 2n ** 64n - 1n),
    'header length 18446744073709551615 exceeds the limit of 100000000 bytes',
  ],
  [
    'header cut short',
    layout('{"a":', undefined, 64n),
    'truncated: the header claims 64 bytes but the file has 5 after the length',
  ],
  ['header is a list', layout('[1, 2]'), 'the header must be a JSON object'],
  ['header is a string', layout('"F32"'), 'the header must be a JSON object'],
  ['header is null', layout('null'), 'the header must be a JSON object'],
  ['entry not an object', layout('{"a":3}'), 'tensor a: its header entry must be an object'],
  [
    'unsupported dtype I64',
    layout(JSON.stringify({ a: entry('I64', [1], 0, 8) }), bytes(8)),
    'tensor a: dtype "I64" is not supported (F32, F16 or BF16)',
  ],
  [
    'dtype missing',
    layout('{"a":{"shape":[1],"data_offsets":[0,4]}}', bytes(4)),
    'tensor a: dtype undefined is not supported (F32, F16 or BF16)',
  ],
  [
    'dtype from Object.prototype',
    layout(JSON.stringify({ a: entry('constructor', [1], 0, 4) }), bytes(4)),
    'tensor a: dtype "constructor" is not supported (F32, F16 or BF16)',
  ],
  [
    'negative dimension',
    layout(JSON.stringify({ a: entry('F32', [-1], 0, 4) }), bytes(4)),
    'tensor a: shape must be a list of non-negative integers',
  ],
  [
    'fractional dimension',
    layout(JSON.stringify({ a: entry('F32', [1.5], 0, 4) }), bytes(4)),
    'tensor a: shape must be a list of non-negative integers',
  ],
  [
    'offsets missing',
    layout('{"a":{"dtype":"F32","shape":[1]}}', bytes(4)),
    'tensor a: data_offsets must be [begin, end]',
  ],
  [
    'three offsets',
    layout('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}', bytes(8)),
    'tensor a: data_offsets must be [begin, end]',
  ],
  [
    'shape needs more bytes than the offsets hold',
    layout(JSON.stringify({ a: entry('F32', [2, 2], 0, 12) }), bytes(12)),
    'tensor a: data_offsets [0, 12] hold 12 bytes, but shape [2, 2] of F32 needs 16',
  ],
  [
    'F16 counted as 4 bytes',
    layout(JSON.stringify({ h: entry('F16', [3], 0, 12) }), bytes(12)),
    'tensor h: data_offsets [0, 12] hold 12 bytes, but shape [3] of F16 needs 6',
  ],
  [
    'offsets reversed',
    layout(JSON.stringify({ a: entry('F32', [2], 8, 0) }), bytes(8)),
    'tensor a: data_offsets [8, 0] hold -8 bytes, but shape [2] of F32 needs 8',
  ],
  [
    'overlapping ranges',
    layout(JSON.stringify({ a: entry('F32', [2], 0, 8), b: entry('F32', [2], 4, 12) }), bytes(12)),
    'tensor b: its bytes [4, 12) overlap those of tensor a [0, 8)',
  ],
  [
    'two tensors on the same bytes',
    layout(JSON.stringify({ a: entry('F32', [2], 0, 8), b: entry('F32', [2], 0, 8) }), bytes(8)),
    'tensor b: its bytes [0, 8) overlap those of tensor a [0, 8)',
  ],
  [
    'a gap between tensors',
    layout(JSON.stringify({ a: entry('F32', [2], 0, 8), b: entry('F32', [2], 12, 20) }), bytes(20)),
    'tensor b: its bytes begin at 12, expected 8 (offsets must be contiguous from 0, without gaps)',
  ],
  [
    'a gap before the first tensor',
    layout(JSON.stringify({ a: entry('F32', [2], 4, 12) }), bytes(12)),
    'tensor a: its bytes begin at 4, expected 0 (offsets must be contiguous from 0, without gaps)',
  ],
  [
    'trailing bytes',
    layout(JSON.stringify({ a: entry('F32', [2], 0, 8) }), bytes(12)),
    'tensor a ends at byte 8 of the data buffer, but the buffer holds 12 bytes: trailing bytes',
  ],
  [
    'buffer cut short',
    layout(JSON.stringify({ a: entry('F32', [2], 0, 8) }), bytes(4)),
    'tensor a ends at byte 8 of the data buffer, but the buffer holds 4 bytes: truncated',
  ],
  [
    'bytes but no tensors',
    layout('{}', bytes(4)),
    'the tensors end at byte 0 of the data buffer, but the buffer holds 4 bytes: trailing bytes',
  ],
  ['__metadata__ a list', layout('{"__metadata__":["pt"]}'), '__metadata__ must be an object of strings'],
  ['__metadata__ null', layout('{"__metadata__":null}'), '__metadata__ must be an object of strings'],
  [
    '__metadata__ with a number',
    layout('{"__metadata__":{"format":"pt","step":100}}'),
    '__metadata__.step must be a string',
  ],
  // JSON.parse keeps the last of two equal keys; another reader may keep the first
  [
    'a tensor named twice',
    layout(`{"a":${JSON.stringify(entry('F32', [1], 0, 4))},"a":${JSON.stringify(entry('F32', [1], 0, 4))}}`, bytes(4)),
    'the header has the key a twice',
  ],
  [
    'a tensor named twice, once through an escape',
    layout(`{"a":${JSON.stringify(entry('F32', [1], 0, 4))},"\\u0061":${JSON.stringify(entry('F32', [1], 4, 8))}}`),
    'the header has the key a twice',
  ],
  [
    'a dtype given twice',
    layout('{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4],"dtype":"F32"}}', bytes(4)),
    'the header has the key dtype twice (in the entry of a)',
  ],
  [
    'a metadata key given twice',
    layout('{"__metadata__":{"format":"pt","format":"np"}}'),
    'the header has the key format twice (in the entry of __metadata__)',
  ],
  [
    '__metadata__ given twice',
    layout('{"__metadata__":{},"__metadata__":{"format":"pt"}}'),
    'the header has the key __metadata__ twice',
  ],
  // names are shown on one line, quoted when they hold spaces or invisible characters
  [
    'a name with a line feed',
    layout(`{"a\\nb":${JSON.stringify(entry('I64', [1], 0, 8))}}`, bytes(8)),
    'tensor "a\\nb": dtype "I64" is not supported (F32, F16 or BF16)',
  ],
  [
    'a name with a line separator',
    layout(`{"a\u2028b":${JSON.stringify(entry('I64', [1], 0, 8))}}`, bytes(8)),
    'tensor "a\\u2028b": dtype "I64" is not supported (F32, F16 or BF16)',
  ],
  [
    'an empty name',
    layout(`{"":${JSON.stringify(entry('F32', [2], 0, 4))}}`, bytes(4)),
    'tensor "": data_offsets [0, 4] hold 4 bytes, but shape [2] of F32 needs 8',
  ],
  [
    'a dtype that is a long list',
    layout(`{"a":{"dtype":[${'1,'.repeat(99)}1],"shape":[1],"data_offsets":[0,4]}}`, bytes(4)),
    `tensor a: dtype [${'1,'.repeat(19)}1… is not supported (F32, F16 or BF16)`,
  ],
];

describe('readSafetensors rejects malformed files with one line naming the file and the tensor', () => {
  it.each(malformed)('%s', (_, file, message) => {
    expect(errorOf(() => readSafetensors(file, FILE)).message).toBe(`${FILE}: ${message}`);
  });

  // The JSON parser's own explanation follows the fixed part of the message; it varies with the engine.
  it.each([
    ['header not JSON', layout('{"a": F32}')],
    ['header empty', layout('')],
    ['header not UTF-8', layout('{"a":1}').map((b, i) => (i === 9 ? 0xff : b))],
    ['header after a byte-order mark', layout(`\uFEFF${JSON.stringify({ a: entry('F32', [1], 0, 4) })}`, bytes(4))],
  ])('%s', (_, file) => {
    expect(errorOf(() => readSafetensors(file, FILE)).message).toMatch(
      /^bad\.safetensors: the header is not valid UTF-8 JSON \(.+\)$/,
    );
  });

  it(
    'accepts what the reference reader accepts: ' +
      'a padded header, metadata, an empty tensor, tensors listed out of offset order',
    () => {
      const header = JSON.stringify({
        b: entry('F32', [1], 0, 4),
        empty: entry('F32', [0, 3], 4, 4),
        a: entry('BF16', [2], 4, 8),
        __metadata__: { format: 'pt' },
      });
      const file = readSafetensors(
        layout(`${header}     `, new Uint8Array([...f32(2.5), ...u16(0x3f80, 0xc000)])),
        'ok.safetensors',
      );
      expect(file.metadata).toEqual({ format: 'pt' });
      expect([...file.tensors.keys()].sort()).toEqual(['a', 'b', 'empty']);
      expect([...file.tensors.get('a')!.data]).toEqual([1, -2]);
      expect([...file.tensors.get('b')!.data]).toEqual([2.5]);
      expect(file.tensors.get('empty')).toEqual({ dtype: 'F32', shape: [0, 3], data: new Float32Array(0) });
    },
  );

  it("the JSON parser's quotation of the header is escaped: no control character reaches the terminal", () => {
    const message = errorOf(() => readSafetensors(layout('{"a":{"dtype":\u001b[2J"F32"}}'), FILE)).message;
    expect(message).toMatch(/^bad\.safetensors: the header is not valid UTF-8 JSON \(.*\\u001b\[2J.*\)$/);
    expect(message).not.toMatch(/\p{Cc}/u);
  });

  it(
    'a WeightsError is one line whatever it is given: ' + 'control characters and separators escaped, the rest kept',
    () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary' }), text => {
          const { message } = new WeightsError(text);
          expect(message).not.toMatch(/[\p{Cc}\p{Zl}\p{Zp}]|\p{Cs}/u);
          expect(message.replace(/\\u[0-9a-f]{4}/g, '')).toBe(
            text.replace(/\\u[0-9a-f]{4}/g, '').replace(/[\p{Cc}\p{Zl}\p{Zp}]|\p{Cs}/gu, ''),
          );
        }),
      );
    },
  );

  it('equal keys in different objects, and brackets, commas and quotes inside strings, are no duplicates', () => {
    const header = JSON.stringify({
      __metadata__: { dtype: 'a', 'x"}': '{"a":1, "a":2}', '\\': ',"' },
      dtype: entry('F32', [1], 0, 4),
      'a,"b': entry('F32', [1], 4, 8),
      '{': entry('F32', [0], 8, 8),
    });
    const file = readSafetensors(layout(header, f32(1, 2)), FILE);
    expect([...file.tensors.keys()].sort()).toEqual(['a,"b', 'dtype', '{']);
    expect(file.metadata).toEqual({ dtype: 'a', 'x"}': '{"a":1, "a":2}', '\\': ',"' });
  });

  it('reads a file whose bytes start inside a larger buffer (a Node Buffer slice)', () => {
    const file = layout(JSON.stringify({ a: entry('F32', [1], 0, 4) }), f32(-3));
    const padded = new Uint8Array(file.length + 3);
    padded.set(file, 3);
    expect([...readSafetensors(padded.subarray(3), FILE).tensors.get('a')!.data]).toEqual([-3]);
  });
});

// Bit patterns written out by hand from IEEE 754 binary16 and bfloat16 (the top half of binary32).
const f16Cases: [number, number][] = [
  [0x3c00, 1],
  [0x3800, 0.5],
  [0xc000, -2],
  [0x3555, 0.333251953125], // exponent 13 − 15, fraction 0x155/1024
  [0x7bff, 65504], // the largest finite half
  [0x0400, 2 ** -14], // the smallest normal
  [0x03ff, 1023 * 2 ** -24], // the largest subnormal
  [0x0001, 2 ** -24], // the smallest subnormal
  [0x8001, -(2 ** -24)],
  [0x0000, 0],
  [0x8000, -0],
  [0x7c00, Infinity],
  [0xfc00, -Infinity],
  [0x7e00, NaN],
];

const bf16Cases: [number, number][] = [
  [0x3f80, 1],
  [0x3e80, 0.25],
  [0xc000, -2],
  [0x4049, 3.140625], // 2 · (1 + 0x49/128)
  [0x7f7f, 2 ** 128 - 2 ** 120], // the largest finite bfloat16
  [0x0080, 2 ** -126], // the smallest normal
  [0x0001, 2 ** -133], // the smallest subnormal
  [0x807f, -127 * 2 ** -133],
  [0x0000, 0],
  [0x8000, -0],
  [0x7f80, Infinity],
  [0xff80, -Infinity],
  [0x7fc0, NaN],
];

describe('F16 and BF16 decode bit-exactly', () => {
  it.each([
    ['F16', f16Cases],
    ['BF16', bf16Cases],
  ] as const)('%s', (dtype, cases) => {
    const header = JSON.stringify({ x: entry(dtype, [cases.length], 0, 2 * cases.length) });
    const decoded = readSafetensors(layout(header, u16(...cases.map(([bits]) => bits))), FILE).tensors.get('x')!;
    expect(decoded.dtype).toBe(dtype);
    cases.forEach(([bits, value], i) => {
      expect(decoded.data[i], `0x${bits.toString(16)}`).toBe(value); // toBe is Object.is: -0 and NaN count
    });
  });
});

// '\u{1F600}' (a surrogate pair) sorts after '\uFB01' in UTF-8 bytes, before it in UTF-16 units
const tensorName = fc
  .oneof(
    fc.string({ unit: 'binary', maxLength: 6 }),
    fc.constantFrom('__proto__', 'constructor', 'blocks.0.attn.W_Q', '', '\u{1F600}', '\uFB01'),
  )
  .filter(s => s !== '__metadata__');
const tensor = fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }).chain(shape =>
  fc.record({
    shape: fc.constant(shape),
    data: fc.float32Array({
      minLength: shape.reduce((p, s) => p * s, 1),
      maxLength: shape.reduce((p, s) => p * s, 1),
    }),
  }),
);

describe('writeSafetensors → readSafetensors', () => {
  it(
    'round-trips names, shapes, bit patterns and metadata; ' +
      'header padded to 8 bytes, keys sorted, offsets contiguous',
    () => {
      fc.assert(
        fc.property(
          fc.uniqueArray(fc.tuple(tensorName, tensor), { selector: ([name]) => name, maxLength: 5 }),
          fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
          (list, metadata) => {
            const tensors = new Map(list);
            const file = writeSafetensors(tensors, metadata);
            const headerLength = Number(new DataView(file.buffer).getBigUint64(0, true));
            expect(headerLength % 8).toBe(0);
            const read = readSafetensors(file, 'roundtrip.safetensors');
            expect(read.metadata).toEqual(metadata);
            expect(new Set(read.tensors.keys())).toEqual(new Set(tensors.keys()));
            for (const [name, t] of tensors) {
              const back = read.tensors.get(name)!;
              expect(back.dtype).toBe('F32');
              expect(back.shape).toEqual(t.shape);
              expect(
                new Uint32Array(
                  back.data.buffer.slice(back.data.byteOffset, back.data.byteOffset + back.data.byteLength),
                ),
              ).toEqual(new Uint32Array(t.data.slice().buffer));
            }
            const header = JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + headerLength))) as Record<
              string,
              { data_offsets: [number, number] }
            >;
            const names = Object.keys(header).filter(k => k !== '__metadata__');
            expect(names).toEqual([...tensors.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
            let end = 0;
            for (const k of names) {
              expect(header[k]!.data_offsets[0]).toBe(end);
              end = header[k]!.data_offsets[1];
            }
          },
        ),
        { numRuns: 200 },
      );
    },
  );

  it('orders keys by UTF-8 bytes as the Rust writer does: a (61) < ﬁ (EF AC 81) < 😀 (F0 9F 98 80)', () => {
    const t = { shape: [], data: new Float32Array(1) };
    const file = writeSafetensors(
      new Map([
        ['\u{1F600}', t],
        ['\uFB01', t],
        ['a', t],
      ]),
    );
    const header = new TextDecoder().decode(
      file.subarray(8, 8 + Number(new DataView(file.buffer).getBigUint64(0, true))),
    );
    expect(Object.keys(JSON.parse(header))).toEqual(['a', '\uFB01', '\u{1F600}']);
  });

  it('refuses a tensor named __metadata__', () => {
    expect(
      errorOf(() => writeSafetensors(new Map([['__metadata__', { shape: [1], data: new Float32Array(1) }]]))).message,
    ).toBe('a tensor cannot be named __metadata__: the format reserves that key');
  });
});

// ---- loading against a spec ------------------------------------------------------------------

const tiny = (extra = '') => compile(`model tiny {\n vocab 3; context 2; width 2\n embed\n unembed\n ${extra}\n}`)[0]!;

const W_E = [0.5, -1, 2, 0.25, -3, 1.5]; // [3, 2]
const W_U = [1, 0, -1, 0.5, 2, -0.75]; // [2, 3]

// The header as safetensors' save_file writes it: compact JSON, __metadata__ first, tensors in
// sorted order with contiguous offsets, padded with spaces to a multiple of 8.
function savedFile(tensors: [string, number[], number[]][]): Uint8Array {
  const sorted = [...tensors].sort(([a], [b]) => (a < b ? -1 : 1));
  let offset = 0;
  const entries = sorted.map(([name, shape, data]) => {
    const begin = offset;
    offset += 4 * data.length;
    return `"${name}":{"dtype":"F32","shape":[${shape.join(',')}],"data_offsets":[${begin},${offset}]}`;
  });
  const json = `{"__metadata__":{"format":"pt"},${entries.join(',')}}`;
  return layout(json + ' '.repeat((8 - (json.length % 8)) % 8), f32(...sorted.flatMap(([, , data]) => data)));
}

const standard: [string, number[], number[]][] = [
  ['unembed.W_U', [2, 3], W_U],
  ['embed.W_E', [3, 2], W_E],
];

function save(file: Uint8Array, name = 'model.safetensors'): string {
  const dir = mkdtempSync(join(tmpdir(), 'pathsum-st-'));
  const path = join(dir, name);
  writeFileSync(path, file);
  return path;
}

function loaded(arch: ReturnType<typeof tiny>, path: string) {
  const { weights, warnings } = loadWeights(arch, path);
  const values = Object.fromEntries([...weights].map(([k, t]) => [k, { shape: t.shape, data: [...t.dataSync()] }]));
  disposeWeights(weights);
  return { values, warnings };
}

describe('loadWeights', () => {
  it('a hand-laid save_file file loads under TransformerLens names, and writeSafetensors writes the same bytes', () => {
    const file = savedFile(standard);
    const headerLength = Number(new DataView(file.buffer).getBigUint64(0, true));
    expect(headerLength % 8).toBe(0);
    expect(new TextDecoder().decode(file.subarray(8, 8 + headerLength))).toBe(
      '{"__metadata__":{"format":"pt"},' +
        '"embed.W_E":{"dtype":"F32","shape":[3,2],"data_offsets":[0,24]},' +
        '"unembed.W_U":{"dtype":"F32","shape":[2,3],"data_offsets":[24,48]}}' +
        ' '.repeat(5),
    );
    const path = save(file);
    expect(loaded(tiny(), path)).toEqual({
      values: { 'embed.W_E': { shape: [3, 2], data: W_E }, 'unembed.W_U': { shape: [2, 3], data: W_U } },
      warnings: [],
    });
    const written = writeSafetensors(
      new Map(standard.map(([name, shape, data]) => [name, { shape, data: Float32Array.from(data) }])),
      { format: 'pt' },
    );
    expect(written).toEqual(file);
  });

  it('a directory holding model.safetensors', () => {
    const path = save(savedFile(standard));
    expect(loaded(tiny(), join(path, '..')).values['embed.W_E']!.data).toEqual(W_E);
  });

  it('F16 and BF16 tensors load as float32', () => {
    const header = JSON.stringify({
      'embed.W_E': entry('BF16', [3, 2], 0, 12),
      'unembed.W_U': entry('F16', [2, 3], 12, 24),
    });
    const path = save(
      layout(
        header,
        u16(0x3f80, 0xbf80, 0x4000, 0x3e80, 0xc040, 0x3fc0, 0x3c00, 0x0000, 0xbc00, 0x3800, 0x4000, 0xba00),
      ),
    );
    expect(loaded(tiny(), path).values).toEqual({
      'embed.W_E': { shape: [3, 2], data: [1, -1, 2, 0.25, -3, 1.5] },
      'unembed.W_U': { shape: [2, 3], data: [1, 0, -1, 0.5, 2, -0.75] },
    });
  });

  it('a renamed key is read under its new name and stored under the default one', () => {
    const arch = tiny('rename embed.W_E "tok_embeddings.weight"');
    const path = save(savedFile([['tok_embeddings.weight', [3, 2], W_E], standard[0]!]));
    expect(loaded(arch, path)).toEqual({
      values: { 'embed.W_E': { shape: [3, 2], data: W_E }, 'unembed.W_U': { shape: [2, 3], data: W_U } },
      warnings: [],
    });
  });

  it(
    'an unused tensor is refused, named with the count of the others; ' + 'allowExtra ignores them with a warning each',
    () => {
      const extra: [string, number[], number[]][] = [
        ['blocks.0.attn.W_Q', [1, 2, 2], [1, 2, 3, 4]],
        ['embed.W_e', [3, 2], W_E],
      ];
      const one = save(savedFile([...standard, extra[0]!]));
      const two = save(savedFile([...standard, ...extra]));
      const before = tf.memory().numTensors;
      expect(errorOf(() => loadWeights(tiny(), one)).message).toBe(
        `${one}: tensor blocks.0.attn.W_Q is not used by model 'tiny'; the allowExtra option ignores unused tensors`,
      );
      expect(errorOf(() => loadWeights(tiny(), two)).message).toBe(
        `${two}: tensor blocks.0.attn.W_Q is not used by model 'tiny' (and 1 more); ` +
          'the allowExtra option ignores unused tensors',
      );
      expect(tf.memory().numTensors).toBe(before);
      const { weights, warnings } = loadWeights(tiny(), two, { allowExtra: true });
      expect([...weights.keys()].sort()).toEqual(['embed.W_E', 'unembed.W_U']);
      expect([...weights.get('embed.W_E')!.dataSync()]).toEqual(W_E);
      disposeWeights(weights);
      expect(warnings).toEqual([
        `${two}: tensor blocks.0.attn.W_Q is not used by model 'tiny'`,
        `${two}: tensor embed.W_e is not used by model 'tiny'`,
      ]);
    },
  );

  const rejected: [string, () => ReturnType<typeof tiny>, () => Uint8Array, (file: string) => string][] = [
    [
      'a missing tensor',
      () => tiny(),
      () => savedFile([standard[1]!]),
      f => `${f}: tensor unembed.W_U is missing; the spec needs it with shape [2, 3]`,
    ],
    [
      'a wrong shape',
      () => tiny(),
      () => savedFile([['embed.W_E', [2, 3], W_E], standard[0]!]),
      f => `${f}: tensor embed.W_E has shape [2, 3], the spec needs [3, 2]`,
    ],
    [
      'a flattened tensor',
      () => tiny(),
      () => savedFile([['embed.W_E', [6], W_E], standard[0]!]),
      f => `${f}: tensor embed.W_E has shape [6], the spec needs [3, 2]`,
    ],
    [
      'a renamed tensor under its default name',
      () => tiny('rename embed.W_E "tok_embeddings.weight"'),
      () => savedFile(standard),
      f =>
        `${f}: tensor tok_embeddings.weight (renamed from embed.W_E) is missing; the spec needs it with shape [3, 2]`,
    ],
    [
      'NaN weights',
      () => tiny(),
      () => savedFile([['embed.W_E', [3, 2], [0, 1, 2, NaN, 4, 5]], standard[0]!]),
      f => `${f}: tensor embed.W_E holds NaN at flat index 3; weights must be finite`,
    ],
    [
      'NaN in a renamed tensor',
      () => tiny('rename embed.W_E "tok_embeddings.weight"'),
      () => savedFile([['tok_embeddings.weight', [3, 2], [NaN, 1, 2, 3, 4, 5]], standard[0]!]),
      f =>
        `${f}: tensor tok_embeddings.weight (renamed from embed.W_E) holds NaN at flat index 0; weights must be finite`,
    ],
    [
      'an infinite weight',
      () => tiny(),
      () => savedFile([standard[1]!, ['unembed.W_U', [2, 3], [0, 0, 0, 0, 0, -Infinity]]]),
      f => `${f}: tensor unembed.W_U holds -Infinity at flat index 5; weights must be finite`,
    ],
  ];

  it.each(rejected)('rejects %s, and leaves no tensor behind', (_, arch, file, message) => {
    const path = save(file());
    const before = tf.memory().numTensors;
    expect(errorOf(() => loadWeights(arch(), path)).message).toBe(message(path));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects a path that does not exist, and a directory without model.safetensors', () => {
    const path = join(tmpdir(), 'pathsum-no-such-dir', 'w.safetensors');
    expect(errorOf(() => loadWeights(tiny(), path)).message).toBe(`${path}: no such file or directory`);
    const dir = mkdtempSync(join(tmpdir(), 'pathsum-st-'));
    mkdirSync(join(dir, 'sub'));
    expect(errorOf(() => loadWeights(tiny(), join(dir, 'sub'))).message).toBe(
      `${join(dir, 'sub', 'model.safetensors')}: cannot read (ENOENT)`,
    );
  });

  it('a malformed file is reported with its path', () => {
    const path = save(layout('{}', bytes(4)));
    expect(errorOf(() => loadWeights(tiny(), path)).message).toBe(
      `${path}: the tensors end at byte 0 of the data buffer, but the buffer holds 4 bytes: trailing bytes`,
    );
  });
});

describe('a weights file is read header first', () => {
  // read, the device or the pipe would never end and the sparse file fail otherwise: the message and the
  // test timeout tell, without a clock (a timed assertion fails on a loaded machine)
  const atOnce = (run: () => void) => run();

  it.runIf(existsSync('/dev/zero'))('refuses /dev/zero at once instead of reading it forever', () => {
    atOnce(() => {
      expect(errorOf(() => loadWeights(tiny(), '/dev/zero')).message).toBe(
        '/dev/zero: not a regular file (a character device); weights are read from a safetensors file',
      );
    });
  });

  it.runIf(process.platform !== 'win32')('refuses a named pipe without waiting for a writer', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'pathsum-st-')), 'pipe.safetensors');
    execFileSync('mkfifo', [path]);
    atOnce(() => {
      expect(errorOf(() => loadWeights(tiny(), path)).message).toBe(
        `${path}: not a regular file (a named pipe); weights are read from a safetensors file`,
      );
    });
  });

  it('refuses a directory named model.safetensors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pathsum-st-'));
    mkdirSync(join(dir, 'model.safetensors'));
    expect(errorOf(() => loadWeights(tiny(), dir)).message).toBe(
      `${join(dir, 'model.safetensors')}: not a regular file (a directory); weights are read from a safetensors file`,
    );
  });

  // the header of `standard` as save_file lays it out: 168 bytes, then 48 of data
  const N = 168;

  // 16 GiB of holes after a valid header: readFileSync would fail or exhaust memory; the header is checked first
  // (NTFS would write the zeros out: Linux and macOS only)
  it.runIf(process.platform !== 'win32')('refuses a sparse 16 GiB file from its header and size alone', () => {
    expect(savedFile(standard).length).toBe(8 + N + 48);
    const path = save(savedFile(standard));
    truncateSync(path, 2 ** 34);
    atOnce(() => {
      expect(errorOf(() => loadWeights(tiny(), path)).message).toBe(
        `${path}: tensor unembed.W_U ends at byte 48 of the data buffer, ` +
          `but the buffer holds ${2 ** 34 - 8 - N} bytes: trailing bytes`,
      );
    });
  });

  it('a file shorter than its header says, and a header length over the limit, are one line each', () => {
    const cut = save(savedFile(standard).subarray(0, 100));
    expect(errorOf(() => loadWeights(tiny(), cut)).message).toBe(
      `${cut}: truncated: the header claims ${N} bytes but the file has 92 after the length`,
    );
    const short = save(savedFile(standard).subarray(0, 8 + N + 40));
    expect(errorOf(() => loadWeights(tiny(), short)).message).toBe(
      `${short}: tensor unembed.W_U ends at byte 48 of the data buffer, but the buffer holds 40 bytes: truncated`,
    );
    const huge = save(layout('{}', undefined, 2n ** 63n));
    expect(errorOf(() => loadWeights(tiny(), huge)).message).toBe(
      `${huge}: header length 9223372036854775808 exceeds the limit of 100000000 bytes`,
    );
    const tiny3 = save(bytes(3));
    expect(errorOf(() => loadWeights(tiny(), tiny3)).message).toBe(
      `${tiny3}: not a safetensors file: 3 bytes, fewer than the 8-byte header length`,
    );
  });
});
