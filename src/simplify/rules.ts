// The rule table: one row per law of docs/design.md §1, the law beside it. Each is a theorem;
// test/simplify/soundness.test.ts checks every one numerically on every rewrite it performs.
// Rules match with plain kind tests: this is the hot loop of a 100,000-term expansion, where
// ts-pattern's matcher cost ten times the rewriting itself (bench/symbolic.bench.ts).
import * as N from '../formula/nodes.js';
import type { Expr } from '../formula/nodes.js';
import { type Rule, rule } from './rule.js';

export const rules: readonly Rule[] = [
  rule('mixed-product', '(A ⊗ B)(C ⊗ D) = AC ⊗ BD', ['apply'], e =>
    e.kind === 'apply' && e.op.kind === 'kron' && e.arg.kind === 'kron'
      ? N.kron(N.kprod([e.op.kernel, e.arg.kernel]), N.fprod([e.op.feature, e.arg.feature]))
      : undefined,
  ),
  rule('bilinear-split', 'B(K₁ ⊗ T₁, K₂ ⊗ T₂) = (K₁ • K₂) ⊗ B(T₁, T₂)', ['pair'], e =>
    e.kind === 'pair' && e.left.kind === 'kron' && e.right.kind === 'kron'
      ? N.kron(
          N.face(e.left.kernel, e.right.kernel),
          N.bilinearOf(e.layer, e.symmetrized, e.left.feature, e.right.feature),
        )
      : undefined,
  ),
  rule('fuse-ov', 'W_O W_V = W_OV', ['fprod'], e =>
    fuseAdjacent(e, (a, b) =>
      isWeight(a, 'W_O') && isWeight(b, 'W_V') && sameHead(a, b) ? N.weight('W_OV', a.layer, a.head) : undefined,
    ),
  ),
  rule('fuse-qk', 'W_Qᵀ W_K = W_QK', ['fprod'], e =>
    fuseAdjacent(e, (a, b) =>
      a.kind === 'transpose' && isWeight(a.of, 'W_Q') && isWeight(b, 'W_K') && sameHead(a.of, b)
        ? N.weight('W_QK', b.layer, b.head)
        : undefined,
    ),
  ),
  rule('score-split', '(K₁ ⊗ T₁)ᵀ M (K₂ ⊗ T₂) = K₁ ⊗ K₂ ⊗ T₁ᵀ M T₂', ['score'], e =>
    e.kind === 'score' && e.query.kind === 'kron' && e.key.kind === 'kron'
      ? N.qkron(
          e.head,
          e.query.kernel,
          e.key.kernel,
          N.fprod([N.transpose(e.query.feature), ...(e.middle ? [e.middle] : []), e.key.feature]),
        )
      : undefined,
  ),
  rule('transpose-product', '(A B)ᵀ = Bᵀ Aᵀ', ['transpose'], e =>
    e.kind === 'transpose' && e.of.kind === 'fprod' ? N.fprod([...e.of.factors].reverse().map(N.transpose)) : undefined,
  ),
  rule('symmetric-transpose', 'Gᵀ = G, Cᵀ = C (a gain is diagonal, the centering symmetric)', ['transpose'], e =>
    e.kind === 'transpose' && (isWeight(e.of, 'G') || isWeight(e.of, 'C')) ? e.of : undefined,
  ),
  rule('identity', 'Id K = K Id = K', ['kprod'], e =>
    e.kind === 'kprod' && e.factors.some(f => f.kind === 'id')
      ? N.kprod(e.factors.filter(f => f.kind !== 'id'))
      : undefined,
  ),
  rule('rows-sum-to-one', 'A 1 = 1 (attention rows sum to 1)', ['kprod'], e => {
    if (e.kind !== 'kprod') return undefined;
    const i = e.factors.findIndex((f, j) => f.kind === 'pattern' && e.factors[j + 1]?.kind === 'ones');
    return i < 0 ? undefined : N.kprod([...e.factors.slice(0, i), ...e.factors.slice(i + 1)]);
  }),
  rule('face-unit', '1 • K = K • 1 = K', ['face'], e => {
    if (e.kind !== 'face') return undefined;
    if (e.left.kind === 'ones') return e.right;
    return e.right.kind === 'ones' ? e.left : undefined;
  }),
  rule('norm-face', '(D K₁) • (D K₂) = D² (K₁ • K₂)', ['face'], e => {
    if (e.kind !== 'face') return undefined;
    const [l, r] = [factorsOf(e.left), factorsOf(e.right)];
    const d = l[0]!;
    if (d.kind !== 'scale' || r[0] !== d) return undefined;
    return N.kprod([d, d, N.face(N.kprod(l.slice(1)), N.kprod(r.slice(1)))]);
  }),
];

type Weight = Extract<Expr, { kind: 'weight' }>;

const factorsOf = (k: Expr): readonly Expr[] => (k.kind === 'kprod' ? k.factors : [k]);

function isWeight(e: Expr, name: Weight['name']): e is Weight {
  return e.kind === 'weight' && e.name === name;
}

const sameHead = (a: Weight, b: Weight) => a.layer === b.layer && a.head === b.head;

/** Rewrites the first adjacent pair of factors in a feature product that `fuse` accepts. */
function fuseAdjacent(e: Expr, fuse: (a: Expr, b: Expr) => Expr | undefined): Expr | undefined {
  if (e.kind !== 'fprod') return undefined;
  for (let i = 0; i + 1 < e.factors.length; i++) {
    const fused = fuse(e.factors[i]!, e.factors[i + 1]!);
    if (fused) return N.fprod([...e.factors.slice(0, i), fused, ...e.factors.slice(i + 2)]);
  }
  return undefined;
}
