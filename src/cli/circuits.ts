// `pathsum circuits SPEC`: every head's weight-only OV and QK circuits summarized by their eigenvalues (Elhage
// et al. 2021's copying score), and the Q-, K- and V-composition scores between heads of different layers.
import { UserError } from '../errors.js';
import { parseBackend, useBackend } from '../numeric/backend.js';
import { loadSpecSource } from '../numeric/spec-source.js';
import { parseFlags, seedFlag } from './args.js';
import type { Io } from './io.js';
import { modelFlags, modelOptions, type ModelValues } from './model-flags.js';
import { backendFlag, oneSpec } from './target-flags.js';

const HELP = `usage: pathsum circuits SPEC [options]

Per head, the weight-only circuits of Elhage et al. 2021, never formed as V × V matrices:
  OV  W_U W_OV W_E: what the head writes about the token it attends to
  QK  W_Eᵀ W_QK W_E: which token pairs it attends between (at offset 0 under rotary attention)
each summarized by its copying score Σλ / Σ|λ| over its eigenvalues (1: every eigenvalue positive, the
head copies; −1: every one negative), computed from the d_head × d_head factor that shares them. Then,
for every pair of heads in different layers, the composition scores ‖W_A W_B‖_F / (‖W_A‖_F ‖W_B‖_F)
(TransformerLens): Q (W_OV^A into W_QK^B's query side), K (its key side), V (W_OV^A into W_OV^B).
Norms and the positional embedding are left out, as in the paper.

  --weights FILE       safetensors weights (default: random weights, see --seed)
  --allow-extra        ignore tensors of the weights file that the spec does not use (a warning each)
  --seed S             seed of the random weights when no --weights is given (default 0)
  --model NAME         the model, when the spec file holds several
  --json               { "heads": [{layer, head, ov, qk}], "composition": [{from, to, q, k, v}] }, where ov and
                       qk are {eigenvalues: [[re, im]], trace, absSum, copying}
  --backend B          auto (the default), node, wasm or cpu
`;

interface Values extends ModelValues {
  json?: boolean;
  backend?: string;
  help?: boolean;
}

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags<Values>('circuits', args, {
    ...modelFlags,
    json: { type: 'boolean' },
    ...backendFlag,
  });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  const spec = oneSpec('circuits', positionals);
  const backendChoice = parseBackend(values.backend);
  const seed = seedFlag('circuits', values.seed);
  const arch = loadSpecSource(spec, { model: values.model });
  if (!arch.layers.some(l => l.attention)) throw new UserError(`circuits: model '${arch.name}' has no attention heads`);
  const [{ loadModel }, { circuits }] = await Promise.all([
    import('../numeric/model.js'),
    import('../analysis/circuits.js'),
  ]);
  await useBackend(backendChoice);
  const model = loadModel(spec, modelOptions(values, seed));
  for (const w of model.warnings) io.stderr(`warning: ${w}\n`);
  const result = circuits(model.arch, model.weights);
  if (values.json) {
    io.stdout(`${JSON.stringify(result)}\n`);
    return 0;
  }
  const fixed = (x: number) => x.toFixed(3).padStart(8);
  const top = (e: { eigenvalues: readonly (readonly [number, number])[] }) =>
    e.eigenvalues
      .slice(0, 3)
      .map(([re, im]) =>
        Math.abs(im) < 1e-9 ? re.toFixed(2) : `${re.toFixed(2)}${im < 0 ? '−' : '+'}${Math.abs(im).toFixed(2)}i`,
      )
      .join(', ');
  const lines = [
    `model ${model.arch.name} · ${model.source}`,
    '',
    `head   ${'OV copy'.padStart(8)}  ${'QK copy'.padStart(8)}  largest OV eigenvalues · largest QK eigenvalues`,
    ...result.heads.map(
      h =>
        `${`${h.layer}.${h.head}`.padEnd(5)}  ${fixed(h.ov.copying)}  ${fixed(h.qk.copying)}  ` +
        `${top(h.ov)} · ${top(h.qk)}`,
    ),
  ];
  if (result.composition.length > 0)
    lines.push(
      '',
      `from → to   ${'Q'.padStart(8)}  ${'K'.padStart(8)}  ${'V'.padStart(8)}`,
      ...result.composition.map(
        c =>
          `${`${c.from.layer}.${c.from.head} → ${c.to.layer}.${c.to.head}`.padEnd(10)}  ` +
          `${fixed(c.q)}  ${fixed(c.k)}  ${fixed(c.v)}`,
      ),
    );
  io.stdout(`${lines.join('\n')}\n`);
  return 0;
}
