// Issue 9's exhaustive sweeps of the central law, moved out of the test suite (which bounds the models'
// size, test/numeric/sum-of-terms.test.ts and dense-env.test.ts): Σ terms = forward logits on random
// models of any size, on both backends and through the float64 formulas, and the evaluator's batched
// routes against every term evaluated alone. Each check throws on a violation.
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { DenseEvaluator } from '../src/formula/evaluate-dense.js';
import type { Architecture } from '../src/language/architecture.js';
import { expand } from '../src/model/expand.js';
import { formula, rawFormula } from '../src/model/term-formula.js';
import { useBackend } from '../src/numeric/backend.js';
import { denseEnvOf } from '../src/numeric/dense-env.js';
import { disposeFrozen, forwardOne } from '../src/numeric/forward.js';
import { disposeWeights, randomWeights } from '../src/numeric/weights.js';
import { withEvaluator } from '../test/evaluator.js';
import { smallArchitecture } from '../test/arbitraries.js';
import { termsAtMost } from '../test/sample.js';

const SEED = 2024;
const tokensFor = fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 3 });
const largerThan150 = smallArchitecture(2).filter(arch => !termsAtMost(150)(arch));
const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(1);

function fail(what: string): never {
  throw new Error(`sum-of-terms bench: ${what}`);
}

/** Σ terms (float32, each term alone) and Σ formulas (float64) against the forward logits, relative to Σ|term|. */
function sumLaw(backend: string, arch: Architecture, seed: number, tokens: number[], symmetrize: boolean): number {
  let terms = 0;
  withEvaluator(arch, seed, tokens, (evaluator, logits) => {
    const expected = logits.dataSync();
    const total = new Float64Array(logits.size);
    const mass = new Float64Array(logits.size);
    for (const term of expand(arch, { symmetrize })) {
      const values = tf.tidy(() => evaluator.logits(term).dataSync());
      values.forEach((v, i) => {
        total[i]! += v;
        mass[i]! += Math.abs(v);
      });
      terms++;
    }
    total.forEach((v, i) => {
      if (Math.abs(v - expected[i]!) >= 2e-5 * Math.max(1, mass[i]!)) fail(`Σ terms ≠ forward logits (${backend})`);
    });
  });
  return terms;
}

function float64Law(arch: Architecture, seed: number, tokens: number[], simplified: boolean): number {
  const weights = randomWeights(arch, seed);
  const { logits, frozen } = forwardOne(arch, weights, tokens);
  const evaluator = new DenseEvaluator(denseEnvOf(arch, weights, tokens, frozen));
  const total = new Float64Array(logits.size);
  const mass = new Float64Array(logits.size);
  let terms = 0;
  for (const term of expand(arch, { symmetrize: simplified })) {
    evaluator.value(simplified ? formula(term, arch) : rawFormula(term, arch)).data.forEach((v, i) => {
      total[i]! += v;
      mass[i]! += Math.abs(v);
    });
    terms++;
  }
  const expected = logits.dataSync();
  total.forEach((v, i) => {
    if (Math.abs(v - expected[i]!) >= 2e-5 * Math.max(1, mass[i]!)) fail('Σ float64 formulas ≠ forward logits');
  });
  disposeFrozen(frozen);
  disposeWeights(weights);
  logits.dispose();
  return terms;
}

/** Readout-first contributions, forEachTermLogits and sumOfLogits, on every term, against each term alone. */
function batchedRoutes(arch: Architecture, seed: number, tokens: number[]): number {
  const terms = [...expand(arch)];
  withEvaluator(arch, seed, tokens, evaluator => {
    const direction = tf.randomNormal([tokens.length, arch.vocab], 0, 1, 'float32', seed) as tf.Tensor2D;
    const fast = evaluator.contributions(terms, direction);
    const seen = new Set<number>();
    const sum = new Float64Array(tokens.length * arch.vocab);
    let mass = 1;
    evaluator.forEachTermLogits(terms, (i, values) => {
      if (seen.has(i)) fail('forEachTermLogits gives a term twice');
      seen.add(i);
      const alone = tf.tidy(() => evaluator.logits(terms[i]!).dataSync());
      const scale = Math.max(1, ...Array.from(alone, Math.abs));
      mass = Math.max(mass, scale);
      alone.forEach((v, k) => {
        sum[k]! += v;
      });
      if (values.some((v, k) => Math.abs(v - alone[k]!) >= 1e-5 * scale)) fail('forEachTermLogits ≠ the term alone');
      const pulled = tf.tidy(() => tf.sum(tf.mul(evaluator.logits(terms[i]!), direction), 1).dataSync());
      pulled.forEach((v, pos) => {
        if (Math.abs(fast[i]![pos]! - v) >= 1e-4 * Math.max(1, Math.abs(v))) fail('a contribution ≠ the term alone');
      });
    });
    if (seen.size !== terms.length) fail('forEachTermLogits misses a term');
    const batched = tf.tidy(() => evaluator.sumOfLogits(terms).dataSync());
    if (batched.some((v, k) => Math.abs(v - sum[k]!) > 1e-5 * mass * Math.max(1, terms.length)))
      fail('sumOfLogits ≠ the sum of the terms alone');
    direction.dispose();
  });
  return terms.length;
}

export default async function sumOfTerms(): Promise<void> {
  for (const backend of ['wasm', 'cpu'] as const) {
    await useBackend(backend);
    const start = performance.now();
    let terms = 0;
    fc.assert(
      fc.property(smallArchitecture(2), fc.nat(1000), fc.boolean(), tokensFor, (arch, seed, symmetrize, tokens) => {
        terms += sumLaw(backend, arch, seed, tokens, symmetrize);
      }),
      { numRuns: 40, seed: SEED },
    );
    console.log(`[${backend}] Σ terms = forward logits on 40 models of any size (${terms} terms): ${seconds(start)} s`);
  }
  let start = performance.now();
  let terms = 0;
  fc.assert(
    fc.property(smallArchitecture(2), fc.nat(1000), fc.boolean(), tokensFor, (arch, seed, simplified, tokens) => {
      terms += float64Law(arch, seed, tokens, simplified);
    }),
    { numRuns: 40, seed: SEED },
  );
  console.log(`[cpu] Σ float64 formulas = forward logits on 40 models (${terms} terms): ${seconds(start)} s`);
  await useBackend('wasm');
  start = performance.now();
  terms = 0;
  fc.assert(
    // the models the suite samples 150 terms of
    fc.property(largerThan150, fc.nat(1000), tokensFor, (arch, seed, tokens) => {
      terms += batchedRoutes(arch, seed, tokens);
    }),
    { numRuns: 10, seed: SEED },
  );
  const what = 'batched contributions, term logits and sums = each term alone';
  console.log(`[wasm] ${what}, on all ${terms} terms of 10 models over 150 terms: ${seconds(start)} s`);
}
