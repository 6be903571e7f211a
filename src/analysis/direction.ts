// The output direction u a bilinear layer is read along: a residual-stream vector, or the logit of
// a token pulled back from the unembedding to the layer's output.
import { match } from 'ts-pattern';
import { UserError } from '../errors.js';
import type { DirectionChoice } from './direction-file.js';

export type { DirectionChoice } from './direction-file.js';
export { parseDirection, readDirectionFile } from './direction-file.js';
import type { Architecture } from '../language/architecture.js';
import { WeightView } from '../numeric/weight-view.js';
import { appliedParts, listed } from './norm-parts.js';
import type { Weights } from '../numeric/weights.js';

/** What the user asked to read the layer along: a token's logit (`--token`) or a vector (`--direction`). */
export interface OutputDirection {
  /** The direction in the residual stream the layer's output is read along. */
  readonly u: Float64Array;
  /** `unembed`: exact up to the final norm's scale; `direct-path`: later blocks are skipped. */
  readonly kind: 'unembed' | 'direct-path' | 'vector';
  /** One line naming u, e.g. `logit of token 5: W_U[:,5]`. */
  readonly label: string;
  /** What was folded in or left out, one sentence each. */
  readonly notes: readonly string[];
}

export function outputDirection(
  arch: Architecture,
  weights: Weights,
  layer: number,
  choice: DirectionChoice,
): OutputDirection {
  return match(choice)
    .with({ kind: 'vector' }, dir => vectorDirection(arch, dir.vector, dir.source))
    .with({ kind: 'token' }, dir => tokenDirection(arch, weights, layer, dir.token))
    .exhaustive();
}

function vectorDirection(arch: Architecture, vector: readonly number[], source: string): OutputDirection {
  if (vector.length !== arch.width)
    throw new UserError(`${source}: the direction has ${vector.length} numbers, the residual width is ${arch.width}`);
  const { unit, length } = normalized(vector, source);
  return {
    u: unit,
    kind: 'vector',
    label: `unit vector from ${source}`,
    notes: length === 1 ? [] : [`the direction was normalized to unit length (its norm was ${length.toPrecision(4)})`],
  };
}

/** The smallest positive normal float64, 2^−1022. */
const MIN_NORMAL = 2 ** -1022;

/**
 * v / ‖v‖, with v divided by its largest |entry| first: Σ v_i² overflows from |v_i| ≈ 1e154 and underflows below
 * 1e-154, where ‖v‖ itself is still a float64. Refused where ‖v‖ is not one, or where the entries are subnormal
 * (their digits are lost).
 */
export function normalized(vector: readonly number[], source: string): { unit: Float64Array; length: number } {
  const scale = vector.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
  if (scale === 0) throw new UserError(`${source}: the direction is zero`);
  if (scale < MIN_NORMAL)
    throw new UserError(
      `${source}: the direction's entries are too small for float64 ` +
        `(the largest |entry| is ${scale}, below ${MIN_NORMAL.toPrecision(3)}); scale them up`,
    );
  const scaled = Float64Array.from(vector, x => x / scale);
  const norm = Math.sqrt(scaled.reduce((s, x) => s + x * x, 0));
  const length = scale * norm;
  if (!Number.isFinite(length))
    throw new UserError(
      `${source}: the direction's norm exceeds float64's largest number ` +
        `(the largest |entry| is ${scale}); scale it down`,
    );
  return { unit: scaled.map(x => x / norm), length };
}

// Logit c = (W_U[:,c]) · N(x_final). Through a final norm N(x) = g ⊙ (P x) · s_t (+ b), with P the
// centering for LayerNorm: u = P (g ⊙ W_U[:,c]) exactly; the per-position scale s_t > 0 multiplies
// the whole form, so it rescales eigenvalues per position and leaves eigenvectors alone: it is left out.
function tokenDirection(arch: Architecture, weights: Weights, layer: number, token: number): OutputDirection {
  const V = arch.vocab;
  if (!Number.isInteger(token) || token < 0 || token >= V)
    throw new UserError(`token ${token} is out of range: the vocabulary has tokens 0..${V - 1}`);
  const view = new WeightView(arch, weights);
  const u = view.logitPulledBack64(token);
  const notes: string[] = [];
  const finalNorm = view.norm('final', null);
  if (finalNorm) {
    const parts = appliedParts(finalNorm);
    const folded =
      parts.length === 0
        ? 'ln_final has no gain: nothing of it is folded into u'
        : `ln_final's ${listed(parts)} ${parts.length === 1 ? 'is' : 'are'} folded into u`;
    notes.push(
      `${folded}; its per-position scale 1/${finalNorm.kind === 'layer' ? 'σ' : 'rms'}_t is left out ` +
        '(a positive factor per position: eigenvalues scale by it, eigenvectors do not change)',
    );
  }
  const later = arch.layers.slice(layer + 1).some(l => l.attention || l.bilinear);
  if (later)
    notes.push(
      `layers ${layer + 1}..${arch.layers.length - 1} follow layer ${layer}: this is the direct-path readout ` +
        "(the layer's output read straight by the unembedding, later blocks skipped)",
    );
  return {
    u,
    kind: later ? 'direct-path' : 'unembed',
    label:
      `logit of token ${token}: ${finalNorm?.gain ? 'ln_final gain ⊙ ' : ''}` +
      `W_U[:,${token}]${later ? ' (direct path)' : ''}`,
    notes,
  };
}
