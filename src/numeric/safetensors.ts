// The safetensors format (docs/design.md §3), read and written by the project: 8 bytes little-endian header length
// N, N bytes of JSON ({name: {dtype, shape, data_offsets}}, optional __metadata__), then the byte buffer. Checked at
// least as strictly as the reference reader; a file is read header first, so its size is checked before its bytes
// are held.
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { UserError } from '../errors.js';

/** One line, whatever the file holds: control characters and line separators from names or JSON are escaped. */
export class WeightsError extends UserError {
  constructor(message: string) {
    super(message.replace(/[\p{Cc}\p{Zl}\p{Zp}]|\p{Cs}/gu, c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
  }
}

export type DType = 'F32' | 'F16' | 'BF16';
const sizes: Record<DType, number> = { F32: 4, F16: 2, BF16: 2 };
const MAX_HEADER = 100_000_000;

export interface RawTensor {
  readonly dtype: DType;
  readonly shape: readonly number[];
  /** Values converted to float32. */
  readonly data: Float32Array;
}

export interface SafetensorsFile {
  readonly tensors: ReadonlyMap<string, RawTensor>;
  readonly metadata: Readonly<Record<string, string>>;
}

type Fail = (what: string) => never;

const failure =
  (file: string): Fail =>
  what => {
    throw new WeightsError(`${file}: ${what}`);
  };

/**
 * A tensor name as a message shows it: as is, or quoted when it is empty or holds spaces or invisible characters; a
 * name longer than a line is cut.
 */
export function shown(name: string): string {
  const cut = name.length > 100 ? `${name.slice(0, 100)}…` : name;
  return /^[^\s\p{C}]+$/u.test(cut) ? cut : JSON.stringify(cut);
}

/** A header value as JSON, cut to a few words. */
const brief = (value: unknown): string => {
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 40 ? `${json.slice(0, 40)}…` : json;
};

export function readSafetensors(bytes: Uint8Array, file: string): SafetensorsFile {
  const fail = failure(file);
  const n = headerLength(bytes.subarray(0, 8), bytes.length, fail);
  const header = readHeader(bytes.subarray(8, 8 + n), bytes.length - 8 - n, fail);
  return { tensors: decodeAll(header.tensors, bytes.subarray(8 + n)), metadata: header.metadata };
}

/**
 * Reads a file as `readSafetensors` reads bytes, but the length field and the header first: a device (`/dev/zero`), a
 * pipe or a file shorter than its header says is refused before anything the size of the file is allocated.
 */
export function readSafetensorsFile(file: string): SafetensorsFile {
  return withHeader(file, (header, readData) => ({
    tensors: decodeAll(header.tensors, readData()),
    metadata: header.metadata,
  }));
}

/** The dtype and shape of every tensor of a file, from its header alone: the data is never read. */
export function readSafetensorsHeader(file: string): ReadonlyMap<string, Omit<RawTensor, 'data'>> {
  return withHeader(file, header => new Map(header.tensors.map(t => [t.name, { dtype: t.dtype, shape: t.shape }])));
}

/** Opens `file`, reads and checks its header, and hands it to `use` with a reader of the data buffer. */
function withHeader<T>(file: string, use: (header: Header, readData: () => Uint8Array) => T): T {
  const fail = failure(file);
  let fd: number;
  try {
    // non-blocking, or opening a named pipe would wait for a writer
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    return fail(`cannot read (${(error as NodeJS.ErrnoException).code ?? 'unknown error'})`);
  }
  try {
    const size = regularSize(fstatSync(fd), fail);
    const read = (position: number, length: number) => readExactly(fd, position, length, fail);
    const n = headerLength(read(0, Math.min(8, size)), size, fail);
    return use(readHeader(read(8, n), size - 8 - n, fail), () => read(8 + n, size - 8 - n));
  } finally {
    closeSync(fd);
  }
}

const kinds = [
  ['isDirectory', 'a directory'],
  ['isCharacterDevice', 'a character device'],
  ['isBlockDevice', 'a block device'],
  ['isFIFO', 'a named pipe'],
  ['isSocket', 'a socket'],
] as const;

function regularSize(stats: Stats, fail: Fail): number {
  if (stats.isFile()) return stats.size;
  const kind = kinds.find(([is]) => stats[is]())?.[1] ?? 'not a file';
  return fail(`not a regular file (${kind}); weights are read from a safetensors file`);
}

function readExactly(fd: number, position: number, length: number, fail: Fail): Uint8Array {
  let bytes: Buffer;
  try {
    bytes = Buffer.allocUnsafe(length);
  } catch {
    return fail(`cannot hold its ${length.toLocaleString('en-US')} bytes in memory`);
  }
  for (let at = 0; at < length; ) {
    const got = readSync(fd, bytes, at, length - at, position + at);
    if (got === 0)
      fail(`truncated while reading: the file ended at byte ${position + at}, before byte ${position + length}`);
    at += got;
  }
  return bytes;
}

/** N from the first 8 bytes of a file of `fileLength` bytes, checked against the limit and the file. */
function headerLength(first: Uint8Array, fileLength: number, fail: Fail): number {
  if (fileLength < 8) fail(`not a safetensors file: ${fileLength} bytes, fewer than the 8-byte header length`);
  const length = new DataView(first.buffer, first.byteOffset, 8).getBigUint64(0, true);
  if (length > BigInt(MAX_HEADER)) fail(`header length ${length} exceeds the limit of ${MAX_HEADER} bytes`);
  const n = Number(length);
  if (8 + n > fileLength)
    fail(`truncated: the header claims ${n} bytes but the file has ${fileLength - 8} after the length`);
  return n;
}

/** The header's tensors and metadata, checked against a data buffer of `bufferLength` bytes. */
interface Header {
  tensors: Described[];
  metadata: Record<string, string>;
}

function readHeader(bytes: Uint8Array, bufferLength: number, fail: Fail): Header {
  let text: string;
  let header: Record<string, unknown>;
  try {
    // a byte-order mark is kept, so that JSON.parse refuses it as the reference reader does
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    header = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    return fail(`the header is not valid UTF-8 JSON (${(error as Error).message.split('\n')[0]})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('the header must be a JSON object');
  const twice = repeatedKey(text);
  if (twice)
    fail(`the header has the key ${shown(twice.key)} twice${twice.in ? ` (in the entry of ${shown(twice.in)})` : ''}`);
  const metadata = readMetadata(header.__metadata__, fail);
  const entries = Object.entries(header).filter(([k]) => k !== '__metadata__');
  const tensors = entries.map(([name, info]) => describe(name, info, fail));
  checkLayout(tensors, bufferLength, fail);
  return { tensors, metadata };
}

/**
 * The first key that an object of the (valid) JSON text holds twice, and the top-level key it is under: JSON.parse
 * keeps the last silently, where another reader may keep the first and load other weights. Only quotes and brackets
 * need reading: in valid JSON a key is the first string after `{` or after a `,` at its object's own depth.
 */
export function repeatedKey(json: string): { key: string; in?: string } | undefined {
  // one frame per open bracket: the keys met so far in an object, null for an array
  const frames: (Set<string> | null)[] = [];
  // Stryker disable next-line BooleanLiteral: equivalent, a string before the first bracket has no frame to check
  let expectKey = false;
  let topKey: string | undefined;
  // Stryker disable next-line EqualityOperator: `<=` is equivalent, json[json.length] matches no branch
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '"') {
      let j = i + 1;
      while (json[j] !== '"') j += json[j] === '\\' ? 2 : 1;
      const keys = frames[frames.length - 1];
      if (expectKey && keys) {
        const key = JSON.parse(json.slice(i, j + 1)) as string;
        if (keys.has(key)) return frames.length === 1 ? { key } : { key, in: topKey };
        keys.add(key);
        if (frames.length === 1) topKey = key;
      }
      expectKey = false;
      i = j;
    } else if (c === '{' || c === '[') {
      frames.push(c === '{' ? new Set() : null);
      // Stryker disable next-line ConditionalExpression: `true` is equivalent, an array's strings have no key set
      expectKey = c === '{';
    } else if (c === '}' || c === ']') frames.pop();
    else if (c === ',')
      // Stryker disable next-line ConditionalExpression: `true` is equivalent, an array's strings have no key set
      expectKey = frames[frames.length - 1] != null;
  }
  return undefined;
}

function decodeAll(described: readonly Described[], buffer: Uint8Array): Map<string, RawTensor> {
  const tensors = new Map<string, RawTensor>();
  for (const t of described)
    tensors.set(t.name, { dtype: t.dtype, shape: t.shape, data: decode(t.dtype, buffer.subarray(t.begin, t.end)) });
  return tensors;
}

interface Described {
  name: string;
  dtype: DType;
  shape: number[];
  begin: number;
  end: number;
}

function readMetadata(value: unknown, fail: Fail): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail('__metadata__ must be an object of strings');
  for (const [k, v] of Object.entries(value as object))
    if (typeof v !== 'string') fail(`__metadata__.${shown(k)} must be a string`);
  return value as Record<string, string>;
}

function describe(name: string, info: unknown, fail: Fail): Described {
  const o = info as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  if (typeof o !== 'object' || o === null) fail(`tensor ${shown(name)}: its header entry must be an object`);
  // own keys only: `in` would accept 'constructor' or 'toString' as a dtype
  if (typeof o.dtype !== 'string' || !Object.hasOwn(sizes, o.dtype))
    fail(`tensor ${shown(name)}: dtype ${brief(o.dtype)} is not supported (F32, F16 or BF16)`);
  const shape = o.shape;
  if (!Array.isArray(shape) || !shape.every(s => Number.isSafeInteger(s) && s >= 0))
    fail(`tensor ${shown(name)}: shape must be a list of non-negative integers`);
  const offsets = o.data_offsets;
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(x => Number.isSafeInteger(x) && x >= 0))
    fail(`tensor ${shown(name)}: data_offsets must be [begin, end]`);
  const [begin, end] = offsets as [number, number];
  const dtype = o.dtype as DType;
  const numel = (shape as number[]).reduce((p, s) => p * s, 1);
  // Stryker disable next-line ConditionalExpression: `end < begin` alone is redundant (numel × size ≥ 0 > end − begin)
  if (end < begin || end - begin !== numel * sizes[dtype]) {
    fail(
      `tensor ${shown(name)}: data_offsets [${begin}, ${end}] hold ${end - begin} bytes, ` +
        `but shape [${(shape as number[]).join(', ')}] of ${dtype} needs ${numel * sizes[dtype]}`,
    );
  }
  return { name, dtype, shape: shape as number[], begin, end };
}

function checkLayout(tensors: Described[], bufferLength: number, fail: Fail): void {
  const sorted = [...tensors].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  let previous: Described | undefined;
  for (const t of sorted) {
    if (t.begin < expected)
      fail(
        `tensor ${shown(t.name)}: its bytes [${t.begin}, ${t.end}) overlap those of ` +
          `tensor ${shown(previous!.name)} [${previous!.begin}, ${previous!.end})`,
      );
    if (t.begin > expected)
      fail(
        `tensor ${shown(t.name)}: its bytes begin at ${t.begin}, expected ${expected} ` +
          '(offsets must be contiguous from 0, without gaps)',
      );
    expected = t.end;
    previous = t;
  }
  if (expected !== bufferLength) {
    const last = previous ? `tensor ${shown(previous.name)} ends` : 'the tensors end';
    fail(
      `${last} at byte ${expected} of the data buffer, but the buffer holds ${bufferLength} bytes: ` +
        // Stryker disable next-line EqualityOperator: `>=` is equivalent, expected !== bufferLength here
        (expected > bufferLength ? 'truncated' : 'trailing bytes'),
    );
  }
}

function decode(dtype: DType, bytes: Uint8Array): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.length / sizes[dtype]);
  for (let i = 0; i < out.length; i++) {
    out[i] =
      dtype === 'F32'
        ? view.getFloat32(4 * i, true)
        : dtype === 'BF16'
          ? bf16(view.getUint16(2 * i, true))
          : f16(view.getUint16(2 * i, true));
  }
  return out;
}

const scratch = new DataView(new ArrayBuffer(4));
function bf16(bits: number): number {
  scratch.setUint32(0, bits << 16);
  return scratch.getFloat32(0);
}

function f16(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** Writes F32 tensors as PyTorch's save_file does: keys sorted, header padded with spaces to 8 bytes. */
export function writeSafetensors(
  tensors: ReadonlyMap<string, { shape: readonly number[]; data: Float32Array }>,
  metadata: Record<string, string> = {},
): Uint8Array {
  if (tensors.has('__metadata__'))
    throw new WeightsError('a tensor cannot be named __metadata__: the format reserves that key');
  // Rust orders strings by UTF-8 bytes; JS's default sort uses UTF-16 units, which differ past U+E000
  const names = [...tensors.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const entries: [string, unknown][] = Object.keys(metadata).length ? [['__metadata__', metadata]] : [];
  let offset = 0;
  for (const name of names) {
    const t = tensors.get(name)!;
    entries.push([name, { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + 4 * t.data.length] }]);
    offset += 4 * t.data.length;
  }
  // fromEntries defines own properties, so a tensor named __proto__ is written, not made a prototype
  let json = JSON.stringify(Object.fromEntries(entries));
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  const body = new DataView(out.buffer, 8 + headerBytes.length);
  let at = 0;
  for (const name of names) for (const v of tensors.get(name)!.data) body.setFloat32(at++ * 4, v, true);
  return out;
}
