// A block is defined once: a block kind that exists only in this file plugs into expand, count,
// forward and lower through the Block interface alone. The kind: "self-attending heads", each
// position reading only itself (x ↦ x + Σ_h x W_V^h W_O^h), whose paths are `(Id ⊗ W_O W_V) p`.
// Its expansion is checked three independent ways: term count against the closed form, Σ of its
// terms' formulas (float64 reference evaluator) against the forward pass, and the forward pass
// against the same map written out by hand.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { DenseEvaluator, type DenseEnv } from '../../src/formula/evaluate-dense.js';
import { add, matrix, type Matrix } from '../../src/linalg/matrix.js';
import * as N from '../../src/formula/nodes.js';
import { compile } from '../../src/model/spec.js';
import { defaultKey, site } from '../../src/language/site.js';
import type { Block, ForwardContext } from '../../src/model/block.js';
import { assemble, type Blocks } from '../../src/model/blocks.js';
import { embedding } from '../../src/model/blocks/embedding.js';
import { unembedding } from '../../src/model/blocks/unembedding.js';
import { countTerms } from '../../src/model/count.js';
import { expand } from '../../src/model/expand.js';
import { forwardThrough } from '../../src/model/forward.js';
import { readout } from '../../src/model/lower.js';
import { requiredWeights } from '../../src/model/weights.js';
import { head, type Path } from '../../src/paths/path.js';

function selfHeads(layer: number, heads: number, size: number, width: number): Block {
  const at = (name: string) => site('attn', layer, name);
  const tensor = (name: string, shape: number[]) => ({
    site: at(name),
    key: defaultKey(at(name)),
    shape,
    init: 'map' as const,
  });
  return {
    kind: 'self-attending heads',
    layer,
    weights: [tensor('W_V', [heads, width, size]), tensor('W_O', [heads, size, width])],
    owns: [`head:${layer}`],
    describe: () => `${heads} self-attending heads`,
    expand: residual =>
      function* () {
        yield* residual();
        for (let h = 0; h < heads; h++) for (const t of residual()) yield { ...t, path: head(layer, h, t.path) };
      },
    count: (residual, c) => c.add(residual, c.times(residual, heads)),
    lower: (path: Path, sub) => {
      if (path.kind !== 'head') throw new Error('not mine');
      const ov = N.fprod([N.weight('W_O', layer, path.head), N.weight('W_V', layer, path.head)]);
      return N.apply(N.kron(N.id(), ov), sub(path.of));
    },
    forward: (x, { tf: t, weight }) => {
      const [B, n, d] = x.shape;
      const flat = t.reshape(x, [B * n, d]);
      let out = t.zeros([B * n, d]) as tf.Tensor2D;
      for (let h = 0; h < heads; h++) {
        const slice = (name: string) => t.squeeze(t.slice(weight(at(name)), [h], [1]), [0]) as tf.Tensor2D;
        out = t.add(out, t.matMul(t.matMul(flat, slice('W_V')), slice('W_O')));
      }
      return t.add(x, t.reshape(out, [B, n, d])) as tf.Tensor3D;
    },
  };
}

const V = 7;
const d = 6;
const k = 3;
const [arch] = compile(`model toy { vocab ${V}; context 5; width ${d}; embed; layer { bilinear hidden 2 }; unembed }`);

/** Two layers of the new kind between the embedding and the unembedding. */
function model(heads: [number, number]): Blocks {
  return assemble(
    arch!,
    [embedding(V, d), selfHeads(0, heads[0], k, d), selfHeads(1, heads[1], k, d)],
    unembedding(arch!.unembed, V, d),
  );
}

/** Reproducible weights in float32, keyed by default key. */
function weightsOf(blocks: Blocks, seed: number): Map<string, Float32Array> {
  let state = seed;
  const uniform = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  return new Map(
    requiredWeights(blocks).map(w => [w.key, Float32Array.from({ length: w.shape.reduce((a, b) => a * b) }, uniform)]),
  );
}

function forwardLogits(blocks: Blocks, weights: Map<string, Float32Array>, tokens: number[]): number[][] {
  const shapes = new Map(requiredWeights(blocks).map(w => [w.key, [...w.shape]]));
  return tf.tidy(() => {
    const context: ForwardContext = {
      tf,
      tokens: tf.tensor2d([tokens], [1, tokens.length], 'int32'),
      weight: at => tf.tensor(weights.get(defaultKey(at))!, shapes.get(defaultKey(at))!),
      freezePattern: () => {},
      freezeScale: () => {},
    };
    return (forwardThrough(blocks, context).arraySync() as number[][][])[0]!;
  });
}

/** The float64 environment of the reference evaluator: column convention (docs/design.md §1). */
function envOf(weights: Map<string, Float32Array>, tokens: number[]): DenseEnv {
  const columns = (data: Float32Array, offset: number, rows: number, cols: number): Matrix =>
    matrix(cols, rows, (i, j) => data[offset + j * cols + i]!);
  const unused = () => {
    throw new Error('not in this model');
  };
  return {
    n: tokens.length,
    weight: (name, layer, h) => {
      if (name === 'W_E') return matrix(d, tokens.length, (i, s) => weights.get('embed.W_E')![tokens[s]! * d + i]!);
      if (name === 'W_U') return columns(weights.get('unembed.W_U')!, 0, d, V);
      if (name === 'W_V') return columns(weights.get(`blocks.${layer}.attn.W_V`)!, h! * d * k, d, k);
      if (name === 'W_O') return columns(weights.get(`blocks.${layer}.attn.W_O`)!, h! * k * d, k, d);
      return unused();
    },
    vector: unused,
    pattern: unused,
    scale: unused,
    bilinear: unused,
  };
}

describe('a block kind defined only in this test', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('expands into the paths it writes, as many as its closed-form count', () => {
    fc.assert(
      fc.property(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 })), ([h0, h1]) => {
        const blocks = model([h0, h1]);
        const terms = [...expand(blocks)];
        expect(terms.length).toBe((1 + h0) * (1 + h1));
        expect(countTerms(blocks).total).toEqual({ exact: BigInt((1 + h0) * (1 + h1)) });
        expect(terms.filter(t => t.path.kind === 'head' && t.path.of.kind === 'head')).toHaveLength(h0 * h1);
      }),
    );
  });

  it('runs forward as its own map, written out by hand', () => {
    const blocks = model([2, 1]);
    const weights = weightsOf(blocks, 1);
    const tokens = [3, 0, 6];
    const logits = forwardLogits(blocks, weights, tokens);
    const E = weights.get('embed.W_E')!;
    const through = (x: number[], layer: number, h: number) => {
      const [Wv, Wo] = [weights.get(`blocks.${layer}.attn.W_V`)!, weights.get(`blocks.${layer}.attn.W_O`)!];
      const z = Array.from({ length: k }, (_, j) => x.reduce((s, xi, i) => s + xi * Wv[h * d * k + i * k + j]!, 0));
      return Array.from({ length: d }, (_, o) => z.reduce((s, zj, j) => s + zj * Wo[h * k * d + j * d + o]!, 0));
    };
    const plus = (a: number[], b: number[]) => a.map((x, i) => x + b[i]!);
    tokens.forEach((token, t) => {
      let x = Array.from({ length: d }, (_, i) => E[token * d + i]!);
      x = plus(plus(x, through(x, 0, 0)), through(x, 0, 1));
      x = plus(x, through(x, 1, 0));
      const U = weights.get('unembed.W_U')!;
      const expected = Array.from({ length: V }, (_, v) => x.reduce((s, xi, i) => s + xi * U[i * V + v]!, 0));
      expected.forEach((value, v) => {
        expect(logits[t]![v]).toBeCloseTo(value, 4); // float32 forward: 1e-4 absolute on logits of size ~1
      });
    });
  });

  it('lowers every path to a formula, and Σ terms = forward', () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })),
        fc.integer({ min: 1, max: 1000 }),
        fc.array(fc.integer({ min: 0, max: V - 1 }), { minLength: 1, maxLength: 5 }),
        (heads, seed, tokens) => {
          const blocks = model(heads);
          const weights = weightsOf(blocks, seed);
          const evaluator = new DenseEvaluator(envOf(weights, tokens));
          const sum = [...expand(blocks)].map(t => evaluator.value(readout(t.path, blocks))).reduce(add);
          const logits = forwardLogits(blocks, weights, tokens);
          // float64 terms against the float32 forward pass
          sum.data.forEach((x, i) => {
            expect(Math.abs(x - logits[Math.floor(i / V)]![i % V]!)).toBeLessThan(1e-4);
          });
        },
      ),
      { numRuns: 20 },
    );
  });
});
