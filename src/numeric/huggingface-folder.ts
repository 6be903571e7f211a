// A Hugging Face folder as a spec (issue 10): config.json and a checkpoint (model.safetensors, or an index
// and shards). Its spec is written from config.json and the vocabulary read from the embedding's shape in a
// safetensors header, then parsed like any spec; its weights load through the spec's renames and layouts.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { describeErrno, fileKind } from '../files.js';
import type { Architecture } from '../language/architecture.js';
import { HF_CONFIG, HF_EMBEDDING, huggingfaceSpec, modelName, readHuggingfaceConfig } from '../model/huggingface.js';
import { compile, parse, print } from '../model/spec.js';
import { checkpointShape } from './checkpoint.js';
import { shown, WeightsError } from './safetensors.js';

/** 1 MiB: config.json files are a few hundred bytes. */
const CONFIG_LIMIT = 1 << 20;

/** A directory with config.json and no .pathsum spec (a spec, when there is one, describes the folder). */
export function isHuggingfaceFolder(path: string): boolean {
  try {
    if (!statSync(path).isDirectory()) return false;
    const names = readdirSync(path);
    return names.includes(HF_CONFIG) && !names.some(n => n.endsWith('.pathsum'));
  } catch {
    return false;
  }
}

export interface HuggingfaceFolder {
  /** The config file, as messages and summaries name the model's source. */
  readonly file: string;
  /** The equivalent spec, in canonical form. */
  readonly spec: string;
  readonly arch: Architecture;
}

export function readHuggingfaceFolder(folder: string): HuggingfaceFolder {
  const file = join(folder, HF_CONFIG);
  const config = readHuggingfaceConfig(readConfigText(file), file);
  const vocab = vocabulary(folder, config.width);
  const spec = print(parse(huggingfaceSpec(modelName(basename(resolve(folder))), config, vocab), file));
  const [arch] = compile(spec, file);
  return { file, spec, arch: arch! };
}

/** V of the embedding [V, d_model], read from the header of the file that holds it. */
function vocabulary(folder: string, width: number): number {
  const { file, shape } = checkpointShape(folder, HF_EMBEDDING);
  const name = `${file}: tensor ${shown(HF_EMBEDDING)}`;
  if (!shape) throw new WeightsError(`${name} is missing; the vocabulary is read from its shape [V, ${width}]`);
  if (shape.length !== 2 || shape[1] !== width || shape[0] === 0)
    throw new WeightsError(`${name} has shape [${shape.join(', ')}], expected [V, ${width}] (d_model ${width})`);
  return shape[0]!;
}

function readConfigText(file: string): string {
  const refuse = (reason: string) => new UserError(`${file}: cannot read the model's config (${reason})`);
  let size: number;
  try {
    const stats = statSync(file);
    if (!stats.isFile()) throw refuse(`${fileKind(stats)}, not a file`);
    size = stats.size;
  } catch (error) {
    throw error instanceof UserError ? error : refuse(describeErrno(error));
  }
  if (size > CONFIG_LIMIT) throw refuse(`it is larger than ${CONFIG_LIMIT >> 20} MiB`);
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw refuse(describeErrno(error));
  }
}
