// Shared fast-check generators: small random architectures and the dense environments they need.
import fc from 'fast-check';
import type { DenseEnv } from '../src/formula/evaluate-dense.js';
import { type Matrix, matrix, multiply, transpose as transposeOf } from '../src/linalg/matrix.js';
import type { Architecture, Layer, NormKind } from '../src/language/architecture.js';

const norm = fc.constantFrom<NormKind | undefined>(undefined, 'rms', 'layer');

export const smallLayer: fc.Arbitrary<Layer> = fc
  .record({
    attention: fc.option(
      fc.record({ heads: fc.integer({ min: 1, max: 2 }), headSize: fc.constant(2), bias: fc.boolean(), norm }),
      { nil: undefined },
    ),
    bilinear: fc.option(fc.record({ hidden: fc.constant(3), bias: fc.boolean(), norm }), { nil: undefined }),
  })
  .map(l => Object.fromEntries(Object.entries(l).filter(([, v]) => v !== undefined)) as Layer);

export function smallArchitecture(maxLayers = 2): fc.Arbitrary<Architecture> {
  return fc
    .record({
      layers: fc.array(smallLayer, { maxLength: maxLayers }),
      positional: fc.boolean(),
      unembed: fc.record({ bias: fc.boolean(), norm }),
    })
    .map(a => ({
      name: 'random',
      vocab: 4,
      context: 3,
      width: 3,
      positional: a.positional,
      layers: a.layers,
      unembed: Object.fromEntries(
        Object.entries(a.unembed).filter(([, v]) => v !== undefined),
      ) as unknown as Architecture['unembed'],
      renames: new Map(),
    }));
}

/** A deterministic pseudo-random stream (mulberry32), so a seed replays an environment. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random weights, a random causal row-stochastic pattern per head and positive norm scales. */
export function randomDenseEnv(arch: Architecture, seed: number, n = arch.context): DenseEnv {
  const random = rng(seed);
  const memo = new Map<string, Matrix>();
  const cached = (key: string, make: () => Matrix) => memo.get(key) ?? memo.set(key, make()).get(key)!;
  const gaussian = (rows: number, cols: number) => matrix(rows, cols, () => random() * 2 - 1);
  const { width: d, vocab: V } = arch;
  const dh = 2;
  const m = 3;
  const tokens = Array.from({ length: n }, () => Math.floor(random() * V));
  const embedding = gaussian(d, V);
  const env: DenseEnv = {
    n,
    weight: (name, layer, head, site) =>
      cached(`${name}${layer}.${head}${site}`, () => {
        switch (name) {
          case 'W_E':
            return matrix(d, n, (i, s) => embedding.data[i * V + tokens[s]!]!);
          case 'W_pos':
            return gaussian(d, n);
          case 'W_U':
            return gaussian(V, d);
          case 'W_Q':
          case 'W_K':
          case 'W_V':
            return gaussian(dh, d);
          case 'W_O':
            return gaussian(d, dh);
          case 'W_OV':
            return multiply(env.weight('W_O', layer, head, null), env.weight('W_V', layer, head, null));
          case 'W_QK':
            return multiply(transposeOf(env.weight('W_Q', layer, head, null)), env.weight('W_K', layer, head, null));
          case 'G':
            return matrix(d, d, (i, j) => (i === j ? 0.5 + random() : 0));
          case 'C':
            return matrix(d, d, (i, j) => (i === j ? 1 : 0) - 1 / d);
          case 'I':
            return matrix(d, d, (i, j) => (i === j ? 1 : 0));
        }
      }),
    vector: (name, layer, site) => cached(`v${name}${layer}${site}`, () => gaussian(name === 'b_U' ? V : d, 1)),
    pattern: (layer, head) =>
      cached(`A${layer}.${head}`, () => {
        const raw = matrix(n, n, (t, s) => (s <= t ? random() + 0.1 : 0));
        return matrix(
          n,
          n,
          (t, s) => raw.data[t * n + s]! / raw.data.slice(t * n, t * n + n).reduce((a, b) => a + b, 0),
        );
      }),
    scale: (site, layer) => cached(`D${site}${layer}`, () => matrix(n, n, (i, j) => (i === j ? 0.5 + random() : 0))),
    bilinear: layer => ({
      W_in: cached(`in${layer}`, () => gaussian(m, d)),
      W_gate: cached(`gate${layer}`, () => gaussian(m, d)),
      W_out: cached(`out${layer}`, () => gaussian(d, m)),
      b_in: cached(`bin${layer}`, () => gaussian(m, 1)),
      b_gate: cached(`bgate${layer}`, () => gaussian(m, 1)),
    }),
  };
  return env;
}
