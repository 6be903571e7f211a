// Low-rank truncation of a whole bilinear layer. The layer's output is Σ_o e_o (x̃ᵀ Q_{e_o} x̃) over
// the residual basis; replacing each Q_{e_o} by its top-k eigencomponents Σ_{i≤k} λ_{o,i} v_{o,i} v_{o,i}ᵀ
// is exact to state and is itself a bilinear layer with hidden width d·k (unit (o,i) has
// w_in = w_gate = v_{o,i}, writes λ_{o,i} to coordinate o), so the ordinary forward pass scores it.
// The truncation depends on the output basis; the residual stream's own basis is the one used.
import * as tf from '@tensorflow/tfjs-core';
import type { Architecture, Layer } from '../language/architecture.js';
import { defaultKey, site } from '../language/site.js';
import type { Weights } from '../numeric/weights.js';
import { type BilinearForm, formDimension } from './bilinear.js';
import { type EigenDecomposition, eigenDecomposition } from './eigen.js';
import type { Batch } from './inputs.js';
import { interactionMatrix } from './interaction.js';
import { zeros } from '../linalg/matrix.js';
import { score, type Score } from './score.js';

/** Q_{e_o}'s eigendecomposition for every output coordinate o. */
export function outputEigenbasis(form: BilinearForm): EigenDecomposition[] {
  return Array.from({ length: form.width }, (_, o) => {
    const e = new Float64Array(form.width);
    e[o] = 1;
    return eigenDecomposition(interactionMatrix(form, e));
  });
}

/** The rank-k layer as a bilinear form of hidden width d·min(k, d'). */
export function truncatedForm(form: BilinearForm, basis: readonly EigenDecomposition[], k: number): BilinearForm {
  const n = formDimension(form);
  const d = form.width;
  const r = Math.min(k, n);
  const m = d * r;
  const input = zeros(n, m);
  const output = zeros(m, d);
  basis.forEach((eigen, o) => {
    for (let i = 0; i < r; i++) {
      const unit = o * r + i;
      const v = eigen.vectors[i]!;
      for (let j = 0; j < n; j++) input.data[j * m + unit] = v[j]!;
      output.data[unit * d + o] = eigen.values[i]!;
    }
  });
  return { ...form, input, gate: input, output };
}

/** Σ_o Σ_{i≤k} λ_{o,i}² / Σ_o ‖Q_{e_o}‖_F²: the share of the layer's squared mass kept at rank k. */
export function keptShare(basis: readonly EigenDecomposition[], k: number): number {
  let kept = 0;
  let total = 0;
  for (const { values } of basis)
    values.forEach((l, i) => {
      total += l * l;
      if (i < k) kept += l * l;
    });
  return total === 0 ? 1 : kept / total;
}

export interface ModelWithLayer {
  readonly arch: Architecture;
  readonly weights: Weights;
  /** The tensors made for the new layer: dispose these, not the shared ones. */
  readonly created: readonly tf.Tensor[];
}

/** The model with `form` as its bilinear block (other weights shared, not copied). */
export function withBilinearLayer(arch: Architecture, weights: Weights, form: BilinearForm): ModelWithLayer {
  const { layer, width: d } = form;
  const m = form.output.rows;
  const old = arch.layers[layer]!;
  const layers: Layer[] = arch.layers.map((l, i) =>
    i === layer ? { ...old, bilinear: { ...old.bilinear!, hidden: m } } : l,
  );
  const part = (data: Float64Array, shape: number[]) => tf.tensor(Float32Array.from(data), shape);
  const created = [
    part(form.input.data.subarray(0, d * m), [d, m]),
    part(form.gate.data.subarray(0, d * m), [d, m]),
    part(form.output.data, [m, d]),
  ];
  const next = new Map(weights);
  const key = (name: string) => defaultKey(site('mlp', layer, name));
  ['W_in', 'W_gate', 'W_out'].forEach((name, i) => {
    next.set(key(name), created[i]!);
  });
  if (form.homogeneous) {
    const biases = [part(form.input.data.subarray(d * m), [m]), part(form.gate.data.subarray(d * m), [m])];
    next.set(key('b_in'), biases[0]!);
    next.set(key('b_gate'), biases[1]!);
    created.push(...biases);
  }
  return { arch: { ...arch, layers }, weights: next, created };
}

export interface TruncationPoint extends Score {
  readonly rank: number;
  /** keptShare at this rank. */
  readonly kept: number;
}

export interface TruncationCurve {
  readonly sequences: number;
  readonly baseline: Score;
  readonly points: readonly TruncationPoint[];
}

export function truncationCurve(
  arch: Architecture,
  weights: Weights,
  form: BilinearForm,
  ranks: readonly number[],
  batch: Batch,
): TruncationCurve {
  const basis = outputEigenbasis(form);
  const points = ranks.map(rank => {
    const model = withBilinearLayer(arch, weights, truncatedForm(form, basis, rank));
    try {
      return { rank, kept: keptShare(basis, rank), ...score(model.arch, model.weights, batch) };
    } finally {
      for (const t of model.created) t.dispose();
    }
  });
  return { sequences: batch.tokens.length, baseline: score(arch, weights, batch), points };
}
