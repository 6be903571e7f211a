// Finite weights whose products overflow float32: the forward pass and the term evaluation stop with one line
// naming the first step that is not finite, instead of printing tables of NaN. Each model below is built so that
// the first overflowing step is known by hand (1e20 · 1e20 = 1e40 > 3.4e38, the largest float32).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { compile, loadSpec } from '../../src/model/spec.js';
import { expand } from '../../src/model/expand.js';
import { requiredWeights } from '../../src/model/weights.js';
import { pathFamily } from '../../src/paths/family.js';
import { expandScores } from '../../src/model/scores.js';
import { evaluateSequence } from '../../src/numeric/attribution.js';
import { useBackend } from '../../src/numeric/backend.js';
import { forward } from '../../src/numeric/forward.js';
import type { Model } from '../../src/numeric/model.js';
import { OverflowError } from '../../src/numeric/overflow.js';
import { readSafetensors, writeSafetensors } from '../../src/numeric/safetensors.js';
import { evaluateScores } from '../../src/numeric/scores.js';
import { disposeWeights, randomWeights, type Weights } from '../../src/numeric/weights.js';

beforeAll(async () => {
  await useBackend(process.env.PATHSUM_TEST_BACKEND === 'cpu' ? 'cpu' : 'wasm');
});

const BIG = 1e20;

/** A width-1 (or width-2) model with the weights given, every one of them finite. */
function model(body: string, values: Record<string, number[]>): Model {
  const arch = compile(`model m {\n vocab 2; context 2\n ${body}\n}`)[0]!;
  const weights = new Map<string, tf.Tensor>();
  for (const spec of requiredWeights(arch)) {
    const data = values[spec.key] ?? Array(spec.shape.reduce((a, b) => a * b, 1)).fill(1);
    weights.set(spec.key, tf.tensor(data, [...spec.shape]));
  }
  return { arch, weights, source: 'test.safetensors', random: false, warnings: [] };
}

function overflowOf(m: Model): string {
  const before = tf.memory().numTensors;
  let message = '';
  try {
    evaluateSequence(m, [0, 1], [...expand(m.arch)]);
  } catch (error) {
    expect(error).toBeInstanceOf(OverflowError);
    message = (error as Error).message;
  }
  disposeWeights(m.weights);
  expect(tf.memory().numTensors).toBe(before - m.weights.size);
  return message;
}

const forwardPass = (step: string) =>
  `test.safetensors: the forward pass overflowed float32 in ${step}: the weights are too large`;

// [step, spec body, weights (the rest are 1)]
const steps: [string, string, Record<string, number[]>][] = [
  [
    'the positional embedding',
    'width 1\n embed positional\n unembed',
    { 'embed.W_E': [3e38, 3e38], 'pos_embed.W_pos': [3e38, 3e38] },
  ],
  // q = x W_Q = 1e40
  [
    'layer 0 attention (scores)',
    'width 1\n embed\n layer { attention heads 1 size 1 }\n unembed',
    { 'embed.W_E': [BIG, BIG], 'blocks.0.attn.W_Q': [BIG] },
  ],
  // q = 0, so the pattern is uniform; v = x W_V = 1e40
  [
    'layer 0 attention',
    'width 1\n embed\n layer { attention heads 1 size 1 }\n unembed',
    { 'embed.W_E': [BIG, BIG], 'blocks.0.attn.W_Q': [0], 'blocks.0.attn.W_V': [BIG] },
  ],
  // (x W_in) ⊙ (x W_gate) = 1e40
  [
    'layer 0 bilinear',
    'width 1\n embed\n layer { bilinear hidden 1 }\n unembed',
    { 'blocks.0.mlp.W_in': [BIG], 'blocks.0.mlp.W_gate': [BIG] },
  ],
  // x² = 1e40: 1/rms is 0 and the normed stream 0, finite but wrong
  [
    'layer 0 bilinear (norm ln2.0: the mean square)',
    'width 1\n embed\n layer { norm rms\n bilinear hidden 1 }\n unembed',
    { 'embed.W_E': [BIG, BIG] },
  ],
  [
    'the unembedding (norm final: the mean square)',
    'width 2\n embed\n norm layer\n unembed',
    { 'embed.W_E': [BIG, -BIG, BIG, -BIG] },
  ],
  ['the unembedding', 'width 1\n embed\n unembed', { 'embed.W_E': [BIG, BIG], 'unembed.W_U': [BIG, BIG] }],
];

describe('the forward pass names the first step that overflows float32', () => {
  it.each(steps)('%s', (step, body, values) => {
    expect(Object.values(values).flat().every(Number.isFinite)).toBe(true);
    expect(overflowOf(model(body, values))).toBe(forwardPass(step));
  });

  it('the same models with weights of 1 evaluate', () => {
    for (const [, body] of steps) {
      const m = model(body, {});
      expect(
        evaluateSequence(m, [0, 1], [...expand(m.arch)])
          .logits.flat()
          .every(Number.isFinite),
      ).toBe(true);
      disposeWeights(m.weights);
    }
  });

  // On a model with norms and biases, weights scaled by 10^k: where the unchecked pass gives logits that are not
  // finite, the checked one throws; where the checked one returns, it returns the same logits. (It also throws
  // where a norm's mean square overflowed and the unchecked logits are finite but wrong.)
  it('checking changes nothing but the refusal', () => {
    const arch = loadSpec('examples/full.pathsum');
    const seen = new Set<string>();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 24 }), fc.integer({ min: 0, max: 1000 }), (k, seed) => {
        const base = randomWeights(arch, seed);
        const weights: Weights = new Map([...base].map(([key, t]) => [key, tf.mul(t, 10 ** k)]));
        disposeWeights(base);
        tf.tidy(() => {
          const tokens = tf.tensor2d([[1, 2, 3]], [1, 3], 'int32');
          const plain = forward(arch, weights, tokens).logits.dataSync();
          let checked: Float32Array | undefined;
          try {
            checked = forward(arch, weights, tokens, { checkFinite: true }).logits.dataSync() as Float32Array;
          } catch (error) {
            expect(error).toBeInstanceOf(OverflowError);
          }
          if (checked) expect(checked).toEqual(plain);
          seen.add(checked ? 'returned' : 'refused');
          if (!plain.every(Number.isFinite)) expect(checked).toBeUndefined();
        });
        disposeWeights(weights);
      }),
      { numRuns: 60 },
    );
    expect([...seen].sort()).toEqual(['refused', 'returned']);
  });
});

describe('the terms are checked where the forward pass is finite', () => {
  // x = W_E[t] + W_pos[p] = 1e20 − 1e20 = 0, so the forward pass is 0; the pair terms are (±1e20)² = ±1e40
  it('names the first term that overflows, with its family', () => {
    const m = model('width 1\n embed positional\n layer { bilinear hidden 1 }\n unembed', {
      'embed.W_E': [BIG, BIG],
      'pos_embed.W_pos': [-BIG, -BIG],
    });
    const terms = [...expand(m.arch)];
    const logits = tf.tidy(() => forward(m.arch, m.weights, tf.tensor2d([[0, 1]], [1, 2], 'int32')).logits.dataSync());
    expect([...logits]).toEqual([0, 0, 0, 0]);
    const first = terms.findIndex(t => t.path.kind === 'bilinear');
    expect(first).toBeGreaterThanOrEqual(0);
    expect(overflowOf(m)).toBe(
      `test.safetensors: the evaluation of the terms overflowed float32 in term ${first + 1} of ${terms.length} ` +
        `(${pathFamily(terms[first]!.path)}): the weights are too large`,
    );
  });
});

describe('a score term overflows where the forward pass does not', () => {
  it('names the side: W_E and W_pos cancel in the stream (x = 0), but each alone times W_Q is 1e40', () => {
    const m = model('width 1\n embed positional\n layer { attention heads 1 size 1 }\n unembed', {
      'embed.W_E': [BIG, BIG],
      'pos_embed.W_pos': [-BIG, -BIG],
      'blocks.0.attn.W_Q': [BIG],
    });
    const target = { layer: 0, head: 0 };
    expect(() => evaluateScores(m.arch, m.weights, [0, 1], target, expandScores(m.arch, target))).toThrow(
      new OverflowError(
        'the score terms overflowed float32 in the query side of head 0.0 (W_Q): the weights are too large',
      ),
    );
    expect(() => evaluateSequence(m, [0, 1], [...expand(m.arch)])).not.toThrow();
    disposeWeights(m.weights);
  });
});

describe('the commands on the induction model with its weights × 1e20', () => {
  let file: string;
  beforeAll(() => {
    const source = 'examples/induction/model.safetensors';
    const { tensors } = readSafetensors(readFileSync(source), source);
    const scaled = new Map([...tensors].map(([k, t]) => [k, { shape: t.shape, data: t.data.map(v => v * BIG) }]));
    expect([...scaled.values()].every(t => t.data.every(Number.isFinite))).toBe(true);
    file = join(mkdtempSync(join(tmpdir(), 'pathsum-overflow-')), 'big.safetensors');
    writeFileSync(file, writeSafetensors(scaled));
  });

  it.each(
    [
      ['eval', '--tokens', '1,2,3'],
      ['eval', '--tokens', '1,2,3', '--scores', '0.0'],
      ['eval', '--tokens', '1,2,3', '--scores', '1.1'],
      ['trace', '--tokens', '1,2,3'],
      ['report', '--tokens', '1,2,3', '--quiet'],
      ['verify', '--runs', '1', '--quiet'],
    ].map(command => [command.join(' '), command]),
  )('pathsum %s exits 1 with one line naming the file and the step', async (_, [command, ...flags]) => {
    const io = memoryIo();
    const backend = process.env.PATHSUM_TEST_BACKEND === 'cpu' ? 'cpu' : 'wasm';
    const code = await main([command!, 'examples/induction', '--weights', file, ...flags, '--backend', backend], io);
    expect({ code, out: io.out(), err: io.err() }).toEqual({
      code: 1,
      out: '',
      err:
        `pathsum: ${file}: the forward pass overflowed float32 in layer 0 attention (scores): ` +
        'the weights are too large\n',
    });
  });
});
