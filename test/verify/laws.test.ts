// The float64 laws on frozen float32 quantities: patterns renormalized, so exact laws (rule
// rows-sum-to-one, identities built on A 1 = 1) hold to float64 precision, not only to float32
// rounding; and verify's random models have sharp patterns, so that laws about patterns are tested.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/model/spec.js';
import { expand } from '../../src/model/expand.js';
import { useBackend } from '../../src/numeric/backend.js';
import { disposeFrozen, forwardOne } from '../../src/numeric/forward.js';
import { disposeWeights, randomWeights, type Weights } from '../../src/numeric/weights.js';
import { parseIdentity } from '../../src/verify/identity.js';
import { frozenEnv, identityHolds, rewriteSoundness, type Sequence, withForward } from '../../src/verify/laws.js';
import { QK_SHARPENING, verifyModel, verifyWeights } from '../../src/verify/verify.js';

beforeAll(async () => {
  await useBackend('cpu');
});

// the brief's reproduction: one LayerNorm'd attention layer, which verify used to fail
const spec = (name: string, layer: string) =>
  compile(`model ${name} {\n vocab 16; context 6; width 8\n embed\n layer {\n${layer}\n }\n unembed\n}\n`)[0];
const ln1 = spec('ln1', '  norm layer\n  attention heads 1 size 4');
const biased = spec('biased', '  attention heads 2 size 4 bias');
const tokens = [3, 1, 4, 1, 5, 9];

function withWeights<T>(weights: Weights, f: (w: Weights) => T): T {
  try {
    return f(weights);
  } finally {
    disposeWeights(weights);
  }
}

describe('frozen patterns are renormalized in float64', () => {
  it('rows sum to 1 to float64 precision and stay within float32 rounding of the forward pass', () => {
    for (let seed = 0; seed < 5; seed++)
      withWeights(verifyWeights(ln1!, seed), weights => {
        const s: Sequence = { arch: ln1!, weights, tokens };
        withForward(s, (_, frozen) => {
          const A = frozenEnv(s, frozen).pattern(0, 0);
          const raw = frozen.patterns[0]!.dataSync();
          for (let t = 0; t < A.rows; t++) {
            const row = A.data.subarray(t * A.cols, (t + 1) * A.cols);
            expect(Math.abs(row.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-15);
            row.forEach((v, j) => {
              expect(Math.abs(v - raw[t * A.cols + j]!)).toBeLessThanOrEqual(1e-6 * v);
            });
          }
        });
      });
  });

  it('rule rows-sum-to-one is sound to float64 precision (it fired, and failed at 3e-8 before)', () => {
    const terms = [...expand(ln1!)];
    const fired = new Set<string>();
    for (let seed = 0; seed < 10; seed++)
      withWeights(verifyWeights(ln1!, seed), weights => {
        const m = rewriteSoundness({ arch: ln1!, weights, tokens: tokens.slice(0, 2 + (seed % 5)) }, terms, fired);
        expect(m.error).toBeLessThan(1e-13);
        expect(m.precision).toBe('float64');
      });
    expect(fired).toContain('rows-sum-to-one');
  });

  it('verify passes the LayerNorm model that it used to fail (--runs 20 --seed 1)', () => {
    const model = { arch: ln1!, weights: new Map(), source: 'random', random: true, warnings: [] };
    const reports = verifyModel(model, [...expand(ln1!)], { runs: 20, seed: 1, identities: [], randomWeights: true });
    expect(reports.map(r => [r.law.split(' (')[0], r.passed])).toEqual([
      ['Σ terms = forward logits', true],
      ['weight mode = activation mode', true],
      ['rewrite rules are sound', true],
      ['Σ score terms = forward scores', true],
      ['score formula rewrites are sound', true],
    ]);
  });

  it('an identity that holds because rows sum to 1 holds to float64 precision', () => {
    const identity = parseIdentity(
      'A^{0.1} 1 ⊗ W_U b_O^{0} + A^{0.0} ⊗ W_U W_E = 1 ⊗ W_U b_O^{0} + A^{0.0} ⊗ W_U W_E',
      biased!,
    );
    for (let seed = 0; seed < 10; seed++)
      withWeights(verifyWeights(biased!, seed), weights => {
        const m = identityHolds({ arch: biased!, weights, tokens }, identity);
        expect(m.error).toBeLessThan(1e-13);
      });
  });
});

describe('verify draws sharp attention patterns', () => {
  /** Mean over heads and rows t ≥ 3 of the largest weight in the row: 1/(t+1) for uniform rows. */
  function sharpness(weights: Weights): number {
    const { logits, frozen } = forwardOne(ln1!, weights, tokens);
    try {
      const A = frozen.patterns[0]!.dataSync();
      const n = tokens.length;
      let total = 0;
      for (let t = 3; t < n; t++) total += Math.max(...A.subarray(t * n, t * n + t + 1));
      return total / (n - 3);
    } finally {
      logits.dispose();
      disposeFrozen(frozen);
    }
  }

  it(`W_Q and W_K scaled by ${QK_SHARPENING}: rows concentrate, and no tensor leaks`, () => {
    const before = tf.memory().numTensors;
    let plain = 0;
    let sharp = 0;
    for (let seed = 0; seed < 10; seed++) {
      plain += withWeights(randomWeights(ln1!, seed), sharpness) / 10;
      sharp += withWeights(verifyWeights(ln1!, seed), sharpness) / 10;
    }
    expect(sharp).toBeGreaterThan(0.5); // uniform rows of 4 to 6 keys: about 0.2
    expect(sharp).toBeGreaterThan(1.5 * plain);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('only W_Q and W_K change', () => {
    withWeights(randomWeights(biased!, 7), plain =>
      withWeights(verifyWeights(biased!, 7), sharp => {
        for (const [key, t] of plain) {
          const factor = /attn\.W_[QK]$/.test(key) ? QK_SHARPENING : 1;
          expect([...sharp.get(key)!.dataSync()]).toEqual([...t.dataSync()].map(v => Math.fround(v * factor)));
        }
      }),
    );
  });
});
