// `npm run train -- modadd|induction|hf-induction [flags]`: trains a shipped model from its recipe
// (recipes.ts) and writes DIR/model.safetensors and DIR/card.json, DIR = examples/TASK unless
// --out (hf-induction: DIR/config.json too, the tensors in the Hugging Face layout). Flags override the
// recipe for tuning runs: --steps --lr --wd --batch --seed --grokfast --schedule constant|cosine
// --fraction (modadd) --backend wasm|cpu.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../src/numeric/backend.js';
import { writeSafetensors } from '../../src/numeric/safetensors.js';
import { compile, loadSpec } from '../../src/model/spec.js';
import { huggingfaceSpec } from '../../src/model/huggingface.js';
import type { Architecture } from '../../src/language/architecture.js';
import type { Example } from '../../src/analysis/inputs.js';
import { Random } from '../../src/analysis/random.js';
import { inductionBatch, inductionExample } from '../../src/analysis/task-induction.js';
import { modaddSplit } from '../../src/analysis/task-modadd.js';
import { accuracyByGroup, type GroupAccuracy } from './evaluate.js';
import { writeHuggingfaceFolder } from './huggingface.js';
import {
  type HuggingfaceInductionRecipe,
  type InductionRecipe,
  type ModaddRecipe,
  type Recipe,
  recipes,
} from './recipes.js';
import { type Batch, disposeBatch, initialWeights, toBatch, train, type TrainableWeights } from './trainer.js';
import { registerWasmTrainingKernels } from './wasm-kernels.js';

const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));

interface Outcome {
  readonly weights: TrainableWeights;
  readonly card: Record<string, unknown>;
}

function choice<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value))
    throw new Error(`--${flag} must be one of ${allowed.join(', ')}, found '${value}'`);
  return value as T;
}

function parseOptions(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      steps: { type: 'string' },
      lr: { type: 'string' },
      wd: { type: 'string' },
      batch: { type: 'string' },
      seed: { type: 'string' },
      grokfast: { type: 'string' },
      schedule: { type: 'string' },
      fraction: { type: 'string' },
      out: { type: 'string' },
      backend: { type: 'string', default: 'wasm' },
    },
  });
  const task = positionals[0];
  if (task !== 'modadd' && task !== 'induction' && task !== 'hf-induction')
    throw new Error(
      'usage: train modadd|induction|hf-induction [--steps N] [--lr X] [--wd X] [--batch N] [--seed N] ' +
        '[--grokfast GAIN] [--schedule constant|cosine] [--fraction F] [--out DIR] [--backend wasm|cpu] ' +
        `(found '${task ?? ''}')`,
    );
  const number = (name: string, text: string | undefined) => {
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!Number.isFinite(value)) throw new Error(`--${name} must be a number, found '${text}'`);
    return value;
  };
  const base: Recipe = recipes[task];
  const hyper = {
    ...base.hyper,
    ...(values.steps !== undefined && { steps: number('steps', values.steps)! }),
    ...(values.lr !== undefined && { learningRate: number('lr', values.lr)! }),
    ...(values.wd !== undefined && { weightDecay: number('wd', values.wd)! }),
    ...(values.batch !== undefined && { batchSize: number('batch', values.batch)! }),
    ...(values.grokfast !== undefined && { slowGradientGain: number('grokfast', values.grokfast)! }),
    ...(values.schedule !== undefined && {
      schedule: choice('schedule', values.schedule, ['constant', 'cosine'] as const),
    }),
  };
  let recipe: Recipe = { ...base, hyper, ...(values.seed !== undefined && { seed: number('seed', values.seed)! }) };
  if (recipe.task === 'modadd' && values.fraction !== undefined)
    recipe = { ...recipe, data: { ...recipe.data, trainFraction: number('fraction', values.fraction)! } };
  const backend = choice('backend', values.backend!, ['wasm', 'cpu'] as const);
  return { recipe, out: values.out ?? join(repositoryRoot, 'examples', task), backend } as const;
}

/** Measured as the run ends: other work on the machine slows the run, and the card says by how much. */
const wallTimeNote = () =>
  `wall time measured on ${cpus().length} cores shared with other processes (load average ` +
  `${loadavg()[0]!.toFixed(0)} as the run ended), so an idle machine is faster`;

const percent = (a: GroupAccuracy | undefined) => (a ? `${(100 * a.accuracy).toFixed(2)}%` : 'n/a');
const rounded = (a: GroupAccuracy) => ({ correct: a.correct, total: a.total, accuracy: Number(a.accuracy.toFixed(4)) });

/** The whole set every step (size 0), or epochs of shuffled mini-batches drawn from `random`. */
function minibatches(examples: readonly Example[], size: number, vocab: number, random: Random) {
  if (size <= 0 || size >= examples.length) {
    const full = toBatch(examples, vocab);
    return { next: () => full, dispose: () => disposeBatch(full) };
  }
  let order: Example[] = [];
  let current: Batch | undefined;
  const next = () => {
    if (current) disposeBatch(current);
    if (order.length < size) order = random.shuffled(examples);
    current = toBatch(order.splice(0, size), vocab);
    return current;
  };
  return { next, dispose: () => current && disposeBatch(current) };
}

function trainModadd(recipe: ModaddRecipe, arch: Architecture): Outcome {
  const split = modaddSplit(recipe.seed, recipe.data);
  const weights = initialWeights(arch, Random.derive(recipe.seed, 'init'), recipe.hyper.embeddingStd);
  const batches = minibatches(split.train, recipe.hyper.batchSize, arch.vocab, Random.derive(recipe.seed, 'batches'));
  const heldOut = () => accuracyByGroup(arch, weights, split.heldOut).get('sum')!;
  const every = Math.max(100, Math.round(recipe.hyper.steps / 30));
  const run = train(
    arch,
    weights,
    recipe.hyper,
    {
      batch: batches.next,
      report: { every, line: (step, loss) => `step ${step} loss ${loss.toFixed(5)} held-out ${percent(heldOut())}` },
    },
    'modadd',
  );
  batches.dispose();
  const card = {
    task: 'modadd',
    description:
      `one layer of attention and a bilinear MLP on modular addition: \`a b =\` → (a + b) mod ${recipe.data.p} ` +
      `at the \`=\` position (token ${recipe.data.p})`,
    spec: 'modadd.pathsum',
    weights: 'model.safetensors',
    p: recipe.data.p,
    vocab: arch.vocab,
    data: {
      generator:
        'modaddSplit(seed, { p, trainFraction }) in src/analysis/task-modadd.ts: ' +
        'the p(p+1)/2 unordered pairs {a, b} shuffled by the seed, the first trainFraction for training, ' +
        'each pair in both orders',
      seed: recipe.seed,
      trainFraction: recipe.data.trainFraction,
      trainSize: split.train.length,
      heldOutSize: split.heldOut.length,
    },
    ...commonCard(recipe, run),
    trainAccuracy: rounded(accuracyByGroup(arch, weights, split.train).get('sum')!),
    heldOutAccuracy: rounded(heldOut()),
    notes: [
      'held-out pairs are unordered: neither (a, b) nor (b, a) was trained on, ' +
        'so symmetry cannot stand in for generalization',
      'train fraction 0.6: with 0.4 (0.5) of the pairs the best runs that fit a ten-minute budget ' +
        'stopped at 75% (90%) held-out accuracy, still grokking',
      wallTimeNote(),
    ],
  };
  return { weights, card };
}

function trainInduction(recipe: InductionRecipe | HuggingfaceInductionRecipe, arch: Architecture): Outcome {
  const weights = initialWeights(arch, Random.derive(recipe.seed, 'init'), recipe.hyper.embeddingStd);
  const stream = Random.derive(recipe.seed, 'batches');
  const heldOut = inductionBatch(recipe.heldOutSeed, recipe.heldOutSize, recipe.data);
  let current: Batch | undefined;
  const nextBatch = () => {
    if (current) disposeBatch(current);
    const examples: Example[] = Array.from({ length: recipe.hyper.batchSize }, () =>
      inductionExample(stream, recipe.data),
    );
    current = toBatch(examples, arch.vocab);
    return current;
  };
  const measure = () => accuracyByGroup(arch, weights, heldOut);
  const run = train(
    arch,
    weights,
    recipe.hyper,
    {
      batch: nextBatch,
      report: {
        every: 200,
        line: (step, loss) => {
          const a = measure();
          const accuracies = `repeated ${percent(a.get('repeated'))} fresh ${percent(a.get('fresh'))}`;
          return `step ${step} loss ${loss.toFixed(5)} ${accuracies}`;
        },
      },
    },
    recipe.task,
  );
  if (current) disposeBatch(current);
  const final = measure();
  const card = {
    task: 'induction',
    ...(recipe.task === 'hf-induction'
      ? huggingfaceIdentity(recipe)
      : {
          description:
            'two layers of attention and bilinear MLPs on induction: a prefix of distinct random tokens, ' +
            'then the sequence repeats with that period',
          spec: 'induction.pathsum',
        }),
    weights: 'model.safetensors',
    vocab: arch.vocab,
    context: arch.context,
    chance: Number((1 / arch.vocab).toFixed(4)),
    data: {
      generator:
        'inductionExample/inductionBatch in src/analysis/task-induction.ts: ' +
        'period h uniform in [minPeriod, maxPeriod], x_0..x_{h-1} distinct uniform tokens, x_t = x_{t-h}; ' +
        'position t predicts x_{t+1}, `repeated` when x_t occurred before (t ≥ h), else `fresh`',
      ...recipe.data,
      trainSeed: recipe.seed,
      trainStream: "Random.derive(seed, 'batches') → inductionExample per sequence",
      trainSequences: recipe.hyper.steps * recipe.hyper.batchSize,
      heldOutSeed: recipe.heldOutSeed,
      heldOutSize: recipe.heldOutSize,
    },
    ...commonCard(recipe, run),
    heldOutAccuracy: { repeated: rounded(final.get('repeated')!), fresh: rounded(final.get('fresh')!) },
    notes: [
      'every training batch is freshly generated, so the held-out sequences are draws ' +
        'from the training distribution that the trainer never saw (their seed differs)',
      'a fresh target cannot be copied from a repeat: the best possible guess is a token not seen yet ' +
        'in the sequence, 1/(vocab − seen) > 1/vocab, ' +
        'which is why fresh accuracy sits above chance but far below the repeated part',
      wallTimeNote(),
    ],
  };
  return { weights, card };
}

/** How the card of a Hugging Face folder names the model: its config, not a spec file. */
function huggingfaceIdentity(recipe: HuggingfaceInductionRecipe) {
  const { layers, heads, width, hidden } = recipe.architecture;
  return {
    description:
      `a bilinear transformer of Pearce et al. 2025 (${layers} layers, ${heads} heads, width ${width}, ` +
      `bilinear MLPs of ${hidden} without biases, rotary attention scaled by 1/sqrt(${2 * layers}), gainless ` +
      'RMSNorm) on induction, saved as a Hugging Face folder: config.json and model.safetensors',
    format: 'huggingface',
    config: 'config.json',
  };
}

/** The model a Hugging Face recipe trains, as `pathsum` reads its folder. */
function huggingfaceArchitecture(recipe: HuggingfaceInductionRecipe): Architecture {
  return compile(huggingfaceSpec('hf_induction', recipe.architecture, recipe.data.vocab))[0]!;
}

function commonCard(recipe: Recipe, run: { finalLoss: number; seconds: number }) {
  return {
    optimizer: {
      name: 'Adam with decoupled weight decay (AdamW, decay scaled by the current rate), linear warm-up',
      ...recipe.hyper,
      epsilon: 1e-8,
      batchSize: recipe.hyper.batchSize || 'full batch',
    },
    initialization:
      `N(0, 1/fan_in) maps, N(0, ${recipe.hyper.embeddingStd}²) embeddings, ` +
      `from Random.derive(${recipe.seed}, 'init')`,
    steps: recipe.hyper.steps,
    wallTimeSeconds: Math.round(run.seconds),
    finalTrainLoss: Number(run.finalLoss.toPrecision(4)),
  };
}

function save(
  dir: string,
  task: string,
  weights: TrainableWeights,
  card: Record<string, unknown>,
  backend: string,
): void {
  const tensors = new Map(
    [...weights].map(([key, v]) => [key, { shape: v.shape, data: v.dataSync() as Float32Array }]),
  );
  writeFileSync(
    join(dir, 'model.safetensors'),
    writeSafetensors(tensors, { task, producer: 'pathsum examples/train' }),
  );
  writeCard(dir, card, backend);
}

function saveHuggingface(dir: string, arch: Architecture, outcome: Outcome, backend: string): void {
  mkdirSync(dir, { recursive: true });
  const stored = new Map(
    [...outcome.weights].map(([key, v]) => [key, { shape: v.shape, data: v.dataSync() as Float32Array }]),
  );
  writeHuggingfaceFolder(dir, arch, stored);
  writeCard(dir, outcome.card, backend);
}

const withMachine = (card: Record<string, unknown>, backend: string) => ({
  ...card,
  backend,
  machine: `${process.platform} ${process.arch}, node ${process.version}`,
});

function writeCard(dir: string, card: Record<string, unknown>, backend: string): void {
  writeFileSync(join(dir, 'card.json'), `${JSON.stringify(withMachine(card, backend), null, 2)}\n`);
}

async function main(): Promise<void> {
  const { recipe, out, backend } = parseOptions(process.argv.slice(2));
  await useBackend(backend);
  registerWasmTrainingKernels();
  const arch =
    recipe.task === 'hf-induction'
      ? huggingfaceArchitecture(recipe)
      : loadSpec(join(repositoryRoot, 'examples', recipe.task, `${recipe.task}.pathsum`));
  const outcome = recipe.task === 'modadd' ? trainModadd(recipe, arch) : trainInduction(recipe, arch);
  if (recipe.task === 'hf-induction') saveHuggingface(out, arch, outcome, tf.getBackend());
  else save(out, recipe.task, outcome.weights, outcome.card, tf.getBackend());
  console.log(JSON.stringify(outcome.card, null, 2));
}

main().catch((error: Error) => {
  console.error(`train: ${error.message}`);
  process.exit(1);
});
