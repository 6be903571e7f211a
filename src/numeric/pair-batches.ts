// Bilinear pair terms evaluated many at a time. A two-layer model has tens of thousands of pair
// terms, and one small tfjs op per term costs more in dispatch than in arithmetic; here each pair's
// hidden activation `(W_in p) ⊙ (W_gate q)` is still computed on its own, from its own inputs'
// projections, but a chunk of pairs shares each op: gather the projections, multiply, then
// reduce as the caller asks. Nothing is summed before it is computed per pair.
import * as tf from '@tensorflow/tfjs-core';
import type { Term } from '../expand/expand.js';
import type { Path } from '../expand/path.js';

/** What the batches need from the evaluator: memoized projections, and its work counter. */
export interface Projections {
  projection(path: Path, layer: number, side: 'in' | 'gate'): tf.Tensor2D;
  countMultiplyAdds(count: number): void;
}

export interface PairChunk {
  /** Indices, into the caller's term list, of this chunk's terms. */
  readonly indices: readonly number[];
  /** [k, n, m]: each pair's hidden activation (a symmetrized pair averages both orders). */
  readonly hidden: tf.Tensor3D;
  /** [k]: the terms' coefficients. */
  readonly coefficients: tf.Tensor1D;
}

const CHUNK_ELEMENTS = 1 << 22;

/** Groups the bilinear terms of `terms` by (layer, symmetrized) and hands their chunks to `consume`, which must not keep them. */
export function forEachPairChunk(source: Projections, terms: readonly Term[], consume: (layer: number, chunk: PairChunk) => void): void {
  for (const group of pairGroups(terms)) {
    const inputs = distinctInputs(group.indices.map(i => terms[i]!.path as BilinearPath));
    const stacked = tf.tidy(() => ({
      in: tf.keep(tf.stack(inputs.map(p => source.projection(p, group.layer, 'in'))) as tf.Tensor3D),
      gate: tf.keep(tf.stack(inputs.map(p => source.projection(p, group.layer, 'gate'))) as tf.Tensor3D),
    }));
    const [, n, m] = stacked.in.shape;
    const size = Math.max(1, Math.floor(CHUNK_ELEMENTS / (n * m)));
    const index = new Map(inputs.map((p, i) => [p, i]));
    for (let start = 0; start < group.indices.length; start += size) {
      const indices = group.indices.slice(start, start + size);
      const paths = indices.map(i => terms[i]!.path as BilinearPath);
      const left = tf.tensor1d(paths.map(p => index.get(p.left)!), 'int32');
      const right = tf.tensor1d(paths.map(p => index.get(p.right)!), 'int32');
      const hidden = tf.tidy(() => {
        const forwardOrder = tf.mul(tf.gather(stacked.in, left), tf.gather(stacked.gate, right));
        if (!group.symmetrized) return forwardOrder as tf.Tensor3D;
        const backward = tf.mul(tf.gather(stacked.in, right), tf.gather(stacked.gate, left));
        return tf.mul(tf.add(forwardOrder, backward), 0.5) as tf.Tensor3D;
      });
      source.countMultiplyAdds(indices.length * n * m * (group.symmetrized ? 2 : 1));
      const coefficients = tf.tensor1d(indices.map(i => terms[i]!.coefficient.valueOf()));
      consume(group.layer, { indices, hidden, coefficients });
      tf.dispose([left, right, hidden, coefficients]);
    }
    tf.dispose([stacked.in, stacked.gate]);
  }
}

/**
 * Readout-first contributions of every pair term of `terms` (DESIGN §1, bilinear row read out
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
    const scaledIn = tf.tidy(() => tf.transpose(tf.mul(tf.stack(inputs.map(p => source.projection(p, group.layer, 'in'))), u), [1, 0, 2]) as tf.Tensor3D);
    const gate = tf.tidy(() => tf.transpose(tf.stack(inputs.map(p => source.projection(p, group.layer, 'gate'))), [1, 0, 2]) as tf.Tensor3D);
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
