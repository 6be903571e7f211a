// The laws `pathsum verify` checks on one model and one token sequence. Each returns the error it
// measured and the tolerance it allows; the fast-check driver (verify.ts) draws the inputs.
import type { Term } from '../model/expand.js';
import { type DenseEnv, DenseEvaluator } from '../formula/evaluate-dense.js';
import { matrix, type Matrix } from '../linalg/matrix.js';
import { rawFormula } from '../model/term-formula.js';
import { denseEnvOf } from '../numeric/dense-env.js';
import { PathEvaluator } from '../numeric/evaluate.js';
import { disposeFrozen, forwardOne, type SequenceFrozen } from '../numeric/forward.js';
import { contractWithInputs, VirtualWeights } from '../numeric/virtual.js';
import type { Weights } from '../numeric/weights.js';
import { simplifyWithTrace } from '../simplify/rewrite.js';
import type { Architecture } from '../language/architecture.js';
import type { Identity } from './identity.js';
import { FLOAT32_TOLERANCE, FLOAT64_TOLERANCE } from './tolerances.js';

export { FLOAT32_TOLERANCE, FLOAT64_TOLERANCE } from './tolerances.js';

/** An error relative to the scale of what was compared, and the tolerance it must stay within. */
export interface Measurement {
  readonly error: number;
  readonly tolerance: number;
  /** The arithmetic both sides were computed in, which the tolerance is set for. */
  readonly precision: Precision;
  /** What was compared, for a failure report. */
  readonly detail?: string;
}

export type Precision = 'float32' | 'float64';

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
      // a plain loop: this runs once per term and logit (53,300 × n × V for the induction model)
      evaluator.forEachTermLogits(terms, (_, values) => {
        for (let i = 0; i < values.length; i++) {
          const v = values[i]!;
          total[i]! += v;
          mass[i]! += Math.abs(v);
        }
      });
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
      precision: 'float32',
      detail: `max |Σ terms − forward logits| = ${absolute.toExponential(2)}`,
    };
  });
}

/**
 * Weight mode = activation mode: each term's virtual weight table for logit `readout`, contracted with
 * the one-hot inputs and the frozen kernel, gives its activation-mode logit.
 */
export function weightMode(s: Sequence, terms: readonly Term[], readout: number): Measurement {
  return withForward(s, (_logits, frozen) => {
    const evaluator = new PathEvaluator(s.arch, s.weights, s.tokens, frozen);
    const tables = new VirtualWeights(s.arch, s.weights);
    let error = 0;
    try {
      for (const term of terms) {
        const table = tables.table(term.path, { logit: readout });
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
    return { error, tolerance: FLOAT32_TOLERANCE, precision: 'float32', detail: `logit ${readout}` };
  });
}

/** Every rewrite step the simplifier takes on these terms preserves the value (float64). */
export function rewriteSoundness(s: Sequence, terms: readonly Term[], fired: Set<string>): Measurement {
  return withForward(s, (_logits, frozen) => {
    const evaluator = new DenseEvaluator(frozenEnv(s, frozen));
    let worst: Measurement = {
      error: 0,
      tolerance: FLOAT64_TOLERANCE,
      precision: 'float64',
      detail: 'no rewrite step',
    };
    for (const term of terms) {
      const { trace } = simplifyWithTrace(rawFormula(term, s.arch));
      for (const step of trace) {
        fired.add(step.rule);
        const m = compareValues(evaluator.value(step.before), evaluator.value(step.after), `rule ${step.rule}`);
        if (m.error >= worst.error) worst = m;
      }
    }
    return worst;
  });
}

/** A user identity: both sides evaluated in float64 on the model and this sequence. */
export function identityHolds(s: Sequence, identity: Identity): Measurement {
  return withForward(s, (_logits, frozen) => {
    const evaluator = new DenseEvaluator(frozenEnv(s, frozen));
    return compareValues(evaluator.value(identity.left), evaluator.value(identity.right), null);
  });
}

/**
 * The float64 environment of a sequence, with every pattern row renormalized. A pattern is a softmax,
 * a probability distribution by definition, but the float32 forward pass leaves its rows summing to 1
 * only within ~3e-8; the law A 1 = 1 (rule rows-sum-to-one, and any identity built on it) would then
 * fail by float32 rounding against the float64 tolerance. Renormalizing in float64 restores the exact
 * law and moves each entry by no more than the rounding already in it, so both sides are exact
 * functions of the same frozen values again and the comparison stays in float64: 1e-9 rather than a
 * float32 tolerance 10⁴ times looser, under which a slightly wrong rule or identity could pass.
 * Norm scales need nothing: no law constrains their values.
 */
export function frozenEnv(s: Sequence, frozen: SequenceFrozen): DenseEnv {
  const env = denseEnvOf(s.arch, s.weights, s.tokens, frozen);
  const patterns = new Map<string, Matrix>();
  const pattern = (layer: number, head: number): Matrix => {
    const key = `${layer}.${head}`;
    return patterns.get(key) ?? patterns.set(key, stochastic(env.pattern(layer, head))).get(key)!;
  };
  return { ...env, pattern };
}

function stochastic(a: Matrix): Matrix {
  const sums = Array.from({ length: a.rows }, (_, t) =>
    a.data.subarray(t * a.cols, (t + 1) * a.cols).reduce((x, y) => x + y, 0),
  );
  return matrix(a.rows, a.cols, (t, s) => a.data[t * a.cols + s]! / sums[t]!);
}

/** Both sides' values, relative to the larger of 1 and their largest entry; the detail says where they differ most. */
export function compareValues(a: Matrix, b: Matrix, label: string | null): Measurement {
  const measured = (error: number, detail: string): Measurement => ({
    error,
    tolerance: FLOAT64_TOLERANCE,
    precision: 'float64',
    detail: label ? `${label}: ${detail}` : detail,
  });
  if (a.rows !== b.rows || a.cols !== b.cols)
    return measured(Infinity, `the sides are ${a.rows}×${a.cols} and ${b.rows}×${b.cols} matrices`);
  let scale = 1;
  for (const m of [a, b]) for (const v of m.data) scale = Math.max(scale, Math.abs(v));
  if (!Number.isFinite(scale)) return measured(Infinity, 'the values overflow float64');
  let worst = 0;
  a.data.forEach((v, i) => {
    if (Math.abs(v - b.data[i]!) > Math.abs(a.data[worst]! - b.data[worst]!)) worst = i;
  });
  const difference = Math.abs(a.data[worst]! - b.data[worst]!);
  const at = `position ${Math.floor(worst / a.cols)}, column ${worst % a.cols}`;
  return measured(difference / scale, `largest |left − right| = ${difference.toExponential(2)} at ${at}`);
}
