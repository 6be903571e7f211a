// The laws `pathsum verify` checks on one model and one token sequence. Each returns the error it
// measured and the tolerance it allows; the fast-check driver (verify.ts) draws the inputs.
import type { Term } from '../model/expand.js';
import { DenseEvaluator, maxAbsDifference, type Matrix } from '../formula/evaluate-dense.js';
import { rawFormula } from '../model/term-formula.js';
import { denseEnvOf } from '../numeric/dense-env.js';
import { PathEvaluator } from '../numeric/evaluate.js';
import { disposeFrozen, forwardOne, type SequenceFrozen } from '../numeric/forward.js';
import { contractWithInputs, VirtualWeights } from '../numeric/virtual.js';
import type { Weights } from '../numeric/weights.js';
import { simplifyWithTrace } from '../simplify/rewrite.js';
import type { Architecture } from '../language/architecture.js';
import type { Identity } from './identity.js';

/** An error relative to the scale of what was compared, and the tolerance it must stay within. */
export interface Measurement {
  readonly error: number;
  readonly tolerance: number;
  /** What was compared, for a failure report. */
  readonly detail?: string;
}

/** float32 arithmetic, with terms that may cancel: bounded relative to Σ|term| per logit. */
export const FLOAT32_TOLERANCE = 1e-4;
/** Both sides in float64 on the same frozen quantities. */
export const FLOAT64_TOLERANCE = 1e-9;

export interface Sequence {
  readonly arch: Architecture;
  readonly weights: Weights;
  readonly tokens: readonly number[];
}

/** Runs `f` with the forward pass's frozen quantities for `tokens`, releasing every tensor after. */
export function withForward<T>(s: Sequence, f: (logits: Float32Array, frozen: SequenceFrozen) => T): T {
  const { logits, frozen } = forwardOne(s.arch, s.weights, s.tokens);
  try {
    return f(logits.dataSync() as Float32Array, frozen);
  } finally {
    logits.dispose();
    disposeFrozen(frozen);
  }
}

/** docs/design.md §1: with patterns and norm scales frozen, Σ terms = forward logits. */
export function sumOfTerms(s: Sequence, terms: readonly Term[]): Measurement {
  return withForward(s, (expected, frozen) => {
    const evaluator = new PathEvaluator(s.arch, s.weights, s.tokens, frozen);
    const total = new Float64Array(expected.length);
    const mass = new Float64Array(expected.length);
    try {
      evaluator.forEachTermLogits(terms, (_, values) =>
        values.forEach((v, i) => {
          total[i]! += v;
          mass[i]! += Math.abs(v);
        }),
      );
    } finally {
      evaluator.dispose();
    }
    let relative = 0;
    let absolute = 0;
    total.forEach((v, i) => {
      const e = Math.abs(v - expected[i]!);
      absolute = Math.max(absolute, e);
      relative = Math.max(relative, e / Math.max(1, mass[i]!));
    });
    return {
      error: relative,
      tolerance: FLOAT32_TOLERANCE,
      detail: `max |Σ terms − forward logits| = ${absolute.toExponential(2)}`,
    };
  });
}

/** Weight mode = activation mode: each term's virtual weight table for logit `readout`, contracted with the one-hot inputs and the frozen kernel, gives its activation-mode logit. */
export function weightMode(s: Sequence, terms: readonly Term[], readout: number): Measurement {
  return withForward(s, (_logits, frozen) => {
    const evaluator = new PathEvaluator(s.arch, s.weights, s.tokens, frozen);
    const tables = new VirtualWeights(s.arch, s.weights);
    let error = 0;
    try {
      for (const term of terms) {
        const table = tables.table(term.path, { readout });
        const { logits, mass } = contractWithInputs(s.arch, table, s.tokens, frozen, term.coefficient.valueOf());
        const activation = evaluator.logits(term);
        const column = activation.dataSync();
        activation.dispose();
        logits.forEach((v, t) => {
          error = Math.max(error, Math.abs(v - column[t * s.arch.vocab + readout]!) / Math.max(1, mass[t]!));
        });
      }
    } finally {
      tables.dispose();
      evaluator.dispose();
    }
    return { error, tolerance: FLOAT32_TOLERANCE, detail: `logit ${readout}` };
  });
}

/** Every rewrite step the simplifier takes on these terms preserves the value (float64). */
export function rewriteSoundness(s: Sequence, terms: readonly Term[], fired: Set<string>): Measurement {
  return withForward(s, (_logits, frozen) => {
    const evaluator = new DenseEvaluator(denseEnvOf(s.arch, s.weights, s.tokens, frozen));
    let worst: Measurement = { error: 0, tolerance: FLOAT64_TOLERANCE, detail: 'no rewrite step' };
    for (const term of terms) {
      const { trace } = simplifyWithTrace(rawFormula(term, s.arch));
      for (const step of trace) {
        fired.add(step.rule);
        const m = compare(evaluator.value(step.before), evaluator.value(step.after), `rule ${step.rule}`);
        if (m.error >= worst.error) worst = m;
      }
    }
    return worst;
  });
}

/** A user identity: both sides evaluated in float64 on the model and this sequence. */
export function identityHolds(s: Sequence, identity: Identity): Measurement {
  return withForward(s, (_logits, frozen) => {
    const evaluator = new DenseEvaluator(denseEnvOf(s.arch, s.weights, s.tokens, frozen));
    return compare(evaluator.value(identity.left), evaluator.value(identity.right), identity.text);
  });
}

function compare(a: Matrix, b: Matrix, what: string): Measurement {
  if (a.rows !== b.rows || a.cols !== b.cols)
    return {
      error: Infinity,
      tolerance: FLOAT64_TOLERANCE,
      detail: `${what}: the sides are ${a.rows}×${a.cols} and ${b.rows}×${b.cols} matrices`,
    };
  let scale = 1;
  for (const m of [a, b]) for (const v of m.data) scale = Math.max(scale, Math.abs(v));
  return { error: maxAbsDifference(a, b) / scale, tolerance: FLOAT64_TOLERANCE, detail: what };
}
