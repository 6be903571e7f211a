// Bilinear pair terms evaluated many at a time. A two-layer model has tens of thousands of pair
// terms, and one small tfjs op per term costs far more in dispatch than in arithmetic; here every
// pair term of a (layer, symmetrized) group goes through one batched product over the group's
// distinct inputs, and each term's own value (or its coefficient, for a sum) is read off by index.
import * as tf from '@tensorflow/tfjs-core';
import type { Term } from '../model/expand.js';
import type { Path } from '../paths/path.js';

/** What the batches need from the evaluator: memoized projections, and its work counter. */
export interface Projections {
  projection(path: Path, layer: number, side: 'in' | 'gate'): tf.Tensor2D;
  countMultiplyAdds(count: number): void;
}

/**
 * Σ over the pair terms of `terms` of their hidden activations, per layer (n × m), as the
 * bilinear form of their coefficients: with C[i,j] the coefficient the terms give the ordered
 * pair (p_i, p_j) (half of a symmetrized pair's to each order), `H = Σ_ij C[i,j] (W_in p_i) ⊙
 * (W_gate p_j)`. C is built from the term list alone, so a missing, doubled or mis-weighted term
 * changes H; one [P,P] × [P, n·m] product replaces P² small ones.
 */
export function pairHiddenSums(source: Projections, terms: readonly Term[]): Map<number, tf.Tensor2D> {
  const sums = new Map<number, tf.Tensor2D>();
  for (const group of pairGroups(terms)) {
    const inputs = distinctInputs(group.indices.map(i => terms[i]!.path as BilinearPath));
    const index = new Map(inputs.map((p, i) => [p, i]));
    const P = inputs.length;
    const C = new Float32Array(P * P);
    for (const termIndex of group.indices) {
      const { path, coefficient } = terms[termIndex]!;
      const { left, right } = path as BilinearPath;
      const [i, j] = [index.get(left)!, index.get(right)!];
      const c = coefficient.valueOf();
      if (group.symmetrized) {
        C[i * P + j]! += c / 2;
        C[j * P + i]! += c / 2;
      } else C[i * P + j]! += c;
    }
    const h = tf.tidy(() => {
      const L = tf.stack(inputs.map(p => source.projection(p, group.layer, 'in'))) as tf.Tensor3D;
      const R = tf.stack(inputs.map(p => source.projection(p, group.layer, 'gate'))) as tf.Tensor3D;
      const [, n, m] = L.shape;
      source.countMultiplyAdds(P * P * n * m + P * n * m);
      // (Cᵀ L)_j = Σ_i C[i,j] L_i, then Σ_j R_j ⊙ (Cᵀ L)_j
      const mixed = tf.reshape(tf.matMul(tf.tensor2d(C, [P, P]), tf.reshape(L, [P, n * m]), true, false), [P, n, m]);
      return tf.sum(tf.mul(R, mixed), 0) as tf.Tensor2D;
    });
    const previous = sums.get(group.layer);
    sums.set(group.layer, previous ? tf.tidy(() => tf.add(previous, h) as tf.Tensor2D) : h);
    if (previous) tf.dispose([previous, h]);
  }
  return sums;
}

/**
 * Readout-first contributions of every pair term of `terms` (docs/design.md §1, bilinear row read out
 * along u): for the inputs P of a group, `C[t, i, j] = Σ_k u[t,k] (W_in p_i)[t,k] (W_gate p_j)[t,k]`
 * is one entry per ordered pair, all of them from one batched product [n, P, m] × [n, m, P]; a
 * symmetrized pair reads the mean of its two orders. `direction(layer)` is u, n × m.
 */
export function pairContributions(
  source: Projections,
  terms: readonly Term[],
  direction: (layer: number) => tf.Tensor2D,
  consume: (termIndex: number, perPosition: Float64Array) => void,
): void {
  for (const group of pairGroups(terms)) {
    const inputs = distinctInputs(group.indices.map(i => terms[i]!.path as BilinearPath));
    const u = direction(group.layer);
    const [n, m] = u.shape;
    const P = inputs.length;
    // [n, P, m]: positions first, so one batched matMul pairs every input with every other
    const scaledIn = tf.tidy(
      () =>
        tf.transpose(
          tf.mul(tf.stack(inputs.map(p => source.projection(p, group.layer, 'in'))), u),
          [1, 0, 2],
        ) as tf.Tensor3D,
    );
    const gate = tf.tidy(
      () =>
        tf.transpose(tf.stack(inputs.map(p => source.projection(p, group.layer, 'gate'))), [1, 0, 2]) as tf.Tensor3D,
    );
    const all = tf.tidy(() => tf.matMul(scaledIn, gate, false, true));
    source.countMultiplyAdds(n * P * m + n * P * P * m);
    const C = all.dataSync();
    tf.dispose([scaledIn, gate, all]);
    const index = new Map(inputs.map((p, i) => [p, i]));
    for (const termIndex of group.indices) {
      const { path, coefficient } = terms[termIndex]!;
      const { left, right } = path as BilinearPath;
      const [i, j] = [index.get(left)!, index.get(right)!];
      const c = coefficient.valueOf();
      const values = new Float64Array(n);
      for (let t = 0; t < n; t++) {
        const ij = C[t * P * P + i * P + j]!;
        values[t] = c * (group.symmetrized ? (ij + C[t * P * P + j * P + i]!) / 2 : ij);
      }
      consume(termIndex, values);
    }
  }
}

/** Host floats per block of pair logits (n · b · V · P), so memory stays bounded. */
const BLOCK_ELEMENTS = 1 << 22;

/**
 * Every pair term's full logits, n × V each. For a block of inputs p_i as left arguments and
 * every input p_j as right one, `C[t, (i,v), j] = Σ_k (W_in p_i)[t,k] M[k,v] (W_gate p_j)[t,k]` is
 * one batched product [n, b·V, m] × [n, m, P], where M = `readout(layer)` is the m × V map after
 * the hidden layer (W_out, the final norm's gain and centring, W_U); a symmetrized pair also
 * needs its other order, D = the same with the sides swapped. Each term's values are read off
 * by index and scaled by its coefficient and the final norm's frozen per-position scale.
 */
export function pairLogits(
  source: Projections,
  terms: readonly Term[],
  readout: (layer: number) => tf.Tensor2D,
  positionScale: tf.Tensor1D | undefined,
  consume: (termIndex: number, values: Float32Array) => void,
): void {
  const scale = positionScale?.dataSync();
  for (const group of pairGroups(terms)) {
    const inputs = distinctInputs(group.indices.map(i => terms[i]!.path as BilinearPath));
    const index = new Map(inputs.map((p, i) => [p, i]));
    const byLeft = new Map<number, number[]>();
    for (const t of group.indices) {
      const i = index.get((terms[t]!.path as BilinearPath).left)!;
      if (!byLeft.has(i)) byLeft.set(i, []);
      byLeft.get(i)!.push(t);
    }
    const P = inputs.length;
    const positionsFirst = (side: 'in' | 'gate') =>
      tf.tidy(
        () =>
          tf.transpose(tf.stack(inputs.map(p => source.projection(p, group.layer, side))), [1, 0, 2]) as tf.Tensor3D,
      );
    const [L, R] = [positionsFirst('in'), positionsFirst('gate')];
    const [n, , m] = L.shape;
    // per position, the other side as m × P columns (tfjs-wasm's 2-D matMul is ~4× its batched one)
    const columnsOf = (x: tf.Tensor3D) => tf.tidy(() => tf.unstack(tf.transpose(x, [0, 2, 1])) as tf.Tensor2D[]);
    const Rcolumns = columnsOf(R);
    const Lcolumns = group.symmetrized ? columnsOf(L) : [];
    const M = readout(group.layer);
    const V = M.shape[1];
    const block = Math.max(1, Math.floor(BLOCK_ELEMENTS / (n * V * P)));
    // [n, b·V, P] on the host: rows (i, v) of a block of inputs, scaled by M, against every input
    const mixed = (rows: tf.Tensor3D, columns: readonly tf.Tensor2D[], b0: number, b: number): Float32Array => {
      const out = new Float32Array(n * b * V * P);
      const scaled = tf.tidy(() => {
        const r = tf.reshape(tf.slice(rows, [0, b0, 0], [n, b, m]), [n, b, 1, m]);
        return tf.unstack(
          tf.reshape(tf.mul(r, tf.reshape(tf.transpose(M), [1, 1, V, m])), [n, b * V, m]),
        ) as tf.Tensor2D[];
      });
      scaled.forEach((x, t) => {
        const product = tf.matMul(x, columns[t]!);
        out.set(product.dataSync(), t * b * V * P);
        tf.dispose([product, x]);
      });
      return out;
    };
    for (let b0 = 0; b0 < P; b0 += block) {
      const b = Math.min(block, P - b0);
      const C = mixed(L, Rcolumns, b0, b);
      // a symmetrized pair's other order: gate side as rows, in side as columns
      const D = group.symmetrized ? mixed(R, Lcolumns, b0, b) : undefined;
      source.countMultiplyAdds(n * b * V * m * (P + 1) * (D ? 2 : 1));
      const at = (t: number, i: number, v: number, j: number) => t * b * V * P + ((i - b0) * V + v) * P + j;
      for (let i = b0; i < b0 + b; i++) {
        for (const termIndex of byLeft.get(i) ?? []) {
          const { path, coefficient } = terms[termIndex]!;
          const j = index.get((path as BilinearPath).right)!;
          const c = coefficient.valueOf();
          const values = new Float32Array(n * V);
          for (let t = 0; t < n; t++) {
            const s = c * (scale ? scale[t]! : 1);
            for (let v = 0; v < V; v++)
              values[t * V + v] = s * (D ? (C[at(t, i, v, j)]! + D[at(t, i, v, j)]!) / 2 : C[at(t, i, v, j)]!);
          }
          consume(termIndex, values);
        }
      }
    }
    tf.dispose([L, R, ...Lcolumns, ...Rcolumns]);
  }
}

type BilinearPath = Extract<Path, { kind: 'bilinear' }>;

function pairGroups(terms: readonly Term[]): { layer: number; symmetrized: boolean; indices: number[] }[] {
  const groups = new Map<string, { layer: number; symmetrized: boolean; indices: number[] }>();
  terms.forEach(({ path }, i) => {
    if (path.kind !== 'bilinear') return;
    const key = `${path.layer}:${path.symmetrized}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { layer: path.layer, symmetrized: path.symmetrized, indices: [] }));
    g.indices.push(i);
  });
  return [...groups.values()];
}

function distinctInputs(paths: readonly BilinearPath[]): Path[] {
  const seen = new Set<Path>();
  for (const p of paths) {
    seen.add(p.left);
    seen.add(p.right);
  }
  return [...seen];
}
