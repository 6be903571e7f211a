// The laws of a trace (docs/design.md §1 "Tracing a logit"): children add up to their parent, the frontier
// adds up to the forward logit at any budget, and a fully expanded trace's leaves are eval's path terms with
// eval's contributions, term by term.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Trace, trace } from '../../src/analysis/trace.js';
import { nextPlaceholder, residual, toPath } from '../../src/analysis/partial-path.js';
import { FrozenStream } from '../../src/analysis/trace-stream.js';
import { disposeFrozen, forwardOne } from '../../src/numeric/forward.js';
import type { Architecture, Layer, NormOptions } from '../../src/language/architecture.js';
import { Fraction, type Rational, rational, surd } from '../../src/rational.js';
import { expand } from '../../src/model/expand.js';
import { evaluateSequence } from '../../src/numeric/attribution.js';
import { useBackend } from '../../src/numeric/backend.js';
import type { Model } from '../../src/numeric/model.js';
import { disposeWeights, randomWeights } from '../../src/numeric/weights.js';
import { smallArchitecture } from '../arbitraries.js';
import { termsAtMost } from '../sample.js';

const tokensFor = (arch: Architecture) =>
  fc.array(fc.integer({ min: 0, max: arch.vocab - 1 }), { minLength: 1, maxLength: arch.context });

const scales = fc.constantFrom<Rational | undefined>(
  undefined,
  rational(1, 2),
  surd(new Fraction(1), new Fraction(1, 8)),
);
const normOptions = fc.constantFrom<NormOptions | undefined>(undefined, { gain: false }, { eps: 1e-8 });

/** Small architectures of 1 to `max` layers, some attention rotary, blocks scaled, norms without gain. */
const architectures = (max: number) =>
  fc
    .tuple(
      smallArchitecture(max),
      fc.array(fc.tuple(fc.boolean(), scales, scales, normOptions, normOptions), { minLength: max, maxLength: max }),
      normOptions,
    )
    .filter(([arch]) => arch.layers.length >= 1)
    .map(([arch, options, finalNorm]) => ({
      ...arch,
      layers: arch.layers.map((layer, l): Layer => {
        const [rotary, attentionScale, bilinearScale, ln1, ln2] = options[l]!;
        return {
          ...(layer.attention && {
            attention: {
              ...layer.attention,
              ...(rotary && { rotary: { base: 10000 } }),
              ...(attentionScale && { scale: attentionScale }),
              ...(layer.attention.norm && ln1 && { normOptions: ln1 }),
            },
          }),
          ...(layer.bilinear && {
            bilinear: {
              ...layer.bilinear,
              ...(bilinearScale && { scale: bilinearScale }),
              ...(layer.bilinear.norm && ln2 && { normOptions: ln2 }),
            },
          }),
        };
      }),
      unembed: { ...arch.unembed, ...(arch.unembed.norm && finalNorm && { normOptions: finalNorm }) },
    }));

function withModel<T>(arch: Architecture, seed: number, f: (model: Model) => T): T {
  const weights = randomWeights(arch, seed);
  try {
    return f({ arch, weights, source: `random weights (seed ${seed})`, random: true, warnings: [] });
  } finally {
    disposeWeights(weights);
  }
}

// Node values are float64 dot products of float32 factors (gradients and components computed in tfjs), so
// a sum is exact to float32 rounding of the absolute mass Σ|child| it cancels, not of |Σ|.
const FLOAT32_TOLERANCE = 1e-4;

function expectChildrenAddUp(t: Trace): void {
  const children = new Map<number, number[]>();
  for (const node of t.nodes)
    if (node.parent !== null) children.set(node.parent, [...(children.get(node.parent) ?? []), node.id]);
  for (const node of t.nodes) {
    const ids = children.get(node.id);
    expect(ids !== undefined).toBe(node.expanded);
    if (!ids) continue;
    const values = ids.map(id => t.nodes[id]!.contribution);
    const sum = values.reduce((s, v) => s + v, 0);
    const mass = values.reduce((s, v) => s + Math.abs(v), Math.abs(node.contribution));
    expect(Math.abs(sum - node.contribution)).toBeLessThanOrEqual(FLOAT32_TOLERANCE * Math.max(1, mass));
  }
}

function expectFrontierIsLogit(t: Trace): void {
  const values = t.frontier.map(id => t.nodes[id]!.contribution);
  const sum = values.reduce((s, v) => s + v, 0);
  const mass = values.reduce((s, v) => s + Math.abs(v), Math.abs(t.logit));
  expect(Math.abs(sum - t.logit)).toBeLessThanOrEqual(FLOAT32_TOLERANCE * Math.max(1, mass));
}

describe('trace', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('children add up to their parent and the frontier to the forward logit, for 1–4 layers', () => {
    fc.assert(
      fc.property(
        architectures(4).chain(arch =>
          fc.tuple(
            fc.constant(arch),
            fc.integer({ min: 0, max: 1000 }),
            tokensFor(arch),
            fc.integer({ min: 0, max: 40 }),
            fc.boolean(),
          ),
        ),
        ([arch, seed, tokens, budget, splitPositions]) => {
          withModel(arch, seed, model => {
            const t = trace(model, tokens, { budget, splitPositions });
            expect(t.expansions).toBeLessThanOrEqual(budget);
            expect(new Set(t.frontier).size).toBe(t.frontier.length);
            expectChildrenAddUp(t);
            expectFrontierIsLogit(t);
          });
        },
      ),
      { numRuns: 35 },
    );
  });

  it('each node’s value, by pulled-back functionals, is its partial path composed forward and read out', () => {
    fc.assert(
      fc.property(architectures(3), fc.integer({ min: 0, max: 1000 }), fc.boolean(), (arch, seed, split) => {
        withModel(arch, seed, model => {
          const tokens = [3, 1, 2].slice(0, arch.context);
          const { logits, frozen } = forwardOne(arch, model.weights, tokens);
          const row = logits.arraySync()[tokens.length - 1]!;
          const target = { position: tokens.length - 1, token: row.indexOf(Math.max(...row)) };
          const stream = new FrozenStream(arch, model.weights, tokens, frozen, target, split);
          try {
            let level = [{ partial: residual(null, 'final'), contribution: row[target.token]! }];
            for (let depth = 0; depth < 3; depth++) {
              level = level.flatMap(node => {
                const next = nextPlaceholder(node.partial, arch.layers.length);
                return next ? stream.children(node.partial, next.steps, next.at).slice(0, 6) : [];
              });
              for (const node of level) {
                const forward = stream.contribution(node.partial);
                expect(Math.abs(node.contribution - forward)).toBeLessThanOrEqual(
                  FLOAT32_TOLERANCE * Math.max(1, Math.abs(forward)),
                );
              }
            }
          } finally {
            stream.dispose();
            disposeFrozen(frozen);
            logits.dispose();
          }
        });
      }),
      { numRuns: 15 },
    );
  });

  it('stops at the threshold: every node left open is below it; budget 0 leaves the root alone', () => {
    fc.assert(
      fc.property(
        architectures(3),
        fc.integer({ min: 0, max: 1000 }),
        fc.double({ min: 0.01, max: 10, noNaN: true }),
        (arch, seed, x) => {
          withModel(arch, seed, model => {
            const tokens = [0, 1, 2].slice(0, arch.context);
            const t = trace(model, tokens, { budget: 2000, threshold: x });
            const open = t.frontier.map(id => t.nodes[id]!).filter(n => toPath(n.partial) === undefined);
            if (t.expansions < 2000) for (const n of open) expect(Math.abs(n.contribution)).toBeLessThan(x);
            const root = trace(model, tokens, { budget: 0 });
            expect(root.frontier).toEqual([0]);
            expect(root.nodes[0]!.contribution).toBe(root.logit);
          });
        },
      ),
      { numRuns: 12 },
    );
  });

  it('fully expanded on 1–2 layers, its leaves are eval’s ordered terms with eval’s contributions', () => {
    fc.assert(
      fc.property(
        architectures(2)
          .filter(termsAtMost(300))
          .chain(arch => fc.tuple(fc.constant(arch), fc.integer({ min: 0, max: 1000 }), tokensFor(arch))),
        ([arch, seed, tokens]) => {
          withModel(arch, seed, model => {
            const t = trace(model, tokens, { budget: Infinity });
            expect(t.open).toBe(0);
            const terms = [...expand(arch, { symmetrize: false })];
            const evaluated = evaluateSequence(model, tokens, terms, { check: false });
            expect(t.target).toEqual({ ...evaluated.target, predicted: true });
            const leaves = new Map(t.frontier.map(id => [toPath(t.nodes[id]!.partial), t.nodes[id]!.contribution]));
            expect(leaves.size).toBe(terms.length);
            for (const { term, contribution } of evaluated.attributions) {
              expect(leaves.has(term.path)).toBe(true);
              const tolerance = FLOAT32_TOLERANCE * Math.max(1, Math.abs(contribution));
              expect(Math.abs(leaves.get(term.path)! - contribution)).toBeLessThanOrEqual(tolerance);
            }
          });
        },
      ),
      { numRuns: 40 },
    );
  });
});
