// The rule table (STYLE §1): one row per law of DESIGN §1, the law beside it. Each is a theorem;
// test/simplify/soundness.test.ts checks every one numerically on every rewrite it performs.
import { match } from 'ts-pattern';
import * as N from '../ir/nodes.js';
import type { Expr } from '../ir/nodes.js';
import { type Rule, rule } from './rule.js';

const kronOf = { kind: 'kron' } as const;

export const rules: readonly Rule[] = [
  rule('mixed-product', '(A ⊗ B)(C ⊗ D) = AC ⊗ BD', e =>
    match(e)
      .with({ kind: 'apply', op: kronOf, arg: kronOf }, a => N.kron(N.kprod([op(a).kernel, arg(a).kernel]), N.fprod([op(a).feature, arg(a).feature])))
      .otherwise(() => undefined)),
  rule('bilinear-split', 'B(K₁ ⊗ T₁, K₂ ⊗ T₂) = (K₁ • K₂) ⊗ B(T₁, T₂)', e =>
    match(e)
      .with({ kind: 'pair', left: kronOf, right: kronOf }, p => N.kron(N.face(kron(p.left).kernel, kron(p.right).kernel), N.bilinearOf(p.layer, p.symmetrized, kron(p.left).feature, kron(p.right).feature)))
      .otherwise(() => undefined)),
  rule('fuse-ov', 'W_O W_V = W_OV', e => fuseAdjacent(e, (a, b) => isWeight(a, 'W_O') && isWeight(b, 'W_V') && sameHead(a, b) ? N.weight('W_OV', a.layer, a.head) : undefined)),
  rule('fuse-qk', 'W_Qᵀ W_K = W_QK', e =>
    fuseAdjacent(e, (a, b) => a.kind === 'transpose' && isWeight(a.of, 'W_Q') && isWeight(b, 'W_K') && sameHead(a.of, b) ? N.weight('W_QK', b.layer, b.head) : undefined)),
  rule('identity', 'Id K = K Id = K', e =>
    e.kind === 'kprod' && e.factors.some(f => f.kind === 'id') ? N.kprod(e.factors.filter(f => f.kind !== 'id')) : undefined),
  rule('rows-sum-to-one', 'A 1 = 1 (attention rows sum to 1)', e =>
    match(e)
      .with({ kind: 'kprod' }, k => {
        const i = k.factors.findIndex((f, j) => f.kind === 'pattern' && k.factors[j + 1]?.kind === 'ones');
        return i < 0 ? undefined : N.kprod([...k.factors.slice(0, i), ...k.factors.slice(i + 1)]);
      })
      .otherwise(() => undefined)),
  rule('face-unit', '1 • K = K • 1 = K', e =>
    match(e)
      .with({ kind: 'face', left: { kind: 'ones' } }, f => f.right)
      .with({ kind: 'face', right: { kind: 'ones' } }, f => f.left)
      .otherwise(() => undefined)),
  rule('norm-face', '(D K₁) • (D K₂) = D² (K₁ • K₂)', e => {
    if (e.kind !== 'face') return undefined;
    const [l, r] = [factorsOf(e.left), factorsOf(e.right)];
    const d = l[0]!;
    if (d.kind !== 'scale' || r[0] !== d) return undefined;
    return N.kprod([d, d, N.face(N.kprod(l.slice(1)), N.kprod(r.slice(1)))]);
  }),
];

const factorsOf = (k: Expr): readonly Expr[] => (k.kind === 'kprod' ? k.factors : [k]);
type Weight = Extract<Expr, { kind: 'weight' }>;

const op = (a: Extract<Expr, { kind: 'apply' }>) => kron(a.op);
const arg = (a: Extract<Expr, { kind: 'apply' }>) => kron(a.arg);
const kron = (e: Expr) => e as Extract<Expr, { kind: 'kron' }>;

function isWeight(e: Expr, name: Weight['name']): e is Weight {
  return e.kind === 'weight' && e.name === name;
}

const sameHead = (a: Expr, b: Expr) => (a as Weight).layer === (b as Weight).layer && (a as Weight).head === (b as Weight).head;

/** Rewrites the first adjacent pair of factors in a feature product that `fuse` accepts. */
function fuseAdjacent(e: Expr, fuse: (a: Expr, b: Expr) => Expr | undefined): Expr | undefined {
  if (e.kind !== 'fprod') return undefined;
  for (let i = 0; i + 1 < e.factors.length; i++) {
    const fused = fuse(e.factors[i]!, e.factors[i + 1]!);
    if (fused) return N.fprod([...e.factors.slice(0, i), fused, ...e.factors.slice(i + 2)]);
  }
  return undefined;
}
