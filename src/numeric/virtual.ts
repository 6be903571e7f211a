// Weight mode: each path term as a virtual weight table computed from the weights alone, and the
// law that ties it to activation mode (docs/design.md §1 normal form `c · (K ⊗ T)`).
//
// The table T of a path has one axis per input leaf, left to right: a `token` axis (size V) for
// each embedding leaf and a `position` axis (size context) for each positional-embedding leaf;
// bias leaves are constants and have no axis. Its first axis is the logit (size V), e.g.
// `W_U W_OV^{l,h} W_E`, i.e. table[b, a] = (W_E[a] · W_V W_O · W_U)[b] in row convention; with a
// `logit` c that axis is dropped (`u_c^T W_U B_sym(W_E, W_E)` is V × V). Degree-0 terms are a
// vector over the logits (or a scalar for one logit).
//
// Norms are included: T carries each frozen norm's gain and, for LayerNorm, its centring, and a
// norm's bias is its own degree-0 leaf. The per-position scale 1/rms (1/σ) is not a weight, so it
// is folded into the position kernel K together with the attention patterns: on norm-free models
// K is the patterns alone and the table is exactly the model's weight-space circuit; with norms
// the table is that circuit up to the per-position scales, which come from the forward pass.
//
// API (all one-line UserErrors on a path, logit or input the model does not have):
//   virtualTable(arch, weights, path, { logit? }) → VirtualTable      one table, tensors released
//   new VirtualWeights(arch, weights).table(path, { logit? })          many tables, shared sub-paths; dispose()
//   contractWithInputs(arch, table, tokens, frozen, coefficient?)     → { logits, mass }, n × (V or 1)
// The law: contractWithInputs(…, term.coefficient) equals PathEvaluator.logits(term) (its column
// `logit` with one logit); `mass` (Σ over the kernel of |c K T|) bounds its float32 rounding.
// Sizes: a table holds V · Π(input sizes) floats (V³ for a pair of embeddings: pass a logit
// for a large vocabulary); contracting it costs n^(k+1) per logit for k input axes.
import * as tf from '@tensorflow/tfjs-core';
import { match } from 'ts-pattern';
import { UserError } from '../errors.js';
import type { Architecture } from '../language/architecture.js';
import { site } from '../language/site.js';
import type { Norm } from '../model/blocks/norm.js';
import { ONE, type Path, pathToJSON } from '../paths/path.js';
import type { SequenceFrozen } from './forward.js';
import { B_U, entersBehind, normAt, W_E, W_POS, W_U, WeightView } from './weight-view.js';
import type { Weights } from './weights.js';

export type InputAxis = 'token' | 'position';

export interface VirtualTable {
  readonly path: Path;
  /** The one logit read out, or undefined for all V. */
  readonly logit: number | undefined;
  /** [V (absent with a logit), one size per input]. */
  readonly shape: readonly number[];
  /** What indexes each input axis. */
  readonly inputs: readonly InputAxis[];
  /** Row-major. */
  readonly values: Float32Array;
}

export interface Contraction {
  /** n × (V, or 1 with a logit), row-major. */
  readonly logits: Float64Array;
  /** Σ over the kernel of |c K[t,S] T[o, inputs(S)]|: the scale of the float32 rounding. */
  readonly mass: Float64Array;
}

/** A residual-space table in row convention, Π(input sizes) × d, with its input axes. */
interface Feature {
  readonly matrix: tf.Tensor2D;
  readonly inputs: readonly InputAxis[];
}

const describePath = (path: Path) => JSON.stringify(pathToJSON(path));

/** Builds a feature in a tidy scope and keeps only its matrix (tidy cannot return the input list). */
function kept(make: () => Feature): Feature {
  let inputs: readonly InputAxis[] = [];
  const matrix = tf.tidy(() => {
    const f = make();
    inputs = f.inputs;
    return f.matrix;
  });
  return { matrix: tf.keep(matrix), inputs };
}

export function virtualTable(
  arch: Architecture,
  weights: Weights,
  path: Path,
  options: { logit?: number } = {},
): VirtualTable {
  const tables = new VirtualWeights(arch, weights);
  try {
    return tables.table(path, options);
  } finally {
    tables.dispose();
  }
}

export class VirtualWeights {
  private readonly view: WeightView;
  private readonly features = new Map<Path, Feature>();
  private readonly projections = new Map<string, Feature>();

  constructor(
    private readonly arch: Architecture,
    weights: Weights,
  ) {
    this.view = new WeightView(arch, weights);
  }

  /** The logit table of a final term's path. */
  table(path: Path, options: { logit?: number } = {}): VirtualTable {
    const { logit } = options;
    if (logit !== undefined && !(Number.isInteger(logit) && logit >= 0 && logit < this.arch.vocab)) {
      throw new UserError(`logit ${logit} is not a token of the vocabulary 0..${this.arch.vocab - 1}`);
    }
    // [V or 1, Π(input sizes)]
    const { matrix, inputs } = kept(() => {
      const unembed = this.view.tensor(W_U) as tf.Tensor2D;
      if (path.kind === 'bias' && path.site === B_U) {
        const b_U = tf.reshape(this.view.tensor(B_U), [-1, 1]) as tf.Tensor2D;
        return { matrix: logit === undefined ? b_U : tf.slice(b_U, [logit, 0], [1, 1]), inputs: [] };
      }
      const f = this.normed(path, this.view.norm('final', null));
      const read = logit === undefined ? unembed : (tf.slice(unembed, [0, logit], [-1, 1]) as tf.Tensor2D);
      return { matrix: tf.matMul(read, f.matrix, true, true), inputs: f.inputs };
    });
    const values = matrix.dataSync() as Float32Array;
    matrix.dispose();
    const sizes = inputs.map(i => (i === 'token' ? this.arch.vocab : this.arch.context));
    return { path, logit, shape: logit === undefined ? [this.arch.vocab, ...sizes] : sizes, inputs, values };
  }

  dispose(): void {
    for (const cache of [this.features, this.projections]) {
      for (const f of cache.values()) f.matrix.dispose();
      cache.clear();
    }
    this.view.dispose();
  }

  /** A path's residual-stream table, Π(input sizes) × d. */
  private feature(path: Path): Feature {
    let f = this.features.get(path);
    if (!f) {
      f = kept(() => this.computeFeature(path));
      this.features.set(path, f);
    }
    return f;
  }

  private computeFeature(path: Path): Feature {
    return match(path)
      .returnType<Feature>()
      .with({ kind: 'embed' }, () => ({ matrix: tf.clone(this.view.tensor(W_E)) as tf.Tensor2D, inputs: ['token'] }))
      .with({ kind: 'pos' }, () => {
        if (!this.arch.positional)
          throw new UserError(
            `model '${this.arch.name}' has no positional embedding, so it has no path {"kind":"pos"}`,
          );
        return { matrix: tf.clone(this.view.tensor(W_POS)) as tf.Tensor2D, inputs: ['position'] };
      })
      .with({ kind: 'bias' }, p => ({ matrix: tf.reshape(this.view.bias(p.site), [1, -1]) as tf.Tensor2D, inputs: [] }))
      .with({ kind: 'head' }, p => {
        const attn = this.arch.layers[p.layer]?.attention;
        if (!attn || p.head >= attn.heads)
          throw new UserError(
            `model '${this.arch.name}' has no head ${p.layer}.${p.head} for path ${describePath(path)}`,
          );
        const x = this.normed(p.of, this.view.norm('ln1', p.layer));
        return { matrix: tf.matMul(x.matrix, this.view.ov(p.layer, p.head)), inputs: x.inputs };
      })
      .with({ kind: 'bilinear' }, p => {
        if (!this.arch.layers[p.layer]?.bilinear)
          throw new UserError(
            `model '${this.arch.name}' has no bilinear block in layer ${p.layer} for path ${describePath(path)}`,
          );
        const hidden = this.hidden(p.layer, p.left, p.right, p.symmetrized);
        const W_out = this.view.tensor(site('mlp', p.layer, 'W_out')) as tf.Tensor2D;
        return { matrix: tf.matMul(hidden.matrix, W_out), inputs: hidden.inputs };
      })
      .exhaustive();
  }

  /** A path behind a frozen norm, less its scale (that is in the kernel); the norm's own bias passes as is. */
  private normed(path: Path, norm: Norm | undefined): Feature {
    const f = this.feature(path);
    if (entersBehind(norm, path)) return f;
    return { matrix: this.view.normed(norm, f.matrix), inputs: f.inputs };
  }

  /** W_in or W_gate applied to an input path, Π(input sizes) × m; b_in / b_gate for the homogeneous coordinate. */
  private projection(path: Path, layer: number, side: 'in' | 'gate'): Feature {
    const key = `${side}.${layer}:${describePath(path)}`;
    let f = this.projections.get(key);
    if (!f) {
      f = kept(() => {
        if (path.kind === 'bias' && path.site === ONE)
          return { matrix: tf.reshape(this.view.tensor(site('mlp', layer, `b_${side}`)), [1, -1]), inputs: [] };
        const x = this.normed(path, this.view.norm('ln2', layer));
        const W = this.view.tensor(site('mlp', layer, `W_${side}`)) as tf.Tensor2D;
        return { matrix: tf.matMul(x.matrix, W), inputs: x.inputs };
      });
      this.projections.set(key, f);
    }
    return f;
  }

  /**
   * docs/design.md §1 bilinear row: H[S₁, S₂, k] = (W_in T₁)[S₁, k] (W_gate T₂)[S₂, k], averaged with the
   * swapped order when symmetrized.
   */
  private hidden(layer: number, left: Path, right: Path, symmetrized: boolean): Feature {
    const outer = (a: tf.Tensor2D, b: tf.Tensor2D) => tf.mul(tf.expandDims(a, 1), tf.expandDims(b, 0)) as tf.Tensor3D;
    const [inL, gateR] = [this.projection(left, layer, 'in'), this.projection(right, layer, 'gate')];
    let h = outer(inL.matrix, gateR.matrix);
    if (symmetrized) {
      const swapped = outer(this.projection(right, layer, 'in').matrix, this.projection(left, layer, 'gate').matrix);
      h = tf.mul(tf.add(h, tf.transpose(swapped, [1, 0, 2])), 0.5) as tf.Tensor3D;
    }
    return { matrix: tf.reshape(h, [-1, h.shape[2]]) as tf.Tensor2D, inputs: [...inL.inputs, ...gateR.inputs] };
  }
}

// ---- the position kernel and the contraction ---------------------------------------------------

/** K[t, S] for S over n^k source positions (one per input axis), row-major. */
interface Kernel {
  readonly axes: number;
  readonly data: Float64Array;
}

interface FrozenArrays {
  readonly patterns: (number[][][] | null)[];
  readonly scales: Map<string, number[]>;
}

const frozenArrays = new WeakMap<SequenceFrozen, FrozenArrays>();
function arraysOf(frozen: SequenceFrozen): FrozenArrays {
  let a = frozenArrays.get(frozen);
  if (!a) {
    a = {
      patterns: frozen.patterns.map(p => p?.arraySync() ?? null),
      scales: new Map([...frozen.scales].map(([site, s]) => [site, s.arraySync()])),
    };
    frozenArrays.set(frozen, a);
  }
  return a;
}

/** The frozen position kernel of a final term's path on a sequence of n tokens (patterns and norm scales). */
function positionKernel(arch: Architecture, path: Path, frozen: FrozenArrays, n: number): Kernel {
  const ones = (): Kernel => ({ axes: 0, data: new Float64Array(n).fill(1) });
  const identity = (): Kernel => ({
    axes: 1,
    data: Float64Array.from({ length: n * n }, (_, i) => (Math.floor(i / n) === i % n ? 1 : 0)),
  });
  const scaled = (k: Kernel, norm: Norm): Kernel => {
    const D = frozen.scales.get(norm.scaleKey);
    if (!D) return k;
    const width = k.data.length / n;
    return { axes: k.axes, data: k.data.map((v, i) => v * D[Math.floor(i / width)]!) };
  };
  const input = (p: Path, norm: Norm | undefined): Kernel =>
    !norm || entersBehind(norm, p) ? kernel(p) : scaled(kernel(p), norm);
  const kernel = (p: Path): Kernel =>
    match(p)
      .returnType<Kernel>()
      .with({ kind: 'embed' }, identity)
      .with({ kind: 'pos' }, identity)
      .with({ kind: 'bias' }, ones)
      .with({ kind: 'head' }, q => {
        const A = frozen.patterns[q.layer]?.[q.head];
        if (!A) throw new UserError(`the frozen quantities have no attention pattern for head ${q.layer}.${q.head}`);
        return mixedProduct(A, input(q.of, normAt(arch, 'ln1', q.layer)), n);
      })
      .with({ kind: 'bilinear' }, q => {
        const norm = normAt(arch, 'ln2', q.layer);
        return faceSplit(input(q.left, norm), input(q.right, norm), n);
      })
      .exhaustive();
  if (path.kind === 'bias' && path.site === B_U) return ones();
  return input(path, normAt(arch, 'final', null));
}

/** docs/design.md §1 head row: (A K)[t, S] = Σ_u A[t, u] K[u, S]. */
function mixedProduct(A: number[][], k: Kernel, n: number): Kernel {
  const width = k.data.length / n;
  const data = new Float64Array(k.data.length);
  for (let t = 0; t < n; t++) {
    for (let u = 0; u < n; u++) {
      const a = A[t]![u]!;
      if (a !== 0) for (let s = 0; s < width; s++) data[t * width + s]! += a * k.data[u * width + s]!;
    }
  }
  return { axes: k.axes, data };
}

/** docs/design.md §1 bilinear row: (K₁ • K₂)[t, S₁, S₂] = K₁[t, S₁] K₂[t, S₂]. */
function faceSplit(k1: Kernel, k2: Kernel, n: number): Kernel {
  const [w1, w2] = [k1.data.length / n, k2.data.length / n];
  const data = new Float64Array(n * w1 * w2);
  for (let t = 0; t < n; t++) {
    for (let i = 0; i < w1; i++) {
      const a = k1.data[t * w1 + i]!;
      if (a !== 0) for (let j = 0; j < w2; j++) data[(t * w1 + i) * w2 + j] = a * k2.data[t * w2 + j]!;
    }
  }
  return { axes: k1.axes + k2.axes, data };
}

/**
 * Weight mode → activation mode: r[t, o] = c Σ_S K[t, S] T[o, inputs(S)], where a token axis
 * reads the token at source position s and a position axis reads s itself. `frozen` comes from
 * forwardOne on the same tokens. Costs n^(k+1) × V for k input axes.
 */
export function contractWithInputs(
  arch: Architecture,
  table: VirtualTable,
  tokens: readonly number[],
  frozen: SequenceFrozen,
  coefficient = 1,
): Contraction {
  const n = tokens.length;
  if (n < 1 || n > arch.context)
    throw new UserError(`a sequence of ${n} tokens does not fit the context of ${arch.context}`);
  const bad = tokens.find(a => !(Number.isInteger(a) && a >= 0 && a < arch.vocab));
  if (bad !== undefined) throw new UserError(`token ${bad} is not in the vocabulary 0..${arch.vocab - 1}`);
  const arrays = arraysOf(frozen);
  const frozenLength = arrays.patterns.find(p => p)?.[0]?.length ?? [...arrays.scales.values()][0]?.length ?? n;
  if (frozenLength !== n)
    throw new UserError(`the frozen patterns and scales are for ${frozenLength} tokens, not ${n}`);
  const K = positionKernel(arch, table.path, arrays, n);
  if (K.axes !== table.inputs.length)
    throw new Error(`kernel with ${K.axes} axes for a table with ${table.inputs.length}`);
  const out = table.logit === undefined ? arch.vocab : 1;
  const sizes = table.shape.slice(table.logit === undefined ? 1 : 0);
  const strides = sizes.map((_, i) => sizes.slice(i + 1).reduce((p, s) => p * s, 1));
  const R = sizes.reduce((p, s) => p * s, 1);
  const width = n ** K.axes;
  const logits = new Float64Array(n * out);
  const mass = new Float64Array(n * out);
  for (let t = 0; t < n; t++) {
    for (let S = 0; S < width; S++) {
      const k = coefficient * K.data[t * width + S]!;
      if (k === 0) continue;
      let offset = 0;
      for (let axis = K.axes - 1, rest = S; axis >= 0; axis--, rest = Math.floor(rest / n)) {
        const s = rest % n;
        offset += (table.inputs[axis] === 'token' ? tokens[s]! : s) * strides[axis]!;
      }
      for (let o = 0; o < out; o++) {
        const v = k * table.values[o * R + offset]!;
        logits[t * out + o]! += v;
        mass[t * out + o]! += Math.abs(v);
      }
    }
  }
  return { logits, mass };
}
