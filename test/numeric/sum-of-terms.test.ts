// The central law (docs/design.md §1): with patterns and norm scales frozen from the forward pass, the
// path terms add up to the forward logits, for every architecture, weights and input.
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { countTerms } from '../../src/model/count.js';
import { expand } from '../../src/model/expand.js';
import type { Architecture } from '../../src/language/architecture.js';
import { useBackend } from '../../src/numeric/backend.js';
import { PathEvaluator } from '../../src/numeric/evaluate.js';
import { disposeFrozen, forwardOne } from '../../src/numeric/forward.js';
import { disposeWeights, randomWeights } from '../../src/numeric/weights.js';
import { withEvaluator } from '../evaluator.js';
import { smallArchitecture } from '../arbitraries.js';
import { everyNth, termsAtMost } from '../sample.js';

// A whole sum is checked on models of at most 1,000 terms and a per-term law on 150 terms spread over
// the expansion, so that every run takes seconds; `npm run bench -- sum-of-terms` checks the large ones.
const SUM_TERMS = 1000;
const SAMPLED_TERMS = 150;

const tokensFor = (vocab: number, context: number) =>
  fc.array(fc.integer({ min: 0, max: vocab - 1 }), { minLength: 1, maxLength: context });

// Terms may cancel (a LayerNorm over nearly equal rows has a large scale), so float32 rounding is
// bounded by the terms' absolute mass Σ|term|, not by the logits' size.
function check(arch: Architecture, seed: number, tokens: number[], symmetrize: boolean) {
  const weights = randomWeights(arch, seed);
  const { logits, frozen } = forwardOne(arch, weights, tokens);
  const evaluator = new PathEvaluator(arch, weights, tokens, frozen);
  const total = new Float64Array(logits.size);
  const mass = new Float64Array(logits.size);
  for (const term of expand(arch, { symmetrize })) {
    const contribution = evaluator.logits(term);
    contribution.dataSync().forEach((v, i) => {
      total[i]! += v;
      mass[i]! += Math.abs(v);
    });
    contribution.dispose();
  }
  const expected = logits.dataSync();
  const error = Math.max(...total.map((v, i) => Math.abs(v - expected[i]!)));
  const scale = Math.max(1, ...mass);
  evaluator.dispose();
  disposeWeights(weights);
  disposeFrozen(frozen);
  logits.dispose();
  return { error, scale };
}

// Three bilinear layers can reach ~10^6 terms; the law is the same, so the sample stays cheap.
const fewTerms = (arch: Architecture) => {
  const total = countTerms(arch).total;
  return 'exact' in total && total.exact <= 2000n;
};

describe.each(['wasm', 'cpu'] as const)('Σ terms = forward logits (%s backend)', backend => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  it('for random architectures, weights and tokens, symmetrized and ordered', () => {
    fc.assert(
      fc.property(
        smallArchitecture(2).filter(termsAtMost(SUM_TERMS)),
        fc.integer({ min: 0, max: 1000 }),
        fc.boolean(),
        tokensFor(4, 3),
        (arch, seed, symmetrize, tokens) => {
          const { error, scale } = check(arch, seed, tokens, symmetrize);
          expect(error / scale).toBeLessThan(2e-5);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('for three layers', () => {
    fc.assert(
      fc.property(
        smallArchitecture(3).filter(fewTerms),
        fc.integer({ min: 0, max: 1000 }),
        tokensFor(4, 3),
        (arch, seed, tokens) => {
          const { error, scale } = check(arch, seed, tokens, true);
          expect(error / scale).toBeLessThan(2e-5);
        },
      ),
      { numRuns: 8 },
    );
  });

  it('tensors are released: memory stays flat over many evaluations', () => {
    const arch = {
      name: 'm',
      vocab: 4,
      context: 3,
      width: 3,
      positional: true,
      layers: [{ attention: { heads: 2, headSize: 2, bias: true }, bilinear: { hidden: 3, bias: true } }],
      unembed: { bias: true },
      renames: new Map(),
    };
    check(arch, 1, [0, 1, 2], true);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 30; i++) check(arch, i, [0, 1, 2], true);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('logit directions pulled back first', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('contributions to chosen logits equal the full term logits contracted with the logit direction', () => {
    fc.assert(
      fc.property(smallArchitecture(2), fc.integer({ min: 0, max: 1000 }), tokensFor(4, 3), (arch, seed, tokens) => {
        withEvaluator(arch, seed, tokens, evaluator => {
          const direction = tf.randomNormal([tokens.length, arch.vocab], 0, 1, 'float32', seed) as tf.Tensor2D;
          const terms = everyNth([...expand(arch)], SAMPLED_TERMS);
          const fast = evaluator.contributions(terms, direction);
          terms.forEach((t, i) => {
            const [full, mass] = tf.tidy(() => {
              const products = tf.mul(evaluator.logits(t), direction);
              return [tf.sum(products, 1).dataSync(), tf.sum(tf.abs(products), 1).dataSync()];
            });
            // float32 sums over V products that may cancel: the rounding scales with Σ|product|, not |Σ|
            full.forEach((v, pos) => {
              expect(Math.abs(fast[i]![pos]! - v)).toBeLessThan(1e-4 * Math.max(1, mass[pos]!));
            });
          });
          direction.dispose();
        });
      }),
      { numRuns: 20 },
    );
  });
});

describe('sumOfLogits (the batched Σ that eval reports maxAbsError with)', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('equals the sum of every term evaluated alone, for any subset of the terms', () => {
    fc.assert(
      fc.property(
        smallArchitecture(2),
        fc.integer({ min: 0, max: 1000 }),
        fc.boolean(),
        tokensFor(4, 3),
        fc.func(fc.boolean()),
        (arch, seed, symmetrize, tokens, keep) => {
          withEvaluator(arch, seed, tokens, (evaluator, logits) => {
            const terms = everyNth([...expand(arch, { symmetrize })], SAMPLED_TERMS).filter((_, i) => keep(i));
            const sum = evaluator.sumOfLogits(terms);
            const batched = sum.arraySync();
            sum.dispose();
            const alone = tf.tidy(
              () =>
                terms
                  .reduce((acc, t) => tf.add(acc, evaluator.logits(t)), tf.zerosLike(logits))
                  .arraySync() as number[][],
            );
            const mass = Math.max(
              1,
              ...terms.map(t => tf.tidy(() => tf.max(tf.abs(evaluator.logits(t))).dataSync()[0]!)),
            );
            batched.forEach((row, t) => {
              row.forEach((v, c) => {
                expect(Math.abs(v - alone[t]![c]!)).toBeLessThanOrEqual(1e-5 * mass * Math.max(1, terms.length));
              });
            });
          });
        },
      ),
      { numRuns: 30 },
    );
  });
});

describe('forEachTermLogits (batched pair terms)', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('gives every term exactly once, with the logits it has alone', () => {
    fc.assert(
      fc.property(
        smallArchitecture(2),
        fc.integer({ min: 0, max: 1000 }),
        fc.boolean(),
        tokensFor(4, 3),
        (arch, seed, symmetrize, tokens) => {
          withEvaluator(arch, seed, tokens, evaluator => {
            const terms = everyNth([...expand(arch, { symmetrize })], SAMPLED_TERMS);
            const seen = new Set<number>();
            evaluator.forEachTermLogits(terms, (i, values) => {
              expect(seen.has(i)).toBe(false);
              seen.add(i);
              const alone = evaluator.logits(terms[i]!);
              const expected = alone.dataSync();
              alone.dispose();
              const scale = Math.max(1, ...Array.from(expected, Math.abs));
              expect(values).toHaveLength(expected.length);
              values.forEach((v, k) => {
                expect(Math.abs(v - expected[k]!)).toBeLessThan(1e-5 * scale);
              });
            });
            expect(seen.size).toBe(terms.length);
          });
        },
      ),
      { numRuns: 30 },
    );
  });
});
