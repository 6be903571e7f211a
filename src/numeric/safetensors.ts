// The safetensors format (docs/design.md §3), read and written by the project: 8 bytes little-endian
// header length N, N bytes of JSON ({name: {dtype, shape, data_offsets}}, optional __metadata__),
// then the byte buffer. Checked at least as strictly as the reference reader.
import { UserError } from '../errors.js';

export class WeightsError extends UserError {}

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

export function readSafetensors(bytes: Uint8Array, file: string): SafetensorsFile {
  const fail = (what: string): never => {
    throw new WeightsError(`${file}: ${what}`);
  };
  if (bytes.length < 8) fail(`not a safetensors file: ${bytes.length} bytes, fewer than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(MAX_HEADER)) fail(`header length ${headerLength} exceeds the limit of ${MAX_HEADER} bytes`);
  const n = Number(headerLength);
  if (8 + n > bytes.length)
    fail(`truncated: the header claims ${n} bytes but the file has ${bytes.length - 8} after the length`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n))) as Record<
      string,
      unknown
    >;
  } catch (error) {
    return fail(`the header is not valid UTF-8 JSON (${(error as Error).message.split('\n')[0]})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('the header must be a JSON object');
  const metadata = readMetadata(header.__metadata__, fail);
  const entries = Object.entries(header).filter(([k]) => k !== '__metadata__');
  const described = entries.map(([name, info]) => describe(name, info, fail));
  const buffer = bytes.subarray(8 + n);
  checkLayout(described, buffer.length, fail);
  const tensors = new Map<string, RawTensor>();
  for (const t of described)
    tensors.set(t.name, { dtype: t.dtype, shape: t.shape, data: decode(t.dtype, buffer.subarray(t.begin, t.end)) });
  return { tensors, metadata };
}

interface Described {
  name: string;
  dtype: DType;
  shape: number[];
  begin: number;
  end: number;
}

function readMetadata(value: unknown, fail: (what: string) => never): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail('__metadata__ must be an object of strings');
  for (const [k, v] of Object.entries(value as object))
    if (typeof v !== 'string') fail(`__metadata__.${k} must be a string`);
  return value as Record<string, string>;
}

function describe(name: string, info: unknown, fail: (what: string) => never): Described {
  const o = info as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  if (typeof o !== 'object' || o === null) fail(`tensor ${name}: its header entry must be an object`);
  // own keys only: `in` would accept 'constructor' or 'toString' as a dtype
  if (typeof o.dtype !== 'string' || !Object.hasOwn(sizes, o.dtype))
    fail(`tensor ${name}: dtype ${JSON.stringify(o.dtype)} is not supported (F32, F16 or BF16)`);
  const shape = o.shape;
  if (!Array.isArray(shape) || !shape.every(s => Number.isSafeInteger(s) && s >= 0))
    fail(`tensor ${name}: shape must be a list of non-negative integers`);
  const offsets = o.data_offsets;
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(x => Number.isSafeInteger(x) && x >= 0))
    fail(`tensor ${name}: data_offsets must be [begin, end]`);
  const [begin, end] = offsets as [number, number];
  const dtype = o.dtype as DType;
  const numel = (shape as number[]).reduce((p, s) => p * s, 1);
  if (end < begin || end - begin !== numel * sizes[dtype]) {
    fail(
      `tensor ${name}: data_offsets [${begin}, ${end}] hold ${end - begin} bytes, but shape [${(shape as number[]).join(', ')}] of ${dtype} needs ${numel * sizes[dtype]}`,
    );
  }
  return { name, dtype, shape: shape as number[], begin, end };
}

function checkLayout(tensors: Described[], bufferLength: number, fail: (what: string) => never): void {
  const sorted = [...tensors].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  let previous: Described | undefined;
  for (const t of sorted) {
    if (t.begin < expected)
      fail(
        `tensor ${t.name}: its bytes [${t.begin}, ${t.end}) overlap those of tensor ${previous!.name} [${previous!.begin}, ${previous!.end})`,
      );
    if (t.begin > expected)
      fail(
        `tensor ${t.name}: its bytes begin at ${t.begin}, expected ${expected} (offsets must be contiguous from 0, without gaps)`,
      );
    expected = t.end;
    previous = t;
  }
  if (expected !== bufferLength) {
    const last = previous ? `tensor ${previous.name} ends` : 'the tensors end';
    fail(
      `${last} at byte ${expected} of the data buffer, but the buffer holds ${bufferLength} bytes: ${expected > bufferLength ? 'truncated' : 'trailing bytes'}`,
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
