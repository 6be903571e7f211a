// A reference evaluator for formulas on one token sequence, in float64: the independent route
// that checks every rewrite rule and every user identity numerically. Inputs are substituted
// first (W_E ↦ its columns at the tokens, W_pos ↦ its first n columns), so a feature tensor of
// degree k is a d × n^k matrix, a kernel is n × n^k, and every term's value is n × d: the
// contribution `r_t = Σ_S K[t,S] T[:, S]` of docs/design.md §1. Small sizes only (n^k columns).
import { match } from 'ts-pattern';
import { add, type Matrix, matrix, multiply, scaled, transpose as transposeOf } from '../linalg/matrix.js';
import { rotateRows } from '../linalg/rotary.js';
import type { Expr, HeadScore, NormSite, VectorName, WeightName } from './nodes.js';

/** Everything a formula can name, in column convention (docs/design.md §1). */
export interface DenseEnv {
  /** Context positions evaluated. */
  readonly n: number;
  /** Feature maps and inputs: W_E is d × n (already at the tokens), W_pos d × n, W_OV d × d, G d × d, … */
  weight(name: WeightName, layer: number | null, head: number | null, site: NormSite | null): Matrix;
  /** Bias vectors as d × 1 (`one` is never asked for: the bilinear map reads b_in / b_gate instead). */
  vector(name: VectorName, layer: number | null, site: NormSite | null): Matrix;
  /** Frozen attention pattern, n × n. */
  pattern(layer: number, head: number): Matrix;
  /** Frozen norm scales as a diagonal n × n. */
  scale(site: NormSite, layer: number | null): Matrix;
  /** W_in, W_gate (m × d), W_out (d × m), b_in, b_gate (m × 1, zero when the block has none). */
  bilinear(layer: number): { W_in: Matrix; W_gate: Matrix; W_out: Matrix; b_in: Matrix; b_gate: Matrix };
  /** A head's query or key bias, d_head × 1 (score formulas only). */
  headBias?(name: 'b_Q' | 'b_K', layer: number, head: number): Matrix;
}

const get = (m: Matrix, i: number, j: number) => m.data[i * m.cols + j]!;

const isMatrix = (f: Expr | Matrix): f is Matrix => 'data' in f;
const isRotation = (f: Expr | Matrix) => !isMatrix(f) && f.kind === 'qkSymbol' && f.name === 'R';
const transposed = (f: Expr | Matrix, e: DenseEvaluator): Matrix => transposeOf(isMatrix(f) ? f : e.value(f));

/** Face-splitting product: row t of the result is row t of a ⊗ row t of b (left index major). */
function faceSplit(a: Matrix, b: Matrix): Matrix {
  return matrix(a.rows, a.cols * b.cols, (t, j) => get(a, t, Math.floor(j / b.cols)) * get(b, t, j % b.cols));
}

/** Column-wise Khatri–Rao: column (a, b) of the result is column a of x ⊙ column b of y. */
function columnProduct(x: Matrix, y: Matrix): Matrix {
  return matrix(x.rows, x.cols * y.cols, (k, j) => get(x, k, Math.floor(j / y.cols)) * get(y, k, j % y.cols));
}

export class DenseEvaluator {
  private readonly memo = new Map<Expr, Matrix>();
  constructor(private readonly env: DenseEnv) {}

  /** A kernel or feature tensor as a matrix, or a term's n × d contribution. */
  value(e: Expr): Matrix {
    let v = this.memo.get(e);
    // Stryker disable next-line ConditionalExpression: the memo is speed only, computing again gives the same matrix
    if (!v) {
      v = this.compute(e);
      this.memo.set(e, v);
    }
    return v;
  }

  private compute(e: Expr): Matrix {
    const env = this.env;
    return (
      match(e)
        .with({ kind: 'id' }, () => matrix(env.n, env.n, (i, j) => (i === j ? 1 : 0)))
        .with({ kind: 'ones' }, () => matrix(env.n, 1, () => 1))
        .with({ kind: 'pattern' }, p => env.pattern(p.layer, p.head))
        .with({ kind: 'scale' }, s => env.scale(s.site, s.layer))
        .with({ kind: 'kprod' }, { kind: 'fprod' }, p => p.factors.map(f => this.value(f)).reduce(multiply))
        .with({ kind: 'face' }, f => faceSplit(this.value(f.left), this.value(f.right)))
        .with({ kind: 'weight' }, w => env.weight(w.name, w.layer, w.head, w.site))
        .with({ kind: 'vector' }, v => {
          if (v.name === 'one') throw new Error('the homogeneous coordinate 1 has a value only inside a bilinear map');
          return env.vector(v.name, v.layer, v.site);
        })
        .with({ kind: 'transpose' }, t => transposeOf(this.value(t.of)))
        .with({ kind: 'bilinear' }, b => this.bilinearFeature(b.layer, b.symmetrized, b.left, b.right))
        .with({ kind: 'kron' }, k => multiply(this.value(k.kernel), transposeOf(this.value(k.feature))))
        .with({ kind: 'apply' }, a => {
          if (a.op.kind !== 'kron') throw new Error('only K ⊗ M operators can be applied');
          return multiply(multiply(this.value(a.op.kernel), this.value(a.arg)), transposeOf(this.value(a.op.feature)));
        })
        .with({ kind: 'pair' }, p => this.pairValue(p.layer, p.symmetrized, p.left, p.right))
        .with({ kind: 'term' }, t => scaled(this.value(t.body), t.coefficient.valueOf()))
        .with({ kind: 'sum' }, s => s.terms.map(t => this.value(t)).reduce(add))
        .with({ kind: 'qkSymbol' }, q => {
          if (q.name === 'R' || !this.env.headBias) throw new Error(`${q.name} has a value only inside a score`);
          return this.env.headBias(q.name, q.layer, q.head);
        })
        .with({ kind: 'score' }, q => {
          const factors = q.middle === null ? [] : q.middle.kind === 'fprod' ? q.middle.factors : [q.middle];
          return this.scores(q.head, this.value(q.query), factors, this.value(q.key));
        })
        // Stryker disable next-line ObjectLiteral: the last case, only qkron nodes are left to match
        .with({ kind: 'qkron' }, q => {
          const factors = q.feature.kind === 'fprod' ? q.feature.factors : [q.feature];
          const [query, ...rest] = factors.map(f => (isRotation(f) ? f : this.value(f)));
          return this.scores(q.head, multiply(this.value(q.query), query as Matrix), rest, this.value(q.key));
        })
        .exhaustive()
    );
  }

  /**
   * Scores n × n of rows `query` (n × a) and `key` (n × b) through the map `factors` (a × b): q M kᵀ / √d_head.
   * A rotation R_{j−i} among the factors splits them: both sides are carried to d_head and rotated by their
   * position, since R_iᵀ R_j = R_{j−i}.
   */
  private scores(head: HeadScore, query: Matrix, factors: readonly (Expr | Matrix)[], key: Matrix): Matrix {
    const at = factors.findIndex(f => isRotation(f));
    const chain = (fs: readonly (Expr | Matrix)[], start: Matrix) =>
      fs.reduce<Matrix>((acc, f) => multiply(acc, isMatrix(f) ? f : this.value(f)), start);
    const scale = 1 / Math.sqrt(head.size);
    if (at < 0) return scaled(multiply(chain(factors, query), transposeOf(key)), scale);
    const q = chain(factors.slice(0, at), query);
    const keySide = [...factors.slice(at + 1)].reverse().map(f => transposed(f, this));
    const k = transposeOf(chain(keySide, key));
    const base = head.rotaryBase ?? 10_000;
    return scaled(multiply(rotateRows(q, base), transposeOf(rotateRows(transposeOf(k), base))), scale);
  }

  /** W_in T (or b_in for the homogeneous coordinate), m × columns of T. */
  private project(t: Expr, layer: number, side: 'in' | 'gate'): Matrix {
    const b = this.env.bilinear(layer);
    if (t.kind === 'vector' && t.name === 'one') return side === 'in' ? b.b_in : b.b_gate;
    return multiply(side === 'in' ? b.W_in : b.W_gate, this.value(t));
  }

  // B(T₁,T₂)[:, (a,b)] = W_out (W_in T₁[:,a] ⊙ W_gate T₂[:,b]); B_sym averages both orders.
  private bilinearFeature(layer: number, symmetrized: boolean, left: Expr, right: Expr): Matrix {
    const { W_out } = this.env.bilinear(layer);
    const forward = columnProduct(this.project(left, layer, 'in'), this.project(right, layer, 'gate'));
    if (!symmetrized) return multiply(W_out, forward);
    const backward = columnProduct(this.project(left, layer, 'gate'), this.project(right, layer, 'in'));
    return multiply(W_out, scaled(add(forward, backward), 0.5));
  }

  /** A bilinear block applied to two terms' n × d contributions, position by position. */
  private pairValue(layer: number, symmetrized: boolean, left: Expr, right: Expr): Matrix {
    const { W_out } = this.env.bilinear(layer);
    const rows = (x: Expr, side: 'in' | 'gate') => transposeOf(this.projectTerm(x, layer, side));
    const hidden = (a: Matrix, b: Matrix): Matrix => ({ ...a, data: a.data.map((v, i) => v * b.data[i]!) });
    let h: Matrix = hidden(rows(left, 'in'), rows(right, 'gate'));
    if (symmetrized) h = scaled(add(h, hidden(rows(left, 'gate'), rows(right, 'in'))), 0.5);
    return multiply(h, transposeOf(W_out));
  }

  /** m × n: the block's hidden pre-activation from one term (b broadcast for the coordinate 1). */
  private projectTerm(x: Expr, layer: number, side: 'in' | 'gate'): Matrix {
    // linear in its argument, so a factored sum may hold the coordinate 1 among its summands
    if (x.kind === 'sum') return x.terms.map(t => this.projectTerm(t, layer, side)).reduce(add);
    if (x.kind === 'term') return scaled(this.projectTerm(x.body, layer, side), x.coefficient.valueOf());
    // K ⊗ v for a bias vector v: (W v) Kᵀ, with b_in or b_gate in the place of W 1 for the coordinate 1
    if (x.kind === 'kron' && x.feature.kind === 'vector') {
      const b = this.project(x.feature, layer, side);
      return multiply(b, transposeOf(this.value(x.kernel)));
    }
    const b = this.env.bilinear(layer);
    return multiply(side === 'in' ? b.W_in : b.W_gate, transposeOf(this.value(x)));
  }
}
