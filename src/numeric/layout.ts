// Weight layouts (`rename KEY NAME [rows I of N] [linear | transposed]`, docs/design.md §3): a stored tensor
// read as the TransformerLens-shaped tensor a key names. One step over "read a raw tensor by name", so any
// tensor source (one safetensors file, a sharded checkpoint) composes with it.
import { describeLayout, type Layout } from '../language/architecture.js';
import type { WeightSpec } from '../model/block.js';
import { type RawTensor, shown, WeightsError } from './safetensors.js';

/** A tensor as a file stores it, by name; undefined when the file has none of that name. */
export type ReadRaw = (name: string) => RawTensor | undefined;

export interface LaidOut {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** The stored shape of the part a key reads: its TransformerLens shape, transposed or flattened as the layout says. */
export function storedPartShape(spec: WeightSpec, layout: Layout): number[] {
  const s = spec.shape;
  if (layout.form === undefined) return [...s];
  if (s.length === 2) return [s[1]!, s[0]!];
  // per-head maps [H, a, b], heads major: d → H·d_head is [H·d_head, d]; H·d_head → d is [d, H·d_head]
  const [H, a, b] = s as [number, number, number];
  return spec.heads === 'input' ? [b, H * a] : [H * b, a];
}

/** The whole stored tensor: the part's shape with its first axis N times longer for `rows I of N`. */
export function storedShape(spec: WeightSpec, layout: Layout): number[] {
  const [first, ...rest] = storedPartShape(spec, layout);
  return [first! * (layout.rows?.of ?? 1), ...rest];
}

/**
 * The tensor `spec` names, read from the stored tensor `name` through `layout`, in TransformerLens layout.
 * Throws a one-line WeightsError naming the file, the stored name and the key when it is missing or misshapen.
 */
export function readLaidOut(read: ReadRaw, name: string, layout: Layout, spec: WeightSpec, file: string): LaidOut {
  const described = describeLayout(layout);
  const renamed = name === spec.key ? '' : ` (${described ? `${described} of ` : 'renamed from '}${spec.key})`;
  const label = `${file}: tensor ${shown(name)}${renamed}`;
  const raw = read(name);
  const expected = storedShape(spec, layout);
  if (!raw) throw new WeightsError(`${label} is missing; the spec needs it with shape [${expected.join(', ')}]`);
  if (raw.shape.length !== expected.length || raw.shape.some((n, i) => n !== expected[i])) {
    const parts = layout.rows && raw.shape.length > 0 && raw.shape[0]! % layout.rows.of !== 0;
    const split = parts ? `: its ${raw.shape[0]} rows do not split in ${layout.rows!.of} equal parts` : '';
    throw new WeightsError(
      `${label} has shape [${raw.shape.join(', ')}], the spec needs [${expected.join(', ')}]${split}`,
    );
  }
  const bad = raw.data.findIndex(v => !Number.isFinite(v));
  if (bad >= 0) throw new WeightsError(`${label} holds ${raw.data[bad]} at flat index ${bad}; weights must be finite`);
  const part = rowsPart(raw.data, layout.rows);
  return { shape: spec.shape, data: layout.form ? reorder(part, spec) : part };
}

function rowsPart(data: Float32Array, rows: Layout['rows']): Float32Array {
  if (!rows) return data;
  const size = data.length / rows.of;
  return data.subarray((rows.part - 1) * size, rows.part * size);
}

/** Stored [out, in] (or a plain 2-D transpose) → the TransformerLens tensor `spec` describes. */
function reorder(stored: Float32Array, spec: WeightSpec): Float32Array {
  const s = spec.shape;
  const out = new Float32Array(stored.length);
  if (s.length === 2) {
    const [a, b] = s as [number, number];
    for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) out[i * b + j] = stored[j * a + i]!;
    return out;
  }
  const [H, a, b] = s as [number, number, number];
  for (let h = 0; h < H; h++) {
    for (let i = 0; i < a; i++) {
      for (let j = 0; j < b; j++) {
        // W_Q [H, d, K] ← S[h·K + j, i];  W_O [H, K, d] ← S[j, h·K + i]
        const from = spec.heads === 'input' ? j * (H * a) + h * a + i : (h * b + j) * a + i;
        out[(h * a + i) * b + j] = stored[from]!;
      }
    }
  }
  return out;
}
