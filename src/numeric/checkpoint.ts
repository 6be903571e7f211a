// A checkpoint: the tensors of a model, in one safetensors file or sharded over several, as Hugging Face
// saves them: `model.safetensors`, or `model.safetensors.index.json` whose `weight_map` names, for each
// tensor, the shard file (in the same directory) that holds it. Tensors are read by name, raw, as the
// files store them; the spec's layouts and renames are applied above this (numeric/weights.ts).
import { readFileSync, type Stats, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describeErrno, fileKind } from '../files.js';
import {
  type RawTensor,
  readSafetensorsFile,
  readSafetensorsHeader,
  repeatedKey,
  shown,
  WeightsError,
} from './safetensors.js';

export const SINGLE_FILE = 'model.safetensors';
export const SHARD_INDEX = 'model.safetensors.index.json';

/** 16 MiB: an index of a model with millions of tensors, and still read at once. */
const INDEX_LIMIT = 16 << 20;

export interface Checkpoint {
  /** What messages name: the safetensors file, or the shard index. */
  readonly file: string;
  readonly tensors: ReadonlyMap<string, RawTensor>;
}

/** Where a tensor of a checkpoint lives: the file that holds it, found without reading any tensor data. */
interface Layout {
  readonly file: string;
  /** Tensor name → safetensors file; undefined for a single file (it holds every tensor). */
  readonly shards?: ReadonlyMap<string, string>;
}

/**
 * `path` is a .safetensors file, or a directory holding model.safetensors or, failing that,
 * model.safetensors.index.json and its shards.
 */
export function readCheckpoint(path: string): Checkpoint {
  const layout = layoutOf(path);
  if (!layout.shards) return { file: layout.file, tensors: readSafetensorsFile(layout.file).tensors };
  const tensors = new Map<string, RawTensor>();
  for (const [shard, names] of byShard(layout.shards)) {
    const held = readSafetensorsFile(shard).tensors;
    for (const name of names) tensors.set(name, held.get(name) ?? missingFromShard(layout.file, name, shard));
  }
  return { file: layout.file, tensors };
}

/** The shape of one tensor of a checkpoint, from the header of the file that holds it; undefined if none does. */
export function checkpointShape(path: string, name: string): { file: string; shape?: readonly number[] } {
  const layout = layoutOf(path);
  const file = layout.shards ? layout.shards.get(name) : layout.file;
  if (file === undefined) return { file: layout.file };
  const found = readSafetensorsHeader(file).get(name);
  if (!found && layout.shards) missingFromShard(layout.file, name, file);
  return { file: layout.file, shape: found?.shape };
}

function layoutOf(path: string): Layout {
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch (error) {
    throw new WeightsError(`${path}: ${describeErrno(error)}`);
  }
  if (!stats.isDirectory()) return { file: path };
  const single = join(path, SINGLE_FILE);
  const index = join(path, SHARD_INDEX);
  if (exists(single) || !exists(index)) return { file: single };
  return { file: index, shards: readShardIndex(index, path) };
}

/** weight_map of an index: tensor name → path of its shard, each shard checked to exist. */
export function readShardIndex(index: string, directory: string): ReadonlyMap<string, string> {
  const fail = (what: string): never => {
    throw new WeightsError(`${index}: ${what}`);
  };
  const map = parseIndex(index, fail).weight_map;
  if (typeof map !== 'object' || map === null || Array.isArray(map))
    fail('weight_map is missing or not an object of tensor name → shard file');
  const shards = new Map<string, string>();
  for (const [name, shard] of Object.entries(map as object)) {
    const key = `weight_map[${JSON.stringify(name)}]`;
    if (typeof shard !== 'string' || shard === '' || basename(shard) !== shard || shard === '.' || shard === '..')
      fail(`${key} must be the name of a file in the same directory, found ${JSON.stringify(shard) ?? 'nothing'}`);
    const file = join(directory, shard as string);
    if (!exists(file)) fail(`${key} names the shard ${shown(shard as string)}, which does not exist`);
    shards.set(name, file);
  }
  return shards;
}

function parseIndex(index: string, fail: (what: string) => never): Record<string, unknown> {
  const text = readIndexText(index, fail);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return fail(`not valid JSON (${(error as Error).message.split('\n')[0]})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) fail('must hold a JSON object');
  const twice = repeatedKey(text);
  if (twice) fail(`the key ${shown(twice.key)} appears twice${twice.in ? ` (in ${shown(twice.in)})` : ''}`);
  return parsed as Record<string, unknown>;
}

function readIndexText(index: string, fail: (what: string) => never): string {
  let stats: Stats;
  try {
    stats = statSync(index);
  } catch (error) {
    return fail(`cannot read (${describeErrno(error)})`);
  }
  if (!stats.isFile()) fail(`cannot read (${fileKind(stats)}, not a file)`);
  if (stats.size > INDEX_LIMIT) fail(`larger than ${INDEX_LIMIT >> 20} MiB, the limit for a shard index`);
  try {
    return readFileSync(index, 'utf8');
  } catch (error) {
    return fail(`cannot read (${describeErrno(error)})`);
  }
}

/** The tensors each shard holds, so that every shard is read once. */
function byShard(shards: ReadonlyMap<string, string>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [name, shard] of shards) {
    const names = out.get(shard) ?? [];
    names.push(name);
    out.set(shard, names);
  }
  return out;
}

function missingFromShard(index: string, name: string, shard: string): never {
  throw new WeightsError(`${index}: weight_map puts tensor ${shown(name)} in ${shard}, which does not hold it`);
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}
