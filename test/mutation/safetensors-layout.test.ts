// The byte layout of a safetensors buffer (src/numeric/safetensors.ts, issue 15): offsets contiguous from 0
// to the end of the buffer, checked at the boundary, one byte off either way, with files built by hand.
import { describe, expect, it } from 'vitest';
import { readSafetensors, WeightsError } from '../../src/numeric/safetensors.js';

const FILE = 'layout.safetensors';

/** 8-byte little-endian header length, the header, then a buffer of `size` bytes counting 1, 2, 3, … */
function file(tensors: Record<string, [dtype: string, shape: number[], begin: number, end: number]>, size: number) {
  const header = Object.fromEntries(
    Object.entries(tensors).map(([name, [dtype, shape, begin, end]]) => [
      name,
      { dtype, shape, data_offsets: [begin, end] },
    ]),
  );
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + size);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  for (let i = 0; i < size; i++) out[8 + json.length + i] = i + 1;
  return out;
}

function refusal(bytes: Uint8Array): string {
  try {
    readSafetensors(bytes, FILE);
  } catch (e) {
    if (e instanceof WeightsError) return e.message;
    throw e;
  }
  return 'accepted';
}

describe('safetensors offsets one byte off', () => {
  it.each([
    [
      'a 1-byte gap between two tensors',
      file({ a: ['F16', [1], 0, 2], b: ['F16', [1], 3, 5] }, 5),
      'tensor b: its bytes begin at 3, expected 2 (offsets must be contiguous from 0, without gaps)',
    ],
    [
      'a 1-byte gap before the first tensor',
      file({ a: ['F16', [1], 1, 3] }, 3),
      'tensor a: its bytes begin at 1, expected 0 (offsets must be contiguous from 0, without gaps)',
    ],
    [
      'a 1-byte overlap',
      file({ a: ['F16', [1], 0, 2], b: ['F16', [1], 1, 3] }, 3),
      'tensor b: its bytes [1, 3) overlap those of tensor a [0, 2)',
    ],
    [
      '1 trailing byte',
      file({ a: ['F16', [1], 0, 2] }, 3),
      'tensor a ends at byte 2 of the data buffer, but the buffer holds 3 bytes: trailing bytes',
    ],
    [
      'a buffer 1 byte short',
      file({ a: ['F16', [2], 0, 4] }, 3),
      'tensor a ends at byte 4 of the data buffer, but the buffer holds 3 bytes: truncated',
    ],
  ])('refuses %s', (_name, bytes, message) => {
    expect(refusal(bytes)).toBe(`${FILE}: ${message}`);
  });

  it('accepts tensors in any header order, an empty one sharing its offset with the next', () => {
    // F16 1.0 is 0x3C00, BF16 1.0 is 0x3F80: the bytes are placed by hand at the offsets the header names
    const bytes = file({ b: ['BF16', [1], 4, 6], e: ['F32', [0], 4, 4], a: ['F16', [2], 0, 4] }, 6);
    const data = bytes.subarray(bytes.length - 6);
    data.set([0x00, 0x3c, 0x00, 0xc0, 0x80, 0x3f]);
    const { tensors } = readSafetensors(bytes, FILE);
    expect([...tensors.keys()]).toEqual(['b', 'e', 'a']);
    expect(Array.from(tensors.get('a')!.data)).toEqual([1, -2]);
    expect(Array.from(tensors.get('b')!.data)).toEqual([1]);
    expect(tensors.get('e')!.data).toHaveLength(0);
  });
});
