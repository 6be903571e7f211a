// Σ terms = forward for the blocks of the published bilinear models (issue 10): rotary attention on or off,
// a scale on a block's output (rational or q·√r), norms with or without a gain and with their own eps, biases
// on or off, 1 to 3 layers. Every term is evaluated by the path evaluator, which takes the scale from the
// term's exact coefficient; the forward pass applies it as a float.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type {
  Architecture,
  AttentionBlock,
  BilinearBlock,
  Layer,
  NormOptions,
} from '../../src/language/architecture.js';
import { countTerms } from '../../src/model/count.js';
import { expand } from '../../src/model/expand.js';
import { DenseEvaluator } from '../../src/formula/evaluate-dense.js';
import { formula, rawFormula } from '../../src/model/term-formula.js';
import { useBackend } from '../../src/numeric/backend.js';
import { denseEnvOf } from '../../src/numeric/dense-env.js';
import { disposeFrozen, forwardOne } from '../../src/numeric/forward.js';
import { disposeWeights, randomWeights } from '../../src/numeric/weights.js';
import { type Coefficient, Fraction, rational, surd } from '../../src/rational.js';
import { withEvaluator } from '../evaluator.js';

const scale: fc.Arbitrary<Coefficient | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom(rational(1, 2), rational(-3, 4), rational(2)),
  fc
    .tuple(fc.integer({ min: 1, max: 4 }), fc.constantFrom(2, 3, 6, 8))
    .map(([n, r]) => surd(new Fraction(1, n), new Fraction(1, r))),
);

const norm = fc.option(
  fc.record({
    norm: fc.constantFrom('rms' as const, 'layer' as const),
    normOptions: fc.record({ gain: fc.constantFrom(false as const, undefined), eps: fc.constantFrom(1e-8, 1e-5, 0.1) }),
  }),
  { nil: undefined },
);

/** Drops undefined fields, as the spec checker leaves them out. */
const defined = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

const normFields = (n: { norm: 'rms' | 'layer'; normOptions: NormOptions } | undefined) =>
  n ? { norm: n.norm, normOptions: defined(n.normOptions) } : {};

const attention: fc.Arbitrary<AttentionBlock> = fc
  .record({ heads: fc.integer({ min: 1, max: 2 }), bias: fc.boolean(), rotary: fc.boolean(), scale, norm })
  .map(a =>
    defined({
      heads: a.heads,
      headSize: 2,
      bias: a.bias,
      rotary: a.rotary ? { base: 10 } : undefined,
      scale: a.scale,
      ...normFields(a.norm),
    }),
  );

const bilinear: fc.Arbitrary<BilinearBlock> = fc
  .record({ bias: fc.boolean(), scale, norm })
  .map(b => defined({ hidden: 3, bias: b.bias, scale: b.scale, ...normFields(b.norm) }));

const layer: fc.Arbitrary<Layer> = fc
  .record({ attention: fc.option(attention, { nil: undefined }), bilinear: fc.option(bilinear, { nil: undefined }) })
  .filter(l => l.attention !== undefined || l.bilinear !== undefined)
  .map(l => defined(l));

const architecture = (layers: number): fc.Arbitrary<Architecture> =>
  fc
    .record({ layers: fc.array(layer, { minLength: 1, maxLength: layers }), final: norm, bias: fc.boolean() })
    .map(a => ({
      name: 'published',
      vocab: 4,
      context: 3,
      width: 4,
      positional: false,
      layers: a.layers,
      unembed: { bias: a.bias, ...normFields(a.final) },
      renames: new Map(),
    }))
    .filter(arch => {
      const total = countTerms(arch).total;
      return 'exact' in total && total.exact <= 1500n;
    });

const tokens = fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 3 });

describe('Σ terms = forward for the published architecture', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('over rotary, scales, gains, eps, biases and 1–3 layers', () => {
    fc.assert(
      fc.property(architecture(3), fc.integer({ min: 0, max: 1000 }), tokens, (arch, seed, input) => {
        withEvaluator(arch, seed, input, (evaluator, logits) => {
          const total = new Float64Array(logits.size);
          const mass = new Float64Array(logits.size);
          for (const term of expand(arch)) {
            const contribution = evaluator.logits(term);
            contribution.dataSync().forEach((v, i) => {
              total[i]! += v;
              mass[i]! += Math.abs(v);
            });
            contribution.dispose();
          }
          const expected = logits.dataSync();
          // float32 rounding of a sum is bounded by its terms' absolute mass Σ|term| (sum-of-terms.test.ts)
          total.forEach((v, i) => {
            expect(Math.abs(v - expected[i]!)).toBeLessThan(2e-5 * Math.max(1, mass[i]!));
          });
        });
      }),
      { numRuns: 30 },
    );
  });

  it('and through the formulas, evaluated in float64 on the dense environment, simplified and raw', () => {
    fc.assert(
      fc.property(
        architecture(2),
        fc.integer({ min: 0, max: 1000 }),
        fc.boolean(),
        tokens,
        (arch, seed, raw, input) => {
          const weights = randomWeights(arch, seed);
          const { logits, frozen } = forwardOne(arch, weights, input);
          const evaluator = new DenseEvaluator(denseEnvOf(arch, weights, input, frozen));
          const total = new Float64Array(logits.size);
          const mass = new Float64Array(logits.size);
          for (const term of expand(arch, { symmetrize: !raw })) {
            const value = evaluator.value(raw ? rawFormula(term, arch) : formula(term, arch));
            value.data.forEach((v, i) => {
              total[i]! += v;
              mass[i]! += Math.abs(v);
            });
          }
          const expected = logits.dataSync();
          total.forEach((v, i) => {
            expect(Math.abs(v - expected[i]!)).toBeLessThan(2e-5 * Math.max(1, mass[i]!));
          });
          disposeFrozen(frozen);
          disposeWeights(weights);
          logits.dispose();
        },
      ),
      { numRuns: 15 },
    );
  });

  it('carries the scales exactly: a term through k scaled blocks has the product of their scales', () => {
    const s = surd(new Fraction(1), new Fraction(1, 8)); // 1/√8
    const arch: Architecture = {
      name: 'scaled',
      vocab: 4,
      context: 3,
      width: 4,
      positional: false,
      layers: [
        { attention: { heads: 1, headSize: 2, bias: false, scale: s } },
        { attention: { heads: 1, headSize: 2, bias: false, scale: s } },
      ],
      unembed: { bias: false },
      renames: new Map(),
    };
    const coefficients = [...expand(arch)].map(t => t.coefficient.toFraction());
    // direct path, one head of either layer, both heads: 1, 1/√8 twice, 1/8
    expect(coefficients).toEqual(['1', '1/4·√2', '1/4·√2', '1/8']);
    const printed = [...expand(arch)].map(t => formula(t, arch));
    expect(printed.map(f => f.kind === 'term' && f.coefficient.toFraction())).toEqual([
      false,
      '1/4·√2',
      '1/4·√2',
      '1/8',
    ]);
  });
});
