// A planted model: W_in = W_gate = [p_1 … p_r] for orthonormal p_k, and W_out chosen so that
// (W_out W_U[:,c])_k = λ_k, hence Q_c = Σ_k λ_k p_k p_kᵀ. `pathsum features` must recover the p_k
// (|cos| > 0.999) and the λ_k, read them in token space, and table the token pairs it implies.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { dot } from '../../src/linalg/matrix.js';
import { useBackend } from '../../src/numeric/backend.js';
import { cli } from './model-files.js';
import { d, plantedModel, V } from './planted-model.js';

beforeAll(async () => {
  await useBackend(process.env.PATHSUM_TEST_BACKEND === 'cpu' ? 'cpu' : 'wasm');
});

interface Json {
  eigenvalues: number[];
  explained: number[];
  features: {
    eigenvalue: number;
    vector: number[];
    profile: number[];
    tokens: { top: { token: number; value: number }[]; bottom: { token: number; value: number }[] };
  }[];
  pairs: { top: { a: number; b: number; value: number }[]; topAbs: { a: number; b: number; value: number }[] };
}

// Magnitudes apart by at least 0.5 so that each planted eigenvector is well separated.
const spectrum = fc
  .shuffledSubarray([4, 3, 2.5, 2, 1.5, 1], { minLength: 1, maxLength: 4 })
  .chain(ms => fc.tuple(...ms.map(m => fc.constantFrom(m, -m))));

describe('pathsum features on a planted model', () => {
  it('recovers the planted directions and eigenvalues, their token profiles and the top token pairs', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 100_000 }),
        spectrum,
        fc.integer({ min: 0, max: V - 1 }),
        async (seed, lambdas, token) => {
          const { files, directions, embed } = plantedModel(seed, lambdas, token);
          const { code, out } = await cli(
            'features',
            files.spec,
            '--weights',
            files.weights,
            '--layer',
            '0',
            '--token',
            String(token),
            '--top',
            String(d),
            '--json',
            '--pairs',
            '3',
          );
          expect(code).toBe(0);
          const json = JSON.parse(out) as Json;
          const order = lambdas.map((l, k) => ({ l, k })).sort((a, b) => Math.abs(b.l) - Math.abs(a.l));
          order.forEach(({ l, k }, i) => {
            const found = json.features[i]!;
            expect(Math.abs(found.eigenvalue - l)).toBeLessThan(1e-4 * Math.abs(l));
            expect(Math.abs(dot(found.vector, directions[k]!))).toBeGreaterThan(0.999);
            const profile = Array.from({ length: V }, (_, a) => dot(embed.slice(a * d, (a + 1) * d), directions[k]!));
            const cos =
              dot(found.profile, profile) / Math.sqrt(dot(found.profile, found.profile) * dot(profile, profile));
            expect(Math.abs(cos)).toBeGreaterThan(0.999);
            const best = found.profile.indexOf(Math.max(...found.profile));
            expect(found.tokens.top[0]!.token).toBe(best);
          });
          json.eigenvalues.slice(lambdas.length).forEach(l => {
            expect(Math.abs(l)).toBeLessThan(1e-4);
          });
          expect(json.explained[lambdas.length - 1]).toBeCloseTo(1, 6);
          // T[a,b] = Σ_k λ_k (W_E[a]·p_k)(W_E[b]·p_k), maximized by brute force over a ≤ b
          const t = (a: number, b: number) =>
            lambdas.reduce(
              (s, l, k) =>
                s +
                l *
                  dot(embed.slice(a * d, (a + 1) * d), directions[k]!) *
                  dot(embed.slice(b * d, (b + 1) * d), directions[k]!),
              0,
            );
          const all = Array.from({ length: V }, (_, a) =>
            Array.from({ length: V - a }, (_, j) => ({ a, b: a + j, value: t(a, a + j) })),
          ).flat();
          const max = all.reduce((m, p) => (p.value > m.value ? p : m));
          const maxAbs = all.reduce((m, p) => (Math.abs(p.value) > Math.abs(m.value) ? p : m));
          expect(json.pairs.top[0]!.value).toBeCloseTo(max.value, 3);
          expect(Math.abs(json.pairs.topAbs[0]!.value)).toBeCloseTo(Math.abs(maxAbs.value), 3);
        },
      ),
      { numRuns: 15 },
    );
  });
});
