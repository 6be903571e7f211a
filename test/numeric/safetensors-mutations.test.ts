// Robustness of the safetensors reader: any byte-level mutation of a valid file (bytes flipped, set, inserted,
// deleted, the file cut short) is either read into tensors whose shapes and byte counts agree with the file, or
// refused with a WeightsError of one line without control characters; never another exception. The file reader
// (header first, through a file descriptor) agrees with the in-memory one on every mutant. And the duplicate-key
// scan agrees with a walk over the keys as written.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  readSafetensors,
  readSafetensorsFile,
  repeatedKey,
  type SafetensorsFile,
  WeightsError,
  writeSafetensors,
} from '../../src/numeric/safetensors.js';

const FILE = 'mutant.safetensors';
const sizes: Record<string, number> = { F32: 4, F16: 2, BF16: 2 };

/** A file laid out by hand: the length field, the header text, the buffer. */
function layout(header: string, buffer: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + json.length + buffer.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(buffer, 8 + json.length);
  return out;
}

const valid: Uint8Array[] = [
  writeSafetensors(
    new Map([
      ['embed.W_E', { shape: [3, 2], data: Float32Array.from([0.5, -1, 2, 0.25, -3, 1.5]) }],
      ['unembed.W_U', { shape: [2, 1], data: Float32Array.from([1, -1]) }],
      ['b', { shape: [], data: Float32Array.from([7]) }],
    ]),
    { format: 'pt' },
  ),
  // F16 and BF16, listed out of offset order, a padded header, an empty tensor
  layout(
    '{"h":{"dtype":"F16","shape":[2],"data_offsets":[4,8]},"e":{"dtype":"F32","shape":[0,3],"data_offsets":[8,8]},' +
      '"g":{"dtype":"BF16","shape":[1,2],"data_offsets":[0,4]}}   ',
    Uint8Array.from([0x80, 0x3f, 0x00, 0xc0, 0x00, 0x3c, 0x00, 0x38]),
  ),
];

// Bytes that steer the JSON somewhere: structure, digits, escapes, control characters, a line separator
// (E2 80 A8), invalid UTF-8 (FF) and a byte-order mark (EF BB BF).
const interesting = [...'"{}[],:0123456789-.eE\\u '].map(c => c.charCodeAt(0));
const control = fc.constantFrom(0, 1, 9, 10, 13, 0x1b, 0x7f);
const byte = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(...interesting, 0xff), control);
const run = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 4 }),
  fc.constantFrom(
    [0xe2, 0x80, 0xa8],
    [0xef, 0xbb, 0xbf],
    [0xc3],
    [...'"a"'].map(c => c.charCodeAt(0)),
  ),
);

type Mutation = (bytes: Uint8Array) => Uint8Array;
// positions are fractions of the length, so that one mutation lands anywhere in any file
const at = (bytes: Uint8Array, f: number) => Math.min(bytes.length, Math.floor(f * (bytes.length + 1)));
const position = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(position, fc.integer({ min: 1, max: 255 })).map(
    ([f, mask]): Mutation =>
      b => {
        const i = Math.min(at(b, f), b.length - 1);
        return i < 0 ? b : b.map((x, k) => (k === i ? x ^ mask : x));
      },
  ),
  fc.tuple(position, byte).map(
    ([f, v]): Mutation =>
      b => {
        const i = Math.min(at(b, f), b.length - 1);
        return i < 0 ? b : b.map((x, k) => (k === i ? v : x));
      },
  ),
  fc.tuple(position, run).map(
    ([f, bytes]): Mutation =>
      b => {
        const i = at(b, f);
        return Uint8Array.from([...b.subarray(0, i), ...bytes, ...b.subarray(i)]);
      },
  ),
  fc.tuple(position, fc.integer({ min: 1, max: 8 })).map(
    ([f, n]): Mutation =>
      b => {
        const i = at(b, f);
        return Uint8Array.from([...b.subarray(0, i), ...b.subarray(i + n)]);
      },
  ),
  position.map(
    (f): Mutation =>
      b =>
        b.slice(0, at(b, f)),
  ),
  // the length field: off by a little, or anything
  fc
    .oneof(fc.integer({ min: -9, max: 9 }).map(BigInt), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }))
    .map(
      (delta): Mutation =>
        b => {
          if (b.length < 8) return b;
          const out = b.slice();
          const view = new DataView(out.buffer);
          view.setBigUint64(0, BigInt.asUintN(64, view.getBigUint64(0, true) + delta), true);
          return out;
        },
    ),
);

const mutant = fc
  .tuple(fc.constantFrom(...valid), fc.array(mutation, { minLength: 1, maxLength: 4 }))
  .map(([file, mutations]) => mutations.reduce((b, m) => m(b), file));

type Outcome = { file: SafetensorsFile } | { error: unknown };
function outcome(read: () => SafetensorsFile): Outcome {
  try {
    return { file: read() };
  } catch (error) {
    return { error };
  }
}

/** What a read file must satisfy: every tensor's values fill its shape, and the dtypes' bytes fill the buffer. */
function checkConsistent(bytes: Uint8Array, { tensors, metadata }: SafetensorsFile): void {
  const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  let held = 0;
  for (const t of tensors.values()) {
    expect(t.shape.every(s => Number.isSafeInteger(s) && s >= 0)).toBe(true);
    expect(t.data.length).toBe(t.shape.reduce((p, s) => p * s, 1));
    held += t.data.length * sizes[t.dtype]!;
  }
  expect(8 + headerLength + held).toBe(bytes.length);
  for (const v of Object.values(metadata)) expect(typeof v).toBe('string');
}

function checkRefusal(error: unknown): void {
  expect(error).toBeInstanceOf(WeightsError);
  const { message } = error as WeightsError;
  expect(message.startsWith(`${FILE}: `)).toBe(true);
  expect(message).not.toMatch(/[\p{Cc}\p{Zl}\p{Zp}]|\p{Cs}/u);
}

describe('readSafetensors on mutated files', () => {
  it('reads consistent tensors or throws a one-line WeightsError, never anything else', () => {
    let read = 0;
    fc.assert(
      fc.property(mutant, bytes => {
        const result = outcome(() => readSafetensors(bytes, FILE));
        if ('file' in result) {
          read++;
          checkConsistent(bytes, result.file);
        } else checkRefusal(result.error);
      }),
      { numRuns: 3000 },
    );
    // the property must see both sides: some mutants (a changed value, added padding) are still valid files
    expect(read).toBeGreaterThan(0);
  });

  it('the file reader agrees with the in-memory reader on every mutant', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'pathsum-mutant-')), FILE);
    fc.assert(
      fc.property(mutant, bytes => {
        writeFileSync(path, bytes);
        const inMemory = outcome(() => readSafetensors(bytes, path));
        const fromFile = outcome(() => readSafetensorsFile(path));
        if ('file' in inMemory) expect(fromFile).toEqual(inMemory);
        else expect((fromFile as { error: Error }).error).toEqual(inMemory.error);
      }),
      { numRuns: 300 },
    );
  });
});

// JSON text with a chosen (possibly repeated) key list, keys and values drawn with quotes, backslashes, brackets
const key = fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom('a', '"', '\\', '{', '}', ',', ':', '['));
const value = fc.jsonValue({ maxDepth: 2 });
const object = (keys: readonly string[], values: readonly string[]) =>
  `{${keys.map((k, i) => `${JSON.stringify(k)} : ${values[i]}`).join(' ,')}}`;

/** The first key repeated in a list, as a reader walking the keys in order meets it. */
function firstRepeat(keys: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (const k of keys) {
    if (seen.has(k)) return k;
    seen.add(k);
  }
  return undefined;
}

describe('repeatedKey', () => {
  it('finds no repeat in JSON that JSON.stringify wrote, whatever its strings hold', () => {
    fc.assert(
      fc.property(fc.dictionary(key, value), fc.integer({ min: 0, max: 2 }), (o, indent) => {
        expect(repeatedKey(JSON.stringify(o, null, indent))).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });

  it('finds the first repeated top-level key, and a repeat inside an entry with the entry it is in', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(key, value), { maxLength: 6 }),
        fc.array(key, { minLength: 1, maxLength: 4 }),
        (entries, inner) => {
          const keys = entries.map(([k]) => k);
          const values = entries.map(([, v]) => JSON.stringify(v));
          const top = object(keys, values);
          const repeat = firstRepeat(keys);
          expect(repeatedKey(top)).toEqual(repeat === undefined ? undefined : { key: repeat });
          // an entry whose own keys are `inner`, under a fresh top-level key
          const unique = [...new Set(keys)];
          const entry = object(
            inner,
            inner.map(() => '0'),
          );
          const nested = object([...unique, '\u0000entry'], [...unique.map(() => '1'), entry]);
          const innerRepeat = firstRepeat(inner);
          expect(repeatedKey(nested)).toEqual(
            innerRepeat === undefined ? undefined : { key: innerRepeat, in: '\u0000entry' },
          );
        },
      ),
      { numRuns: 500 },
    );
  });
});
