// The laws of `pathsum verify` on attention scores (docs/design.md §1, "Score terms"): every head's score
// terms add up to its forward scores, and every rewrite step that builds a score formula (fuse-qk,
// score-split, the transposes) preserves its value in float64.
import { DenseEvaluator } from '../formula/evaluate-dense.js';
import type { Architecture } from '../language/architecture.js';
import { expandScores, rawScoreFormula, type ScoreTarget, type ScoreTerm, sideTerms } from '../model/scores.js';
import { evaluateScores } from '../numeric/scores.js';
import { simplifyWithTrace } from '../simplify/rewrite.js';
import { compareValues, frozenEnv, type Measurement, type Sequence, withForward } from './laws.js';
import { FLOAT32_TOLERANCE, FLOAT64_TOLERANCE } from './tolerances.js';

/** Heads whose score expansion has more terms than this are left out of the sum law (it is N² in the stream). */
export const SCORE_TERM_LIMIT = 40_000;

/** Every head of the model with at most SCORE_TERM_LIMIT score terms; the others, counted. */
export function scoreHeads(arch: Architecture): { heads: ScoreTarget[]; skipped: number } {
  const heads: ScoreTarget[] = [];
  let skipped = 0;
  arch.layers.forEach((layer, l) => {
    if (!layer.attention) return;
    const side = sideTerms(arch, l).length + (layer.attention.bias ? 1 : 0);
    for (let h = 0; h < layer.attention.heads; h++) {
      if (side * side <= SCORE_TERM_LIMIT) heads.push({ layer: l, head: h });
      else skipped++;
    }
  });
  return { heads, skipped };
}

/** Σ score terms = the forward pass's scores, for every head given, every query and key position. */
export function sumOfScoreTerms(s: Sequence, heads: readonly ScoreTarget[]): Measurement {
  let relative = 0;
  let absolute = 0;
  for (const target of heads) {
    const terms = expandScores(s.arch, target);
    const values = evaluateScores(s.arch, s.weights, s.tokens, target, terms);
    const { sum, mass } = values.totals();
    values.forward.forEach((expected, i) => {
      const error = Math.abs(sum[i]! - expected);
      absolute = Math.max(absolute, error);
      relative = Math.max(relative, error / Math.max(1, mass[i]!));
    });
  }
  return {
    error: relative,
    tolerance: FLOAT32_TOLERANCE,
    precision: 'float32',
    detail: `max |Σ score terms − forward scores| = ${absolute.toExponential(2)} over ${heads.length} heads`,
  };
}

/** Score terms of degree ≤ 2 replayed per head: a few spread over its expansion. */
const REPLAYED_PER_HEAD = 2;

/** Every rewrite step from a sample of score terms' raw formulas to their normal forms preserves the value. */
export function scoreRewriteSoundness(s: Sequence, heads: readonly ScoreTarget[], fired: Set<string>): Measurement {
  return withForward(s, (_logits, frozen) => {
    const evaluator = new DenseEvaluator(frozenEnv(s, frozen));
    let worst: Measurement = { error: 0, tolerance: FLOAT64_TOLERANCE, precision: 'float64', detail: 'no step' };
    for (const target of heads) {
      for (const term of spread(expandScores(s.arch, target, { maxDegree: 2 }), REPLAYED_PER_HEAD)) {
        for (const step of simplifyWithTrace(rawScoreFormula(term, s.arch, target)).trace) {
          fired.add(step.rule);
          const m = compareValues(evaluator.value(step.before), evaluator.value(step.after), `rule ${step.rule}`);
          if (m.error >= worst.error) worst = m;
        }
      }
    }
    return worst;
  });
}

function spread(terms: readonly ScoreTerm[], k: number): ScoreTerm[] {
  if (terms.length <= k) return [...terms];
  return Array.from({ length: k }, (_, i) => terms[Math.floor((i * (terms.length - 1)) / (k - 1))]!);
}
