// Opt-in factoring for compact output (docs/design.md §1): Σ_p c_p B(p, q) = B(Σ_p c_p p, q), grouping
// the final bilinear pair terms that share a layer and a right argument. A display form: the
// factored sum has the value of the terms it replaces (test/simplify/factor.test.ts).
import type { Term } from './expand.js';
import { pathId } from '../paths/path.js';
import { formula } from './term-formula.js';
import { bilinearInput, readoutStep } from './lower.js';
import * as N from '../formula/nodes.js';
import type { Expr } from '../formula/nodes.js';
import type { Architecture } from '../language/architecture.js';
import { Rewriter } from '../simplify/rewrite.js';

const rewriter = new Rewriter();

export function factor(terms: readonly Term[], arch: Architecture): Expr[] {
  const groups = new Map<string, Term[]>();
  const out: (Expr | Term[])[] = [];
  for (const t of terms) {
    const p = t.path;
    if (p.kind !== 'bilinear') {
      out.push(formula(t, arch));
      continue;
    }
    const key = `${p.layer}:${p.symmetrized}:${pathId(p.right)}`;
    const group = groups.get(key);
    if (group) group.push(t);
    else {
      const fresh = [t];
      groups.set(key, fresh);
      out.push(fresh);
    }
  }
  return out.map(item => (Array.isArray(item) ? factorGroup(item, arch) : item));
}

function factorGroup(group: Term[], arch: Architecture): Expr {
  if (group.length === 1) return formula(group[0]!, arch);
  const first = group[0]!.path as Extract<Term['path'], { kind: 'bilinear' }>;
  const lefts = group.map(t => {
    const p = t.path as typeof first;
    const x = bilinearInput(p.left, arch, p.layer);
    return t.coefficient.equals(1) ? x : N.term(t.coefficient, x);
  });
  const paired = N.pair(
    first.layer,
    first.symmetrized,
    N.sum(lefts.map(x => rewriter.simplify(x))),
    rewriter.simplify(bilinearInput(first.right, arch, first.layer)),
  );
  // a pair is a residual path: read out behind the final norm like the terms it replaces
  return readoutStep(first, arch, () => paired);
}
