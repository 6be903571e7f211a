// `pathsum verify` as a library: fast-check properties on one model. Inputs are random token
// sequences and, when the model has no weights file, random weights too; a failure is shrunk to a
// small counterexample and comes with the seed that replays it.
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import type { Architecture } from '../language/architecture.js';
import type { Term } from '../model/expand.js';
import type { Model } from '../numeric/model.js';
import { namingOverflow } from '../numeric/overflow.js';
import { disposeWeights, randomWeights, type Weights } from '../numeric/weights.js';
import type { Identity } from './identity.js';
import { QK_SHARPENING } from './tolerances.js';

export { QK_SHARPENING } from './tolerances.js';
import { identityHolds, type Measurement, rewriteSoundness, type Sequence, sumOfTerms, weightMode } from './laws.js';
import { SCORE_TERM_LIMIT, scoreHeads, scoreRewriteSoundness, sumOfScoreTerms } from './score-laws.js';

export interface VerifyOptions {
  readonly runs: number;
  readonly seed: number;
  readonly identities: readonly Identity[];
  /** Draw new random weights for every run (the model has no weights file). */
  readonly randomWeights: boolean;
  /** The terms are a filtered subset (--max-degree, --layers, --ablate): they do not add up to the forward pass. */
  readonly subset?: boolean;
  readonly onRun?: () => void;
}

export interface LawReport {
  readonly law: string;
  /** Inputs tried: all of them, or up to and including the first failing one (shrinking not counted). */
  readonly runs: number;
  readonly passed: boolean;
  readonly worst: Measurement;
  /** The shrunk failing input, when the law failed. */
  readonly counterexample?: string;
  readonly seed: number;
}

/**
 * Terms sampled per run for the laws whose evaluation is dense in the inputs (virtual weight
 * tables hold V^k entries, the float64 reference n^k columns): degree ≤ 2, a few per run.
 */
const SAMPLED_TERMS_PER_RUN = 4;
const SAMPLED_MAX_DEGREE = 2;

/** The random weights of one verify run: randomWeights with W_Q and W_K scaled by QK_SHARPENING. */
export function verifyWeights(arch: Architecture, seed: number): Weights {
  const weights = new Map(randomWeights(arch, seed));
  arch.layers.forEach((layer, l) => {
    if (!layer.attention) return;
    for (const key of [`blocks.${l}.attn.W_Q`, `blocks.${l}.attn.W_K`]) {
      const drawn = weights.get(key)!;
      weights.set(key, tf.mul(drawn, QK_SHARPENING));
      drawn.dispose();
    }
  });
  return weights;
}

interface Input {
  readonly tokens: number[];
  readonly weightSeed: number | null;
}

export function verifyModel(model: Model, terms: readonly Term[], options: VerifyOptions): LawReport[] {
  return verificationLaws(model, terms, options).map(law => law());
}

/** One law's check, run when called: its report. */
export type LawCheck = () => LawReport;

/**
 * The laws `verifyModel` checks, in its order, each run when called: every law draws its inputs from the
 * same seed on its own, so running them one at a time (a caller spreading the work) gives the same reports.
 */
export function verificationLaws(model: Model, terms: readonly Term[], options: VerifyOptions): LawCheck[] {
  const { arch } = model;
  const input: fc.Arbitrary<Input> = fc.record({
    tokens: fc.array(fc.integer({ min: 0, max: arch.vocab - 1 }), { minLength: 1, maxLength: arch.context }),
    weightSeed: options.randomWeights ? fc.integer({ min: 0, max: 2 ** 31 - 1 }) : fc.constant(null),
  });
  const withSequence = <T>(i: Input, f: (s: Sequence) => T): T => {
    const weights: Weights = i.weightSeed === null ? model.weights : verifyWeights(arch, i.weightSeed);
    const source = i.weightSeed === null ? model.source : `random weights (seed ${i.weightSeed})`;
    try {
      return namingOverflow(source, () => f({ arch, weights, tokens: i.tokens }));
    } finally {
      if (weights !== model.weights) disposeWeights(weights);
    }
  };
  const laws: LawCheck[] = options.subset
    ? []
    : [() => check('Σ terms = forward logits', input, i => withSequence(i, s => sumOfTerms(s, terms)), options)];
  const small = terms.filter(t => t.degree <= SAMPLED_MAX_DEGREE);
  if (small.length > 0) {
    const picks = fc.array(fc.integer({ min: 0, max: small.length - 1 }), {
      minLength: 1,
      maxLength: SAMPLED_TERMS_PER_RUN,
    });
    const readout = fc.integer({ min: 0, max: arch.vocab - 1 });
    laws.push(() =>
      check(
        'weight mode = activation mode',
        fc.tuple(input, picks, readout),
        ([i, p, c]) =>
          withSequence(i, s =>
            weightMode(
              s,
              p.map(k => small[k]!),
              c,
            ),
          ),
        options,
      ),
    );
    laws.push(() => {
      const fired = new Set<string>();
      const report = check(
        'rewrite rules are sound',
        fc.tuple(input, picks),
        ([i, p]) =>
          withSequence(i, s =>
            rewriteSoundness(
              s,
              p.map(k => small[k]!),
              fired,
            ),
          ),
        options,
      );
      return { ...report, law: `rewrite rules are sound (${[...fired].sort().join(', ') || 'none fired'})` };
    });
  }
  if (!options.subset) laws.push(...scoreLaws(arch, input, withSequence, options));
  for (const identity of options.identities) {
    laws.push(() =>
      check(`identity ${identity.text.trim()}`, input, i => withSequence(i, s => identityHolds(s, identity)), options),
    );
  }
  return laws;
}

/** How many score laws `verifyModel` checks on a model: none without attention heads. */
export const scoreLawCount = (arch: Architecture, subset: boolean): number =>
  subset || scoreHeads(arch).heads.length === 0 ? 0 : 2;

/** docs/design.md §1 score terms: Σ score terms = forward scores per head, and the rewrites of score formulas. */
function scoreLaws(
  arch: Architecture,
  input: fc.Arbitrary<Input>,
  withSequence: <T>(i: Input, f: (s: Sequence) => T) => T,
  options: VerifyOptions,
): LawCheck[] {
  const { heads, skipped } = scoreHeads(arch);
  if (heads.length === 0) return [];
  const left = skipped > 0 ? `; ${skipped} with over ${SCORE_TERM_LIMIT.toLocaleString('en-US')} terms left out` : '';
  const sum: LawCheck = () =>
    check(
      `Σ score terms = forward scores (${heads.length} head${heads.length === 1 ? '' : 's'}${left})`,
      input,
      i => withSequence(i, s => sumOfScoreTerms(s, heads)),
      options,
    );
  const rewrites: LawCheck = () => {
    const fired = new Set<string>();
    const report = check(
      'score rewrites',
      input,
      i => withSequence(i, s => scoreRewriteSoundness(s, heads, fired)),
      options,
    );
    return { ...report, law: `score formula rewrites are sound (${[...fired].sort().join(', ')})` };
  };
  return [sum, rewrites];
}

function check<T>(
  law: string,
  arbitrary: fc.Arbitrary<T>,
  measure: (input: T) => Measurement,
  options: VerifyOptions,
): LawReport {
  let worst: Measurement | undefined;
  const property = fc.property(arbitrary, input => {
    const m = measure(input);
    options.onRun?.();
    if (!worst || !(m.error <= worst.error)) worst = m;
    return m.error <= m.tolerance;
  });
  const details = fc.check(property, { numRuns: options.runs, seed: options.seed });
  if (!details.failed) return { law, runs: details.numRuns, passed: true, worst: worst!, seed: options.seed };
  // re-measuring the shrunk input rethrows what a law threw (a bug, or a UserError to report as is)
  const failure = details.counterexample ? measure(details.counterexample[0]) : worst!;
  return {
    law,
    runs: details.numRuns,
    passed: false,
    worst: failure,
    counterexample: details.counterexample ? fc.stringify(details.counterexample[0]) : String(details.errorInstance),
    seed: options.seed,
  };
}
