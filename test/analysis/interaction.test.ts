// x̃ᵀ Q_u x̃ + u·b_out = u · MLP(x): against a float64 evaluation of the bilinear layer written here
// from docs/design.md §3, and against src/numeric's forward pass (float32) on bilinear-only models, with
// the output direction pulled back through ln_final and the layer's input taken through ln2.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { bilinearForm } from '../../src/analysis/bilinear.js';
import { interactionMatrix, outputOffset } from '../../src/analysis/interaction.js';
import { eigenDecomposition } from '../../src/analysis/eigen.js';
import { dot, quadratic } from '../../src/linalg/matrix.js';
import { outputDirection } from '../../src/analysis/direction.js';
import { useBackend } from '../../src/numeric/backend.js';
import { disposeFrozen, forwardOne } from '../../src/numeric/forward.js';
import { disposeWeights, randomWeights, type Weights } from '../../src/numeric/weights.js';
import type { Architecture, NormKind } from '../../src/language/architecture.js';

beforeAll(async () => {
  await useBackend(process.env.PATHSUM_TEST_BACKEND === 'cpu' ? 'cpu' : 'wasm');
});

const norm = fc.constantFrom<NormKind | undefined>(undefined, 'rms', 'layer');

const bilinearOnly = fc
  .record({
    width: fc.integer({ min: 1, max: 6 }),
    hidden: fc.integer({ min: 1, max: 6 }),
    bias: fc.boolean(),
    ln2: norm,
    final: norm,
    unembedBias: fc.boolean(),
  })
  .map(
    (a): Architecture => ({
      name: 'bilinear',
      vocab: 5,
      context: 3,
      width: a.width,
      positional: false,
      layers: [{ bilinear: { hidden: a.hidden, bias: a.bias, ...(a.ln2 ? { norm: a.ln2 } : {}) } }],
      unembed: { bias: a.unembedBias, ...(a.final ? { norm: a.final } : {}) },
      renames: new Map(),
    }),
  );

const values = (w: Weights, key: string) => [...w.get(key)!.dataSync()];

/** u · MLP(x) from docs/design.md §3: ((x W_in + b_in) ⊙ (x W_gate + b_gate)) W_out + b_out, in float64. */
function readMlp(arch: Architecture, w: Weights, x: number[], u: number[]): { value: number; mass: number } {
  const d = arch.width;
  const m = arch.layers[0]!.bilinear!.hidden;
  const bias = arch.layers[0]!.bilinear!.bias;
  const [Win, Wgate, Wout] = ['W_in', 'W_gate', 'W_out'].map(k => values(w, `blocks.0.mlp.${k}`));
  const [bin, bgate, bout] = ['b_in', 'b_gate', 'b_out'].map(k =>
    bias ? values(w, `blocks.0.mlp.${k}`) : new Array<number>(Math.max(d, m)).fill(0),
  );
  let value = 0;
  let mass = 0;
  for (let k = 0; k < m; k++) {
    let left = bin![k]!;
    let right = bgate![k]!;
    for (let i = 0; i < d; i++) {
      left += x[i]! * Win![i * m + k]!;
      right += x[i]! * Wgate![i * m + k]!;
    }
    for (let o = 0; o < d; o++) {
      value += left * right * Wout![k * d + o]! * u[o]!;
      mass += Math.abs(left * right * Wout![k * d + o]! * u[o]!);
    }
  }
  for (let o = 0; o < d; o++) value += bout![o]! * u[o]!;
  return { value, mass };
}

const vector = (n: number) => fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: n, maxLength: n });

describe('interaction matrix Q_u', () => {
  it('x̃ᵀ Q_u x̃ + u·b_out = u · MLP(x) in float64, with and without biases', () => {
    fc.assert(
      fc.property(
        bilinearOnly.chain(arch =>
          fc.tuple(fc.constant(arch), fc.integer({ min: 0, max: 10_000 }), vector(arch.width), vector(arch.width)),
        ),
        ([arch, seed, x, u]) => {
          const weights = randomWeights(arch, seed);
          try {
            const form = bilinearForm(arch, weights, 0);
            const q = interactionMatrix(form, u);
            const xt = form.homogeneous ? [...x, 1] : x;
            const expected = readMlp(arch, weights, x, u);
            expect(form.homogeneous).toBe(arch.layers[0]!.bilinear!.bias);
            expect(q.rows).toBe(arch.width + (form.homogeneous ? 1 : 0));
            for (let i = 0; i < q.rows; i++)
              for (let j = 0; j < i; j++) expect(q.data[i * q.rows + j]).toBe(q.data[j * q.rows + i]);
            expect(Math.abs(quadratic(q, xt) + outputOffset(form, u) - expected.value)).toBeLessThan(
              1e-12 * (1 + expected.mass),
            );
          } finally {
            disposeWeights(weights);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('through its eigendecomposition: u · MLP(x) = Σ_i λ_i (v_i · x̃)² + u·b_out', () => {
    fc.assert(
      fc.property(
        bilinearOnly.chain(arch =>
          fc.tuple(fc.constant(arch), fc.integer({ min: 0, max: 10_000 }), vector(arch.width), vector(arch.width)),
        ),
        ([arch, seed, x, u]) => {
          const weights = randomWeights(arch, seed);
          const form = bilinearForm(arch, weights, 0);
          const expected = readMlp(arch, weights, x, u);
          disposeWeights(weights);
          const { values, vectors } = eigenDecomposition(interactionMatrix(form, u));
          const xt = form.homogeneous ? [...x, 1] : x;
          const found = vectors.reduce((s, v, i) => s + values[i]! * dot(v, xt) ** 2, outputOffset(form, u));
          expect(Math.abs(found - expected.value)).toBeLessThan(1e-11 * (1 + expected.mass));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('is linear in u', () => {
    fc.assert(
      fc.property(
        bilinearOnly.chain(arch =>
          fc.tuple(
            fc.constant(arch),
            fc.integer({ min: 0, max: 10_000 }),
            vector(arch.width),
            vector(arch.width),
            fc.double({ min: -3, max: 3, noNaN: true }),
          ),
        ),
        ([arch, seed, u, v, c]) => {
          const weights = randomWeights(arch, seed);
          const form = bilinearForm(arch, weights, 0);
          disposeWeights(weights);
          const lhs = interactionMatrix(
            form,
            u.map((x, i) => x + c * v[i]!),
          );
          const [qu, qv] = [interactionMatrix(form, u), interactionMatrix(form, v)];
          lhs.data.forEach((x, i) => {
            expect(Math.abs(x - qu.data[i]! - c * qv.data[i]!)).toBeLessThan(1e-10 * (1 + Math.abs(x)));
          });
        },
      ),
    );
  });

  it(
    'the output direction of a token gives the forward pass logit: ' +
      's_final (x·u + ỹᵀ Q_u ỹ + u·b_out) + constants (float32)',
    () => {
      fc.assert(
        fc.property(
          bilinearOnly,
          fc.integer({ min: 0, max: 10_000 }),
          fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 3 }),
          fc.integer({ min: 0, max: 4 }),
          (arch, seed, tokens, c) => {
            const weights = randomWeights(arch, seed);
            const { logits, frozen } = forwardOne(arch, weights, tokens);
            try {
              const form = bilinearForm(arch, weights, 0);
              const r = outputDirection(arch, weights, 0, { kind: 'token', token: c });
              expect(r.kind).toBe('unembed');
              const q = interactionMatrix(form, r.u);
              const forwardLogits = logits.arraySync();
              tokens.forEach((a, t) => {
                const x = values(weights, 'embed.W_E').slice(a * arch.width, (a + 1) * arch.width);
                const y = prenormed(arch, weights, x, frozen.scales.get('ln2.0')?.arraySync()[t]);
                const yt = form.homogeneous ? [...y, 1] : y;
                const direct = x.reduce((s, xi, i) => s + xi * r.u[i]!, 0);
                const mlp = quadratic(q, yt) + outputOffset(form, r.u);
                const scale = frozen.scales.get('final')?.arraySync()[t] ?? 1;
                const constant = finalConstant(arch, weights, c);
                const expected = scale * (direct + mlp) + constant;
                const mass =
                  scale * (Math.abs(direct) + Math.abs(mlp) + readMlp(arch, weights, y, [...r.u]).mass) +
                  Math.abs(constant) +
                  1;
                expect(Math.abs(forwardLogits[t]![c]! - expected) / mass).toBeLessThan(1e-4);
              });
            } finally {
              logits.dispose();
              disposeFrozen(frozen);
              disposeWeights(weights);
            }
          },
        ),
        { numRuns: 80 },
      );
    },
  );
});

/** The bilinear block's input: ln2 with the forward pass's frozen per-position scale, written out here. */
function prenormed(arch: Architecture, w: Weights, x: number[], scale: number | undefined): number[] {
  const kind = arch.layers[0]!.bilinear!.norm;
  if (!kind) return x;
  const gain = values(w, 'blocks.0.ln2.w');
  const bias = kind === 'layer' ? values(w, 'blocks.0.ln2.b') : x.map(() => 0);
  const mean = kind === 'layer' ? x.reduce((s, v) => s + v, 0) / x.length : 0;
  return x.map((v, i) => (v - mean) * scale! * gain[i]! + bias[i]!);
}

/** What the logit adds outside the residual stream: ln_final's bias read by W_U, and b_U. */
function finalConstant(arch: Architecture, w: Weights, c: number): number {
  const V = arch.vocab;
  const unembed = values(w, 'unembed.W_U');
  let constant = arch.unembed.bias ? values(w, 'unembed.b_U')[c]! : 0;
  if (arch.unembed.norm === 'layer')
    values(w, 'ln_final.b').forEach((b, i) => {
      constant += b * unembed[i * V + c]!;
    });
  return constant;
}
