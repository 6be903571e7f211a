// The weight-only circuits of every head (Elhage et al. 2021): the OV circuit W_U W_OV W_E and the QK circuit
// W_Eᵀ W_QK W_E, both V × V, summarized by their eigenvalues, and the composition scores between heads of
// different layers (the TransformerLens definition). Nothing V × V is formed: a circuit A B with A V × d_head
// and B d_head × V has the nonzero eigenvalues of B A, d_head × d_head; Frobenius norms of products of
// factored d × d circuits are traces of d_head × d_head products. Norms and the positional embedding are left
// out, as in the paper; under rotary attention the QK circuit is the one at offset 0 (R_0 = I).
import type { Architecture } from '../language/architecture.js';
import { site } from '../language/site.js';
import { eigenvalues } from '../linalg/eigenvalues.js';
import { type Matrix, multiply, multiplyTransposed, transpose } from '../linalg/matrix.js';
import { W_E, W_U, WeightView } from '../numeric/weight-view.js';
import type { Weights } from '../numeric/weights.js';

export interface HeadId {
  readonly layer: number;
  readonly head: number;
}

/** Eigenvalues of a V × V circuit (its nonzero ones), and Elhage's copying score Σλ / Σ|λ| in [−1, 1]. */
export interface EigenSummary {
  /** [re, im] pairs, largest |λ| first. */
  readonly eigenvalues: readonly (readonly [number, number])[];
  /** Σλ, the trace of the circuit (real). */
  readonly trace: number;
  readonly absSum: number;
  /** Σλ / Σ|λ|: 1 when every eigenvalue is positive (the head copies), −1 when every one is negative. */
  readonly copying: number;
}

export interface HeadCircuits extends HeadId {
  readonly ov: EigenSummary;
  readonly qk: EigenSummary;
}

/** ‖W_A W_B‖_F / (‖W_A‖_F ‖W_B‖_F) from head `from` into head `to` of a later layer, in row convention. */
export interface Composition {
  readonly from: HeadId;
  readonly to: HeadId;
  readonly q: number;
  readonly k: number;
  readonly v: number;
}

export interface Circuits {
  readonly heads: readonly HeadCircuits[];
  readonly composition: readonly Composition[];
}

export function circuits(arch: Architecture, weights: Weights): Circuits {
  const view = new WeightView(arch, weights);
  try {
    const heads = headsOf(arch);
    const weightsOf = (h: HeadId) => headWeights(view, h);
    return {
      heads: heads.map(h => ({ ...h, ...headCircuits(view, weightsOf(h)) })),
      composition: heads.flatMap(a =>
        heads
          .filter(b => b.layer > a.layer)
          .map(b => ({ from: a, to: b, ...compositionScores(weightsOf(a), weightsOf(b)) })),
      ),
    };
  } finally {
    view.dispose();
  }
}

function headsOf(arch: Architecture): HeadId[] {
  return arch.layers.flatMap((l, layer) =>
    Array.from({ length: l.attention?.heads ?? 0 }, (_, head) => ({ layer, head })),
  );
}

/** A head's four maps as stored (row convention): W_Q, W_K, W_V [d, d_head], W_O [d_head, d]. */
export interface HeadWeights {
  readonly W_Q: Matrix;
  readonly W_K: Matrix;
  readonly W_V: Matrix;
  readonly W_O: Matrix;
}

function headWeights(view: WeightView, { layer, head }: HeadId): HeadWeights {
  const at = (name: string) => view.matrix64(site('attn', layer, name), head);
  return { W_Q: at('W_Q'), W_K: at('W_K'), W_V: at('W_V'), W_O: at('W_O') };
}

function headCircuits(view: WeightView, w: HeadWeights): { ov: EigenSummary; qk: EigenSummary } {
  const embed = view.matrix64(W_E); // V × d
  const unembed = view.matrix64(W_U); // d × V
  return { ov: ovCircuit(embed, unembed, w), qk: qkCircuit(embed, w) };
}

/** W_E W_V W_O W_U (V × V, row convention) through its d_head × d_head factor W_O W_U W_E W_V. */
export function ovCircuit(embed: Matrix, unembed: Matrix, w: HeadWeights): EigenSummary {
  return eigenSummary(multiply(w.W_O, multiply(unembed, multiply(embed, w.W_V))));
}

/** W_E W_Q W_Kᵀ W_Eᵀ (V × V) through its d_head × d_head factor W_Kᵀ W_Eᵀ W_E W_Q. */
export function qkCircuit(embed: Matrix, w: HeadWeights): EigenSummary {
  return eigenSummary(multiply(transpose(w.W_K), multiply(transpose(embed), multiply(embed, w.W_Q))));
}

export function eigenSummary(m: Matrix): EigenSummary {
  const values = eigenvalues(m).sort((a, b) => Math.hypot(...b) - Math.hypot(...a));
  let trace = 0;
  for (let i = 0; i < m.rows; i++) trace += m.data[i * m.cols + i]!;
  const absSum = values.reduce((s, v) => s + Math.hypot(...v), 0);
  return { eigenvalues: values, trace, absSum, copying: absSum === 0 ? 0 : trace / absSum };
}

/** A d × d map U V held as its factors (U d × d_head, V d_head × d). */
interface Factored {
  readonly U: Matrix;
  readonly V: Matrix;
}

const ovOf = (w: HeadWeights): Factored => ({ U: w.W_V, V: w.W_O });
const qkOf = (w: HeadWeights): Factored => ({ U: w.W_Q, V: transpose(w.W_K) });
const qkTransposedOf = (w: HeadWeights): Factored => ({ U: w.W_K, V: transpose(w.W_Q) });

/** TransformerLens: Q uses W_OV^A W_QK^B, K uses W_OV^A W_QK^Bᵀ, V uses W_OV^A W_OV^B. */
export function compositionScores(a: HeadWeights, b: HeadWeights): { q: number; k: number; v: number } {
  const score = (x: Factored, y: Factored) => Math.sqrt(productNormSquared(x, y) / (normSquared(x) * normSquared(y)));
  return { q: score(ovOf(a), qkOf(b)), k: score(ovOf(a), qkTransposedOf(b)), v: score(ovOf(a), ovOf(b)) };
}

/** ‖U V‖²_F = tr((UᵀU)(V Vᵀ)). */
function normSquared(x: Factored): number {
  return traceOfProduct(gram(x.U), multiplyTransposed(x.V, x.V));
}

/** ‖U₁ V₁ U₂ V₂‖²_F = tr((U₁ᵀU₁) M (V₂V₂ᵀ) Mᵀ) with M = V₁ U₂. */
function productNormSquared(x: Factored, y: Factored): number {
  const m = multiply(x.V, y.U);
  return traceOfProduct(multiply(gram(x.U), m), multiplyTransposed(multiplyTransposed(y.V, y.V), m));
}

/** Uᵀ U. */
const gram = (u: Matrix): Matrix => multiply(transpose(u), u);

/** tr(A B) for A r × c and B c × r. */
function traceOfProduct(a: Matrix, b: Matrix): number {
  let t = 0;
  for (let i = 0; i < a.rows; i++)
    for (let k = 0; k < a.cols; k++) t += a.data[i * a.cols + k]! * b.data[k * b.cols + i]!;
  return t;
}
