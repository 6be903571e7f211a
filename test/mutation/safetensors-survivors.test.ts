// The safetensors reader's edges (src/numeric/safetensors.ts, issue 15), with files built byte by byte here: names
// and JSON cut at their limits, the header length at its limit, a byte-order mark, bad header entries one field at a
// time, and the file reader's failures. Reads in small chunks, a file that shrinks while read, an open without an
// error code and a descriptor of no known kind are injected into node:fs; everything else is the real filesystem.
import { constants } from 'node:buffer';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readSafetensors, readSafetensorsFile, WeightsError } from '../../src/numeric/safetensors.js';

/** What node:fs does differently for the next read: at most `chunk` bytes per readSync, no byte from `endAt` on. */
const inject: { chunk?: number; endAt?: number; openError?: Error; stats?: fs.Stats } = {};
const opened: number[] = [];
const closed: number[] = [];
/** The byte count of every readSync that returned bytes. */
const reads: number[] = [];

vi.mock('node:fs', async original => {
  const actual = await original<typeof import('node:fs')>();
  return {
    ...actual,
    openSync: (...args: Parameters<typeof actual.openSync>) => {
      if (inject.openError) throw inject.openError;
      const fd = actual.openSync(...args);
      opened.push(fd);
      return fd;
    },
    fstatSync: (...args: Parameters<typeof actual.fstatSync>) => inject.stats ?? actual.fstatSync(...args),
    readSync: (fd: number, buffer: Uint8Array, offset: number, length: number, position: number) => {
      const end = inject.endAt ?? Number.POSITIVE_INFINITY;
      if (position >= end) return 0;
      const got = actual.readSync(
        fd,
        buffer,
        offset,
        Math.min(length, inject.chunk ?? length, end - position),
        position,
      );
      reads.push(got);
      return got;
    },
    closeSync: (fd: number) => {
      closed.push(fd);
      actual.closeSync(fd);
    },
  };
});

afterEach(() => {
  for (const key of Object.keys(inject)) delete inject[key as keyof typeof inject];
  opened.length = 0;
  closed.length = 0;
  reads.length = 0;
});

const FILE = 'edge.safetensors';

/** The 8-byte little-endian length field, the header text as UTF-8, then the buffer. */
function layout(header: string | Uint8Array, buffer: number[] = []): Uint8Array {
  const json = typeof header === 'string' ? new TextEncoder().encode(header) : header;
  const out = new Uint8Array(8 + json.length + buffer.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(buffer, 8 + json.length);
  return out;
}

/** The header of one tensor `name` with the given entry, as JSON text. */
const one = (name: string, entry: unknown) => JSON.stringify({ [name]: entry });

/** The message of the WeightsError a read raises, without the file name; any other exception fails the test. */
function refusal(read: () => unknown, file = FILE): string {
  try {
    read();
  } catch (e) {
    if (!(e instanceof WeightsError)) throw e;
    expect(e.message.startsWith(`${file}: `)).toBe(true);
    return e.message.slice(file.length + 2);
  }
  return 'accepted';
}
const refusalOf = (bytes: Uint8Array) => refusal(() => readSafetensors(bytes, FILE));

const directory = () => fs.mkdtempSync(join(tmpdir(), 'pathsum-st-edge-'));
function onDisk(bytes: Uint8Array): string {
  const path = join(directory(), 'w.safetensors');
  fs.writeFileSync(path, bytes);
  return path;
}

describe('messages cut long names and values', () => {
  const entryMessage = (shownName: string) => `tensor ${shownName}: its header entry must be an object`;
  it('a name of 100 characters is shown whole, one of 101 is cut to 100 and …', () => {
    const a100 = 'a'.repeat(100);
    expect(refusalOf(layout(one(a100, 5)))).toBe(entryMessage(a100));
    expect(refusalOf(layout(one(`${a100}b`, 5)))).toBe(entryMessage(`${a100}…`));
  });

  it('a value whose JSON is 40 characters is shown whole, one of 41 is cut to 40 and …', () => {
    const dtype = (text: string) =>
      refusalOf(layout(one('a', { dtype: text, shape: [], data_offsets: [0, 4] }), [0, 0, 0, 0]));
    const x38 = 'x'.repeat(38);
    expect(dtype(x38)).toBe(`tensor a: dtype "${x38}" is not supported (F32, F16 or BF16)`);
    expect(dtype(`${x38}y`)).toBe(`tensor a: dtype "${x38}y… is not supported (F32, F16 or BF16)`);
  });
});

describe('the header', () => {
  it('a header length of exactly 100,000,000 is within the limit, 100,000,001 is not', () => {
    const claim = (n: number) => {
      const bytes = new Uint8Array(12);
      new DataView(bytes.buffer).setBigUint64(0, BigInt(n), true);
      return refusalOf(bytes);
    };
    expect(claim(100_000_000)).toBe('truncated: the header claims 100000000 bytes but the file has 4 after the length');
    expect(claim(100_000_001)).toBe('header length 100000001 exceeds the limit of 100000000 bytes');
  });

  it('a byte-order mark before the JSON is refused, as the reference reader refuses it', () => {
    expect(refusalOf(layout('{}'))).toBe('accepted');
    const bom = Uint8Array.from([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('{}')]);
    expect(refusalOf(layout(bom))).toMatch(/^the header is not valid UTF-8 JSON \(.+\)$/);
  });

  it('a byte that is not UTF-8 inside a JSON string is refused, not replaced', () => {
    const text = new TextEncoder().encode('{"__metadata__":{"k":"v"}}');
    expect(refusalOf(layout(text))).toBe('accepted');
    text[text.length - 4] = 0xff; // the v
    expect(refusalOf(layout(text))).toMatch(/^the header is not valid UTF-8 JSON \(.+\)$/);
  });

  it.each([['5'], ['"ab"'], ['null'], ['[]'], ['true']])('__metadata__ %s is not an object of strings', value => {
    expect(refusalOf(layout(`{"__metadata__":${value}}`))).toBe('__metadata__ must be an object of strings');
  });

  it.each([['5'], ['"F32"'], ['null'], ['true']])('a tensor entry %s is not an object', value => {
    expect(refusalOf(layout(`{"a":${value}}`))).toBe('tensor a: its header entry must be an object');
  });
});

describe('data_offsets', () => {
  // one F32 value: 4 bytes of buffer, [0, 4] is right
  const offsets = (begin: number, end: number, size = 4) =>
    refusalOf(
      layout(
        `{"a":{"dtype":"F32","shape":[1],"data_offsets":[${begin},${end}]}}`,
        Array.from({ length: size }, () => 0),
      ),
    );

  it('[0, 4] holds one F32 value', () => {
    expect(offsets(0, 4)).toBe('accepted');
  });

  it.each([
    ['a negative begin', -4, 0],
    ['a negative end', 0, -4],
    ['a fractional begin', 0.5, 4],
    ['a fractional end', 0, 4.5],
    ['an unsafe begin', 2 ** 53, 2 ** 53 + 4],
    ['an unsafe end', 0, 2 ** 53],
  ])('%s is refused', (_what, begin, end) => {
    expect(offsets(begin, end)).toBe('tensor a: data_offsets must be [begin, end]');
  });

  it.each([['[0]'], ['[0,4,8]'], ['"0,4"']])('%s is not a pair', value => {
    const header = `{"a":{"dtype":"F32","shape":[1],"data_offsets":${value}}}`;
    expect(refusalOf(layout(header, [0, 0, 0, 0]))).toBe('tensor a: data_offsets must be [begin, end]');
  });

  it('offsets must span exactly the bytes the shape needs', () => {
    const f32 = (shape: number[], begin: number, end: number) =>
      refusalOf(
        layout(
          `{"a":{"dtype":"F32","shape":${JSON.stringify(shape)},"data_offsets":[${begin},${end}]}}`,
          [0, 0, 0, 0, 0, 0, 0, 0],
        ),
      );
    expect(f32([2], 0, 4)).toBe('tensor a: data_offsets [0, 4] hold 4 bytes, but shape [2] of F32 needs 8');
    expect(f32([1], 0, 8)).toBe('tensor a: data_offsets [0, 8] hold 8 bytes, but shape [1] of F32 needs 4');
    expect(f32([0], 8, 0)).toBe('tensor a: data_offsets [8, 0] hold -8 bytes, but shape [0] of F32 needs 0');
  });
});

describe('reading a file from disk', () => {
  // F32 values 1, -2, 0.5 (IEEE 754 little-endian, written out) after a 60-odd-byte header
  const values = [0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x00, 0x3f];
  const header = '{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},"__metadata__":{"k":"v"}}';
  const bytes = layout(header, values);
  const headerEnd = 8 + new TextEncoder().encode(header).length;

  it('reads header and data in chunks of any size, the last one short, to the same tensors', () => {
    const path = onDisk(bytes);
    for (const chunk of [1, 3, 5, 7, 64]) {
      inject.chunk = chunk;
      reads.length = 0;
      const { tensors, metadata } = readSafetensorsFile(path);
      expect(Array.from(tensors.get('w')!.data)).toEqual([1, -2, 0.5]);
      expect(metadata).toEqual({ k: 'v' });
      expect(Math.max(...reads)).toBeLessThanOrEqual(chunk);
      expect(reads.reduce((a, b) => a + b)).toBe(bytes.length);
    }
  });

  it('a file that ends while its data is read is refused, naming where it ended and the byte expected', () => {
    const path = onDisk(bytes);
    inject.chunk = 2;
    inject.endAt = headerEnd + 6;
    expect(refusal(() => readSafetensorsFile(path), path)).toBe(
      `truncated while reading: the file ended at byte ${headerEnd + 6}, before byte ${headerEnd + 12}`,
    );
  });

  it('closes its descriptor, whether the file is read or refused', () => {
    const path = onDisk(bytes);
    readSafetensorsFile(path);
    const bad = onDisk(layout('{"a":5}'));
    expect(refusal(() => readSafetensorsFile(bad), bad)).toBe('tensor a: its header entry must be an object');
    expect(opened).toHaveLength(2);
    expect(closed).toEqual(opened);
  });

  it('a missing file cannot be read, and an open failing without a code says so', () => {
    const path = join(directory(), 'absent.safetensors');
    expect(refusal(() => readSafetensorsFile(path), path)).toBe('cannot read (ENOENT)');
    inject.openError = new Error('no code');
    expect(refusal(() => readSafetensorsFile(path), path)).toBe('cannot read (unknown error)');
  });

  it('a descriptor of no kind the reader knows is not a file', () => {
    const path = onDisk(bytes);
    const no = () => false;
    inject.stats = {
      isFile: no,
      isDirectory: no,
      isCharacterDevice: no,
      isBlockDevice: no,
      isFIFO: no,
      isSocket: no,
      size: bytes.length,
    } as unknown as fs.Stats;
    expect(refusal(() => readSafetensorsFile(path), path)).toBe(
      'not a regular file (not a file); weights are read from a safetensors file',
    );
  });

  it('a data buffer larger than a Buffer can hold is refused before it is read (a sparse file)', () => {
    // 2³⁰ + 1 F32 values: 4,294,967,300 bytes, past Node 20's 2³² byte limit; the file takes no disk space
    const big = 2 ** 32 + 4;
    expect(constants.MAX_LENGTH).toBeLessThan(big);
    const head = layout(`{"a":{"dtype":"F32","shape":[${2 ** 30 + 1}],"data_offsets":[0,${big}]}}`);
    const path = onDisk(head);
    fs.truncateSync(path, head.length + big);
    expect(refusal(() => readSafetensorsFile(path), path)).toBe('cannot hold its 4,294,967,300 bytes in memory');
    fs.rmSync(path);
  });
});
