// Bilinear pair terms evaluated many at a time. A two-layer model has tens of thousands of pair
// terms, and one small tfjs op per term costs far more in dispatch than in arithmetic; here every
// pair term of a (layer, symmetrized) group goes through one batched product over the group's
// distinct inputs, and each term's own value (or its coefficient, for a sum) is read off by index.
// The three contractions share one core: the grouping, and the symmetrization of a term into the
// ordered pairs it stands for.
import * as tf from '@tensorflow/tfjs-core';
import type { Path } from '../paths/path.js';
import type { Term } from '../paths/term.js';

/** What the batches need from the evaluator: memoized projections, and its work counter. */
export interface Projections {
  projection(path: Path, layer: number, side: 'in' | 'gate'): tf.Tensor2D;
  countMultiplyAdds(count: number): void;
}

/**
 * Σ over the pair terms of `terms` of their hidden activations, per layer (n × m), as the
 * bilinear form of their coefficients: with C[i,j] the weight the terms give the ordered pair
 * (p_i, p_j), `H = Σ_ij C[i,j] (W_in p_i) ⊙ (W_gate p_j)`. C is built from the term list alone, so a
 * missing, doubled or mis-weighted term changes H; one [P,P] × [P, n·m] product replaces P² small ones.
 */
export function pairHiddenSums(source: Projections, terms: readonly Term[]): Map<number, tf.Tensor2D> {
  const sums = new Map<number, tf.Tensor2D>();
  for (const group of pairGroups(terms)) {
    const P = group.inputs.length;
    const C = new Float32Array(P * P);
    for (const term of group.terms) {
      for (const order of term.orders) {
        const [i, j] = ordered(term, order);
        C[i * P + j]! += order.weight;
      }
    }
    const h = tf.tidy(() => {
      const [L, R] = [stacked(source, group, 'in'), stacked(source, group, 'gate')];
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
 * Every pair term of `terms` read along a direction first (docs/design.md §1, bilinear row read out
 * along u): for the inputs P of a group, `C[t, i, j] = Σ_k u[t,k] (W_in p_i)[t,k] (W_gate p_j)[t,k]`
 * is one entry per ordered pair, all of them from one batched product [n, P, m] × [n, m, P].
 * `direction(layer)` is u, n × m.
 */
export function pairContributions(
  source: Projections,
  terms: readonly Term[],
  direction: (layer: number) => tf.Tensor2D,
  consume: (termIndex: number, perPosition: Float64Array) => void,
): void {
  for (const group of pairGroups(terms)) {
    const u = direction(group.layer);
    const [n, m] = u.shape;
    const P = group.inputs.length;
    const C = tf.tidy(() => {
      // positions first, so one batched matMul pairs every input with every other
      const scaledIn = tf.mul(stacked(source, group, 'in', true), tf.expandDims(u, 1)) as tf.Tensor3D;
      return tf.matMul(scaledIn, stacked(source, group, 'gate', true), false, true);
    });
    source.countMultiplyAdds(n * P * m + n * P * P * m);
    const values = C.dataSync();
    C.dispose();
    for (const term of group.terms) {
      const perPosition = new Float64Array(n);
      for (const order of term.orders) {
        const [i, j] = ordered(term, order);
        // Stryker disable next-line EqualityOperator: a write past a typed array's end is dropped
        for (let t = 0; t < n; t++) perPosition[t]! += order.weight * values[t * P * P + i * P + j]!;
      }
      consume(term.termIndex, perPosition);
    }
  }
}

/** Host floats per block of pair logits (n · b · V · P), so memory stays bounded. */
const BLOCK_ELEMENTS = 1 << 22;

/** Inputs per block of pair logits: the most whose n · b · V · P floats fit in `elements`, and at least one. */
export function pairBlockSize(n: number, V: number, P: number, elements = BLOCK_ELEMENTS): number {
  return Math.max(1, Math.floor(elements / (n * V * P)));
}

/**
 * Every pair term's full logits, n × V each. For a block of inputs p_i as left arguments and
 * every input p_j as right one, `C[t, (i,v), j] = Σ_k (W_in p_i)[t,k] M[k,v] (W_gate p_j)[t,k]` is
 * one batched product [n, b·V, m] × [n, m, P], where M = `afterHidden(layer)` is the m × V map after
 * the hidden layer (W_out, the final norm's gain and centring, W_U); a symmetrized pair also
 * needs its other order, D = the same with the sides swapped. Each term's values are read off
 * by index and scaled by its coefficient and the final norm's frozen per-position scale. A block
 * holds at most `blockElements` host floats (pairBlockSize); the values do not depend on it.
 */
export function pairLogits(
  source: Projections,
  terms: readonly Term[],
  afterHidden: (layer: number) => tf.Tensor2D,
  positionScale: tf.Tensor1D | undefined,
  consume: (termIndex: number, values: Float32Array) => void,
  blockElements = BLOCK_ELEMENTS,
): void {
  const scale = positionScale?.dataSync();
  for (const group of pairGroups(terms)) {
    const byLeft = new Map<number, PairTerm[]>();
    for (const term of group.terms) {
      if (!byLeft.has(term.left)) byLeft.set(term.left, []);
      byLeft.get(term.left)!.push(term);
    }
    const P = group.inputs.length;
    const [L, R] = [stacked(source, group, 'in', true), stacked(source, group, 'gate', true)];
    const [n, , m] = L.shape;
    // per position, the other side as m × P columns (tfjs-wasm's 2-D matMul is ~4× its batched one)
    const columnsOf = (x: tf.Tensor3D) => tf.tidy(() => tf.unstack(tf.transpose(x, [0, 2, 1])) as tf.Tensor2D[]);
    const Rcolumns = columnsOf(R);
    const Lcolumns = group.symmetrized ? columnsOf(L) : [];
    const M = afterHidden(group.layer);
    const V = M.shape[1];
    const block = pairBlockSize(n, V, P, blockElements);
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
    // Stryker disable next-line EqualityOperator: a block starting at P is empty and consumes nothing
    for (let b0 = 0; b0 < P; b0 += block) {
      const b = Math.min(block, P - b0);
      const C = mixed(L, Rcolumns, b0, b);
      // the swapped order: gate side as rows, in side as columns, so (p_j, p_i) is read at (i, j) too
      const D = group.symmetrized ? mixed(R, Lcolumns, b0, b) : undefined;
      source.countMultiplyAdds(n * b * V * m * (P + 1) * (D ? 2 : 1));
      const at = (t: number, i: number, v: number, j: number) => t * b * V * P + ((i - b0) * V + v) * P + j;
      for (let i = b0; i < b0 + b; i++) {
        for (const term of byLeft.get(i) ?? []) {
          const j = term.right;
          const values = new Float32Array(n * V);
          // Stryker disable next-line EqualityOperator: a write past the row is overwritten by the next one, or dropped
          for (let t = 0; t < n; t++) {
            const s = scale ? scale[t]! : 1;
            // Stryker disable next-line EqualityOperator: as above
            for (let v = 0; v < V; v++) {
              let sum = 0;
              for (const order of term.orders) sum += order.weight * (order.swapped ? D! : C)[at(t, i, v, j)]!;
              values[t * V + v] = s * sum;
            }
          }
          consume(term.termIndex, values);
        }
      }
    }
    tf.dispose([L, R, ...Lcolumns, ...Rcolumns]);
  }
}

// ---- the core: grouping and symmetrization -------------------------------------------------------

/** One ordered pair a term stands for, with its share of the term's coefficient. */
interface Order {
  /** (right, left) rather than (left, right). */
  readonly swapped: boolean;
  readonly weight: number;
}

interface PairTerm {
  readonly termIndex: number;
  /** The indices of its inputs among the group's. */
  readonly left: number;
  readonly right: number;
  readonly orders: readonly Order[];
}

interface PairGroup {
  readonly layer: number;
  readonly symmetrized: boolean;
  /** The distinct inputs of the group's terms, either side. */
  readonly inputs: readonly Path[];
  readonly terms: readonly PairTerm[];
}

/** docs/design.md §1: B_sym(p, q) = (B(p, q) + B(q, p)) / 2, so a symmetrized term is half of each order. */
function ordersOf(coefficient: number, symmetrized: boolean): Order[] {
  if (!symmetrized) return [{ swapped: false, weight: coefficient }];
  return [
    { swapped: false, weight: coefficient / 2 },
    { swapped: true, weight: coefficient / 2 },
  ];
}

/** An order's (in side, gate side) input indices. */
const ordered = (term: PairTerm, order: Order): [number, number] =>
  order.swapped ? [term.right, term.left] : [term.left, term.right];

/** The pair terms of `terms` by (layer, symmetrized), each group with its distinct inputs. */
function pairGroups(terms: readonly Term[]): PairGroup[] {
  const byKey = new Map<string, { layer: number; symmetrized: boolean; indices: number[] }>();
  terms.forEach(({ path }, i) => {
    if (path.kind !== 'bilinear') return;
    const key = `${path.layer}:${path.symmetrized}`;
    let g = byKey.get(key);
    if (!g) byKey.set(key, (g = { layer: path.layer, symmetrized: path.symmetrized, indices: [] }));
    g.indices.push(i);
  });
  return [...byKey.values()].map(({ layer, symmetrized, indices }) => {
    const paths = indices.map(i => terms[i]!.path as BilinearPath);
    const inputs = [...new Set(paths.flatMap(p => [p.left, p.right]))];
    const index = new Map(inputs.map((p, i) => [p, i]));
    const pairTerms = indices.map((termIndex, k) => ({
      termIndex,
      left: index.get(paths[k]!.left)!,
      right: index.get(paths[k]!.right)!,
      orders: ordersOf(terms[termIndex]!.coefficient.valueOf(), symmetrized),
    }));
    return { layer, symmetrized, inputs, terms: pairTerms };
  });
}

/** The group's inputs through W_in or W_gate, stacked [P, n, m], or positions first [n, P, m]. */
function stacked(source: Projections, group: PairGroup, side: 'in' | 'gate', positionsFirst = false): tf.Tensor3D {
  return tf.tidy(() => {
    const all = tf.stack(group.inputs.map(p => source.projection(p, group.layer, side))) as tf.Tensor3D;
    return positionsFirst ? (tf.transpose(all, [1, 0, 2]) as tf.Tensor3D) : all;
  });
}

type BilinearPath = Extract<Path, { kind: 'bilinear' }>;
