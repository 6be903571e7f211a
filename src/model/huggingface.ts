// The bilinear transformers of Pearce et al. 2025 as Hugging Face saves them (issue 10): config.json's fields,
// checked, and the spec they amount to, written in the spec language, so that the language is the one
// semantics of a model whichever way it was given. docs/walkthrough.md, "A Hugging Face folder".
import { UserError } from '../errors.js';

export const HF_CONFIG = 'config.json';

/** The tensor whose first axis is the vocabulary: config.json does not state it. */
export const HF_EMBEDDING = 'transformer.wte.weight';

/** The architecture config.json describes; every other field (dropouts, `architectures`, …) is ignored. */
export interface HuggingfaceConfig {
  readonly layers: number;
  readonly heads: number;
  readonly width: number;
  readonly hidden: number;
  readonly context: number;
  /** mlp.w.bias and mlp.p.bias; attention never has biases. */
  readonly bias: boolean;
  /** Gainless RMSNorm before attention, the MLP and lm_head. */
  readonly normalization: boolean;
}

const RMS = 'norm rms nogain eps 1e-8';

/** A bad config is one line naming the file and the key. */
export class HuggingfaceConfigError extends UserError {
  constructor(
    readonly file: string,
    readonly key: string | undefined,
    reason: string,
  ) {
    super(`${file}: ${key === undefined ? '' : `${key}: `}${reason}`);
  }
}

/** config.json's text → the architecture it describes. */
export function readHuggingfaceConfig(text: string, file: string): HuggingfaceConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new HuggingfaceConfigError(file, undefined, `not valid JSON (${(error as Error).message.split('\n')[0]})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new HuggingfaceConfigError(file, undefined, 'must hold a JSON object');
  const fields = json as Record<string, unknown>;
  const field = <T>(key: string, read: (value: unknown) => T | undefined, what: string): T => {
    if (!Object.hasOwn(fields, key)) throw new HuggingfaceConfigError(file, key, `missing; it must be ${what}`);
    const value = read(fields[key]);
    if (value === undefined)
      throw new HuggingfaceConfigError(file, key, `must be ${what}, found ${JSON.stringify(fields[key])}`);
    return value;
  };
  const positive = (key: string) =>
    field(key, v => (Number.isSafeInteger(v) && (v as number) > 0 ? (v as number) : undefined), 'a positive integer');
  const boolean = (key: string) => field(key, v => (typeof v === 'boolean' ? v : undefined), 'true or false');
  const config = {
    layers: positive('n_layer'),
    heads: positive('n_head'),
    width: positive('d_model'),
    hidden: positive('d_hidden'),
    context: positive('n_ctx'),
    bias: boolean('bias'),
    normalization: boolean('normalization'),
  };
  if (!boolean('bilinear'))
    throw new HuggingfaceConfigError(file, 'bilinear', 'false: only bilinear MLPs can be expanded into path terms');
  checkGate(fields.gate, file);
  if (config.width % config.heads !== 0)
    throw new HuggingfaceConfigError(
      file,
      'd_model',
      `${config.width} is not divisible by n_head ${config.heads}: the head size is d_model / n_head`,
    );
  return config;
}

/** `gate` absent or null: a pure bilinear MLP. A gate ("relu", …) makes it gated, no longer bilinear. */
function checkGate(gate: unknown, file: string): void {
  if (gate === undefined || gate === null) return;
  const found = typeof gate === 'string' ? `"${gate}"` : JSON.stringify(gate);
  throw new HuggingfaceConfigError(
    file,
    'gate',
    `${found}: a gated MLP is not bilinear and has no path expansion; only gate null is read`,
  );
}

/**
 * The spec of the model config.json describes (issue 10's forward pass): no positional embedding, rotary
 * attention (base 10000) whose output is scaled by 1/sqrt(2·n_layer), bilinear MLPs, gainless RMSNorm with
 * eps 1e-8 before each block and lm_head; the tensors read under their Hugging Face names and layouts.
 */
export function huggingfaceSpec(name: string, config: HuggingfaceConfig, vocab: number): string {
  const norm = config.normalization ? [RMS] : [];
  const bias = config.bias ? ' bias' : '';
  const lines = [
    `model ${name} {`,
    `  vocab ${vocab}`,
    `  context ${config.context}`,
    `  width ${config.width}`,
    '  embed',
    `  layers ${config.layers} {`,
    ...[
      ...norm,
      `attention heads ${config.heads} size ${config.width / config.heads} rotary scale 1/sqrt(${2 * config.layers})`,
      ...norm,
      `bilinear hidden ${config.hidden}${bias}`,
    ].map(line => `    ${line}`),
    '  }',
    ...norm.map(line => `  ${line}`),
    '  unembed',
    ...renames(config.bias).map(line => `  ${line}`),
    '}',
  ];
  return `${lines.join('\n')}\n`;
}

function renames(bias: boolean): string[] {
  const rename = (key: string, tensor: string, layout = '') => `rename ${key} "${tensor}"${layout}`;
  const attention = 'transformer.h.{l}.attn';
  const mlp = 'transformer.h.{l}.mlp';
  return [
    rename('embed.W_E', HF_EMBEDDING),
    rename('blocks.{l}.attn.W_Q', `${attention}.qkv.weight`, ' rows 1 of 3 linear'),
    rename('blocks.{l}.attn.W_K', `${attention}.qkv.weight`, ' rows 2 of 3 linear'),
    rename('blocks.{l}.attn.W_V', `${attention}.qkv.weight`, ' rows 3 of 3 linear'),
    rename('blocks.{l}.attn.W_O', `${attention}.o.weight`, ' linear'),
    rename('blocks.{l}.mlp.W_in', `${mlp}.w.weight`, ' rows 1 of 2 linear'),
    rename('blocks.{l}.mlp.W_gate', `${mlp}.w.weight`, ' rows 2 of 2 linear'),
    ...(bias
      ? [
          rename('blocks.{l}.mlp.b_in', `${mlp}.w.bias`, ' rows 1 of 2'),
          rename('blocks.{l}.mlp.b_gate', `${mlp}.w.bias`, ' rows 2 of 2'),
        ]
      : []),
    rename('blocks.{l}.mlp.W_out', `${mlp}.p.weight`, ' linear'),
    ...(bias ? [rename('blocks.{l}.mlp.b_out', `${mlp}.p.bias`)] : []),
    rename('unembed.W_U', 'lm_head.weight', ' linear'),
  ];
}

/** A spec model name from a folder name: a word of the spec language. */
export function modelName(folder: string): string {
  const word = folder.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z_]/.test(word) ? word : `m_${word}`;
}
