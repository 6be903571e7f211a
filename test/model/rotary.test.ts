// Rotary attention, an option of the attention block: its spec syntax, its pattern against the
// rotation written out by hand in float64, its identity at position 0, and Σ terms = forward with it.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, print, SpecError } from '../../src/language/index.js';
import { compile } from '../../src/model/spec.js';
import { expand } from '../../src/model/expand.js';
import { useBackend } from '../../src/numeric/backend.js';
import { evaluateSequence } from '../../src/numeric/attribution.js';
import { disposeFrozen, forwardOne } from '../../src/numeric/forward.js';
import { disposeWeights, randomWeights } from '../../src/numeric/weights.js';

const spec = (options: string, size = 4) =>
  `model r { vocab 7; context 5; width 6; embed; layer { attention heads 2 size ${size} ${options} }; unembed }`;

describe('rotary attention', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('is written `rotary [theta B]`, printed back the same, and refused where it cannot apply', () => {
    expect(compile(spec('rotary'))[0]!.layers[0]!.attention!.rotary).toEqual({ base: 10_000 });
    expect(compile(spec('rotary theta 500 bias'))[0]!.layers[0]!.attention).toMatchObject({
      rotary: { base: 500 },
      bias: true,
    });
    expect(print(parse(spec('theta 500 rotary')))).toContain('attention heads 2 size 4 rotary theta 500');
    expect(print(parse(spec('rotary theta 10000')))).toContain('attention heads 2 size 4 rotary\n');
    expect(() => compile(spec('theta 500'))).toThrow(SpecError);
    expect(() => compile(spec('rotary', 3))).toThrow(/must be even/);
  });

  it('turns q and k as the rotation written out by hand (float64), which shapes the frozen pattern', () => {
    const [arch] = compile(spec('rotary theta 7'));
    const weights = randomWeights(arch!, 3);
    const tokens = [2, 5, 1, 6];
    const { logits, frozen } = forwardOne(arch!, weights, tokens);
    const host = (key: string) => weights.get(key)!.arraySync() as number[][] | number[][][];
    const E = host('embed.W_E') as number[][];
    const WQ = host('blocks.0.attn.W_Q') as number[][][];
    const WK = host('blocks.0.attn.W_K') as number[][][];
    // size 4: dimensions (0, 2) turn by p·7^0, dimensions (1, 3) by p·7^(-1/2)
    const half = 2;
    const rotate = (v: number[], p: number) =>
      v.map((x, i) => {
        const angle = p * 7 ** ((-2 * (i % half)) / 4);
        const partner = i < half ? -v[i + half]! : v[i - half]!;
        return x * Math.cos(angle) + partner * Math.sin(angle);
      });
    const project = (W: number[][], x: number[]) => W[0]!.map((_, c) => x.reduce((s, xi, r) => s + xi * W[r]![c]!, 0));
    const pattern = (frozen.patterns[0]!.arraySync() as number[][][])[1]!;
    tokens.forEach((_, t) => {
      const q = rotate(project(WQ[1]!, E[tokens[t]!]!), t);
      const scores = tokens.slice(0, t + 1).map((token, s) => {
        const k = rotate(project(WK[1]!, E[token]!), s);
        return q.reduce((sum, qi, i) => sum + qi * k[i]!, 0) / 2;
      });
      const top = Math.max(...scores);
      const weightsOf = scores.map(x => Math.exp(x - top));
      const total = weightsOf.reduce((a, b) => a + b, 0);
      // float32 forward against float64 by hand: 1e-5 on probabilities
      weightsOf.forEach((w, s) => {
        expect(Math.abs(pattern[t]![s]! - w / total)).toBeLessThan(1e-5);
      });
    });
    logits.dispose();
    disposeFrozen(frozen);
    disposeWeights(weights);
  });

  it('changes nothing at position 0, where every angle is 0', () => {
    const [plain, turned] = [compile(spec(''))[0]!, compile(spec('rotary theta 3'))[0]!];
    const weights = randomWeights(plain, 5);
    const [a, b] = [forwardOne(plain, weights, [4]), forwardOne(turned, weights, [4])];
    expect(b.logits.arraySync()).toEqual(a.logits.arraySync());
    for (const r of [a, b]) {
      r.logits.dispose();
      disposeFrozen(r.frozen);
    }
    disposeWeights(weights);
  });

  it('keeps Σ terms = forward: the terms are plain attention with the rotated pattern frozen', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.constantFrom('rotary', 'rotary theta 50 bias'),
        fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 2, maxLength: 5 }),
        (seed, options, tokens) => {
          const [arch] = compile(
            `model r { vocab 7; context 5; width 6; embed\n layer { norm rms; attention heads 2 size 4 ${options}; ` +
              'bilinear hidden 4 }\n unembed }',
          );
          const weights = randomWeights(arch!, seed);
          const model = { arch: arch!, weights, source: 'random', random: true, warnings: [] };
          const result = evaluateSequence(model, tokens, [...expand(arch!)]);
          const scale = Math.max(1, ...result.logits.flat().map(Math.abs));
          // float32 sums of terms against the float32 forward pass
          expect(result.maxAbsError).toBeLessThan(1e-4 * scale);
          disposeWeights(weights);
        },
      ),
      { numRuns: 15 },
    );
  });
});
