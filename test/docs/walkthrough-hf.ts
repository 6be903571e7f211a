// The part of docs/walkthrough.md on examples/hf-induction: a Hugging Face folder read as it is by check,
// import and eval, every output the tool's own and every figure read from the card or the tool.
import { readFileSync } from 'node:fs';
import { memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { countTerms } from '../../src/model/count.js';
import { loadSpecSource } from '../../src/numeric/spec-source.js';

export const HF_ANCHOR = '## A Hugging Face folder (`examples/hf-induction`)';

const DIR = 'examples/hf-induction';
const TOKENS = '3,17,8,21,5,11,14,2,3,17,8,21,5,11,14';

async function shell(command: string): Promise<string> {
  const io = memoryIo();
  const code = await main(command.split(' ').slice(1), io);
  if (code !== 0) throw new Error(`${command} exited ${code}: ${io.err()}`);
  return ['```', `$ ${command}`, io.terminal().trimEnd(), '```'].join('\n');
}

interface Card {
  steps: number;
  heldOutAccuracy: Record<'repeated' | 'fresh', { accuracy: number; total: number }>;
}

export async function huggingfaceSection(): Promise<string> {
  const card = JSON.parse(readFileSync(`${DIR}/card.json`, 'utf8')) as Card;
  const { repeated, fresh } = card.heldOutAccuracy;
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const total = countTerms(loadSpecSource(DIR)).total;
  const terms = 'exact' in total ? total.exact.toLocaleString('en-US') : '?';
  return [
    HF_ANCHOR,
    '',
    'The bilinear transformers of Pearce et al. 2025 are kept as Hugging Face folders: `config.json` and',
    '`model.safetensors`, with fused and transposed tensors (`attn.qkv.weight` holds q, k and v; every map is',
    'an `nn.Linear` weight `[out, in]`). `examples/hf-induction` is one, trained by the project in exactly that',
    'layout (`npm run train -- hf-induction`): three layers of rotary attention whose output is scaled by',
    '1/√6 and bilinear MLPs, each behind a gainless RMSNorm, on induction.',
    `After ${card.steps} steps it predicts ${pct(repeated.accuracy)} of ${repeated.total.toLocaleString('en-US')} ` +
      `held-out repeated tokens and ${pct(fresh.accuracy)} of the fresh ones`,
    '(chance is 1/24; its card.json says how it was trained). It has no spec: every command reads the folder',
    'as it is.',
    '',
    await shell(`pathsum check ${DIR}`),
    '',
    '`import` prints the spec the folder stands for, to read or edit (`-o FILE` writes it). Its renames name',
    'the stored tensors and their layouts, so the spec given the folder as its weights loads the same ones:',
    '',
    await shell(`pathsum import ${DIR}`),
    '',
    'The architecture comes from `n_layer`, `n_head`, `d_model`, `d_hidden`, `n_ctx`, `bias` and',
    '`normalization`, the vocabulary from the shape of `transformer.wte.weight` in the safetensors header. Other',
    'fields (dropouts, `tokenizer`, `architectures`, `torch_dtype`, `transformers_version`, …) are ignored; a',
    '`gate` other than null, or `bilinear: false`, is refused: a gated MLP has no path expansion. A sharded',
    'checkpoint (`model.safetensors.index.json` and its shards) reads the same way.',
    '',
    `Three bilinear layers make ${terms} terms, too many to list one by one; \`eval\` weighs those of`,
    'degree at most 1 (the direct path, the heads and the virtual heads, whose coefficients are the attention',
    "scales `1/√6` and `1/6`) against the forward pass on the tour's input:",
    '',
    await shell(`pathsum eval ${DIR} --tokens ${TOKENS} --max-degree 1 --top 6`),
    '',
  ].join('\n');
}
