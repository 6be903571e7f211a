// Weight mode (src/numeric/virtual.ts): virtual weight tables checked entry by entry against
// products of the weights written out here in float64, and the law that contracting a table with
// one-hot inputs and the frozen position kernel gives the term's activation-mode logits.
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { expand, type Term } from '../../src/model/expand.js';
import { site } from '../../src/language/site.js';
import { bias, bilinear, embed, head, ONE, pos, type Path } from '../../src/paths/path.js';
import { useBackend } from '../../src/numeric/backend.js';
import { PathEvaluator } from '../../src/numeric/evaluate.js';
import { disposeFrozen, forwardOne } from '../../src/numeric/forward.js';
import { contractWithInputs, virtualTable, VirtualWeights } from '../../src/numeric/virtual.js';
import { disposeWeights, randomWeights, type Weights } from '../../src/numeric/weights.js';
import type { Architecture, Layer } from '../../src/language/architecture.js';
import { smallArchitecture } from '../arbitraries.js';

beforeAll(async () => {
  await useBackend(process.env.PATHSUM_TEST_BACKEND === 'cpu' ? 'cpu' : 'wasm');
});

const V = 4;
const model = (layers: Layer[], options: Partial<Architecture> = {}): Architecture => ({
  name: 'v',
  vocab: V,
  context: 3,
  width: 3,
  positional: false,
  layers,
  unembed: { bias: false },
  renames: new Map(),
  ...options,
});
const attention = (heads = 2) => ({ heads, headSize: 2, bias: false });

type M = number[][];
const matmul = (a: M, b: M): M => a.map(row => b[0]!.map((_, j) => row.reduce((s, x, k) => s + x * b[k]![j]!, 0)));
const transpose = (a: M): M => a[0]!.map((_, j) => a.map(row => row[j]!));
const get = (weights: Weights, key: string) => weights.get(key)!.arraySync() as M;
const headOf = (weights: Weights, key: string, h: number) => (weights.get(key)!.arraySync() as number[][][])[h]!;

function withWeights<T>(arch: Architecture, seed: number, f: (w: Weights) => T): T {
  const weights = randomWeights(arch, seed);
  try {
    return f(weights);
  } finally {
    disposeWeights(weights);
  }
}

function expectTable(values: Float32Array, expected: number[]) {
  expect(values.length).toBe(expected.length);
  expected.forEach((e, i) => {
    expect(Math.abs(values[i]! - e), `entry ${i}: ${values[i]} vs ${e}`).toBeLessThan(1e-5 * Math.max(1, Math.abs(e)));
  });
}

describe('virtual weight tables, entry by entry', () => {
  it('a head on the embedding is W_U W_OV W_E: table[b, a] = (W_E[a] · W_V W_O · W_U)[b]', () => {
    const arch = model([{ attention: attention() }]);
    withWeights(arch, 3, w => {
      const t = virtualTable(arch, w, head(0, 1, embed()));
      expect(t.shape).toEqual([V, V]);
      expect(t.inputs).toEqual(['token']);
      const rows = matmul(
        matmul(matmul(get(w, 'embed.W_E'), headOf(w, 'blocks.0.attn.W_V', 1)), headOf(w, 'blocks.0.attn.W_O', 1)),
        get(w, 'unembed.W_U'),
      );
      expectTable(t.values, transpose(rows).flat());
    });
  });

  it('composed heads: W_U W_OV^{1,0} W_OV^{0,1} W_E', () => {
    const arch = model([{ attention: attention() }, { attention: attention() }]);
    withWeights(arch, 4, w => {
      const t = virtualTable(arch, w, head(1, 0, head(0, 1, embed())));
      const ov = (l: number, h: number) =>
        matmul(headOf(w, `blocks.${l}.attn.W_V`, h), headOf(w, `blocks.${l}.attn.W_O`, h));
      const rows = matmul(matmul(matmul(get(w, 'embed.W_E'), ov(0, 1)), ov(1, 0)), get(w, 'unembed.W_U'));
      expectTable(t.values, transpose(rows).flat());
    });
  });

  it('a symmetrized pair read at logit c is the V × V table u_c^T W_U B_sym(W_E, W_E), symmetric', () => {
    const arch = model([{ bilinear: { hidden: 3, bias: false } }]);
    withWeights(arch, 5, w => {
      const c = 2;
      const t = virtualTable(arch, w, bilinear(0, embed(), embed(), true), { logit: c });
      expect(t.shape).toEqual([V, V]);
      expect(t.inputs).toEqual(['token', 'token']);
      const [left, right] = [
        matmul(get(w, 'embed.W_E'), get(w, 'blocks.0.mlp.W_in')),
        matmul(get(w, 'embed.W_E'), get(w, 'blocks.0.mlp.W_gate')),
      ];
      // hidden unit k → logit c
      const outC = matmul(get(w, 'blocks.0.mlp.W_out'), get(w, 'unembed.W_U')).map(row => row[c]!);
      const expected = left.flatMap((_, a1) =>
        left.map((_, a2) =>
          outC.reduce((s, u, k) => s + u * 0.5 * (left[a1]![k]! * right[a2]![k]! + left[a2]![k]! * right[a1]![k]!), 0),
        ),
      );
      expectTable(t.values, expected);
      for (let a1 = 0; a1 < V; a1++)
        for (let a2 = 0; a2 < V; a2++) expect(t.values[a1 * V + a2]).toBeCloseTo(t.values[a2 * V + a1]!, 5);
    });
  });

  it('an ordered pair with the homogeneous coordinate: B(1, W_E) = W_out (b_in ⊙ W_gate W_E)', () => {
    const arch = model([{ bilinear: { hidden: 3, bias: true } }]);
    withWeights(arch, 6, w => {
      const t = virtualTable(arch, w, bilinear(0, bias(ONE), embed(), false));
      expect(t.inputs).toEqual(['token']);
      const b_in = w.get('blocks.0.mlp.b_in')!.arraySync() as number[];
      const hidden = matmul(get(w, 'embed.W_E'), get(w, 'blocks.0.mlp.W_gate')).map(row =>
        row.map((x, k) => b_in[k]! * x),
      );
      expectTable(
        t.values,
        transpose(matmul(matmul(hidden, get(w, 'blocks.0.mlp.W_out')), get(w, 'unembed.W_U'))).flat(),
      );
    });
  });

  it('degree 0: a positional path is indexed by position, the logit bias is a vector (a scalar for one logit)', () => {
    const arch = model([], { positional: true, unembed: { bias: true } });
    withWeights(arch, 7, w => {
      const p = virtualTable(arch, w, pos());
      expect(p.shape).toEqual([V, 3]);
      expect(p.inputs).toEqual(['position']);
      expectTable(p.values, transpose(matmul(get(w, 'pos_embed.W_pos'), get(w, 'unembed.W_U'))).flat());
      const b_U = w.get('unembed.b_U')!.arraySync() as number[];
      expect(virtualTable(arch, w, bias(site('unembed', null, 'b_U')))).toMatchObject({ shape: [V], inputs: [] });
      expectTable(virtualTable(arch, w, bias(site('unembed', null, 'b_U'))).values, b_U);
      const one = virtualTable(arch, w, bias(site('unembed', null, 'b_U')), { logit: 1 });
      expect(one.shape).toEqual([]);
      expectTable(one.values, [b_U[1]!]);
    });
  });

  it('a final LayerNorm contributes its centring and gain; its bias is a degree-0 term of its own, not normed', () => {
    const arch = model([], { unembed: { bias: false, norm: 'layer' } });
    withWeights(arch, 8, w => {
      const g = w.get('ln_final.w')!.arraySync() as number[];
      const normed = get(w, 'embed.W_E').map(row => {
        const mean = row.reduce((s, x) => s + x, 0) / row.length;
        return row.map((x, i) => (x - mean) * g[i]!);
      });
      expectTable(virtualTable(arch, w, embed()).values, transpose(matmul(normed, get(w, 'unembed.W_U'))).flat());
      expectTable(
        virtualTable(arch, w, bias(site('ln_final', null, 'b'))).values,
        matmul([w.get('ln_final.b')!.arraySync() as number[]], get(w, 'unembed.W_U'))[0]!,
      );
    });
  });
});

describe('virtual tables refuse what the model does not have', () => {
  const arch = model([{ attention: attention(1), bilinear: { hidden: 3, bias: false } }]);
  const cases: [string, Path, number | undefined, string][] = [
    ['a logit outside the vocabulary', embed(), 4, 'logit 4 is not a token of the vocabulary 0..3'],
    [
      'a missing head',
      head(0, 1, embed()),
      undefined,
      `model 'v' has no head 0.1 for path {"kind":"head","layer":0,"head":1,"of":{"kind":"embed"}}`,
    ],
    [
      'a missing layer',
      bilinear(1, embed(), embed(), true),
      undefined,
      "model 'v' has no bilinear block in layer 1 for path " +
        '{"kind":"bilinear","layer":1,"left":{"kind":"embed"},"right":{"kind":"embed"},"symmetrized":true}',
    ],
    [
      'positions on a model without them',
      pos(),
      undefined,
      `model 'v' has no positional embedding, so it has no path {"kind":"pos"}`,
    ],
    [
      'the homogeneous coordinate as a term',
      bias(ONE),
      undefined,
      'the homogeneous coordinate {"kind":"bias","name":"1"} is only an argument of a bilinear block',
    ],
    ['a bias the model lacks', bias(site('mlp', 0, 'b_out')), undefined, 'the weights lack blocks.0.mlp.b_out'],
  ];
  it.each(cases)('%s', (_, path, logit, message) => {
    withWeights(arch, 1, w => {
      const before = tf.memory().numTensors;
      expect(() => virtualTable(arch, w, path, logit === undefined ? {} : { logit })).toThrow(new UserError(message));
      expect(tf.memory().numTensors).toBe(before);
    });
  });

  it('tokens outside the vocabulary or the context', () => {
    withWeights(arch, 1, w => {
      const table = virtualTable(arch, w, embed());
      const { logits, frozen } = forwardOne(arch, w, [0, 1]);
      expect(() => contractWithInputs(arch, table, [0, 4], frozen)).toThrow(
        new UserError('token 4 is not in the vocabulary 0..3'),
      );
      expect(() => contractWithInputs(arch, table, [0, 1, 2, 3], frozen)).toThrow(
        new UserError('a sequence of 4 tokens does not fit the context of 3'),
      );
      expect(() => contractWithInputs(arch, table, [0, 1, 2], frozen)).toThrow(
        new UserError('the frozen patterns and scales are for 2 tokens, not 3'),
      );
      logits.dispose();
      disposeFrozen(frozen);
    });
  });
});

// ---- the law -------------------------------------------------------------------------------------

const tokensFor = (arch: Architecture) =>
  fc.array(fc.integer({ min: 0, max: arch.vocab - 1 }), { minLength: 1, maxLength: arch.context });

/** Every term (up to `limit`, evenly spaced) in weight mode against activation mode, one logit included. */
function checkLaw(arch: Architecture, seed: number, tokens: number[], symmetrize: boolean, limit: number) {
  const all = [...expand(arch, { symmetrize })];
  const stride = Math.max(1, Math.ceil(all.length / limit));
  const terms = all.filter((_, i) => i % stride === seed % stride);
  expect(terms.length).toBeGreaterThan(0);
  const weights = randomWeights(arch, seed);
  const { logits, frozen } = forwardOne(arch, weights, tokens);
  const evaluator = new PathEvaluator(arch, weights, tokens, frozen);
  const tables = new VirtualWeights(arch, weights);
  const total = new Float64Array(logits.size);
  const totalMass = new Float64Array(logits.size);
  try {
    terms.forEach((term, i) => {
      const c = term.coefficient.valueOf();
      const weightMode = contractWithInputs(arch, tables.table(term.path), tokens, frozen, c);
      const activation = evaluator.logits(term);
      const expected = activation.dataSync();
      activation.dispose();
      // both routes round in float32 through up to a dozen products whose sums may cancel: a degree-8 term
      // once differed by 5.3e-5 of its mass (a wrong term differs by its whole size)
      expected.forEach((e, j) => {
        expect(Math.abs(weightMode.logits[j]! - e), describeTerm(term, j)).toBeLessThanOrEqual(
          2e-4 * Math.max(1, weightMode.mass[j]!),
        );
        total[j]! += weightMode.logits[j];
        totalMass[j]! += weightMode.mass[j];
      });
      const logit = (seed + i) % arch.vocab;
      const read = contractWithInputs(arch, tables.table(term.path, { logit }), tokens, frozen, c);
      read.logits.forEach((v, t) => {
        expect(Math.abs(v - weightMode.logits[t * arch.vocab + logit]!)).toBeLessThanOrEqual(
          1e-5 * Math.max(1, read.mass[t]!),
        );
      });
    });
    if (stride === 1) {
      const forward = logits.dataSync();
      forward.forEach((f, j) => {
        expect(Math.abs(total[j]! - f), `Σ weight-mode terms vs forward, logit ${j}`).toBeLessThanOrEqual(
          2e-5 * Math.max(1, totalMass[j]!),
        );
      });
    }
  } finally {
    tables.dispose();
    evaluator.dispose();
    disposeWeights(weights);
    disposeFrozen(frozen);
    logits.dispose();
  }
}

const describeTerm = (term: Term, j: number) => `term ${JSON.stringify(term.path)} at flat logit ${j}`;

describe('weight mode = activation mode', () => {
  it('norm-free one-layer models: every term, and the terms sum to the forward pass', () => {
    const normFree = smallArchitecture(1).map(a => ({
      ...a,
      layers: a.layers.map(l => ({
        ...(l.attention && { attention: { ...l.attention, norm: undefined } }),
        ...(l.bilinear && { bilinear: { ...l.bilinear, norm: undefined } }),
      })),
      unembed: { bias: a.unembed.bias },
    }));
    fc.assert(
      fc.property(
        normFree.chain(a => fc.tuple(fc.constant(a), tokensFor(a))),
        fc.integer({ min: 0, max: 1000 }),
        fc.boolean(),
        ([arch, tokens], seed, symmetrize) => {
          checkLaw(arch, seed, tokens, symmetrize, Infinity);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('with RMS and LayerNorm: the frozen scales live in the position kernel', () => {
    fc.assert(
      fc.property(
        smallArchitecture(1).chain(a => fc.tuple(fc.constant(a), tokensFor(a))),
        fc.integer({ min: 0, max: 1000 }),
        ([arch, tokens], seed) => {
          checkLaw(arch, seed, tokens, true, Infinity);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('two layers (composed heads, pairs of pairs): a spread of terms', () => {
    fc.assert(
      fc.property(
        smallArchitecture(2).chain(a => fc.tuple(fc.constant(a), tokensFor(a))),
        fc.integer({ min: 0, max: 1000 }),
        fc.boolean(),
        ([arch, tokens], seed, symmetrize) => {
          checkLaw(arch, seed, tokens, symmetrize, 60);
        },
      ),
      { numRuns: 12 },
    );
  });

  it('releases every tensor', () => {
    const arch = model(
      [
        {
          attention: { heads: 2, headSize: 2, bias: true, norm: 'layer' },
          bilinear: { hidden: 3, bias: true, norm: 'rms' },
        },
      ],
      { positional: true, unembed: { bias: true, norm: 'layer' } },
    );
    checkLaw(arch, 1, [0, 1, 2], true, Infinity);
    const before = tf.memory().numTensors;
    checkLaw(arch, 2, [2, 1], false, Infinity);
    expect(tf.memory().numTensors).toBe(before);
  });
});
