// Path → its raw formula: literally the composition of DESIGN §1's steps, before any rewriting.
// `lower` gives a path's contribution to the residual stream; `readout` maps a final term to the
// logits (frozen final norm, then W_U). The simplifier turns these into the normal form c · K ⊗ T.
import { match } from 'ts-pattern';
import { ONE, type Path } from '../expand/path.js';
import type { Architecture, NormKind } from '../spec/architecture.js';
import * as N from './nodes.js';
import type { Expr, NormSite } from './nodes.js';

export function lower(path: Path, arch: Architecture): Expr {
  return match(path)
    .with({ kind: 'embed' }, () => N.kron(N.id(), N.weight('W_E')))
    .with({ kind: 'pos' }, () => N.kron(N.id(), N.weight('W_pos')))
    .with({ kind: 'bias' }, b => N.kron(N.ones(), biasVector(b.name)))
    .with({ kind: 'head' }, h => {
      const ov = N.kron(N.pattern(h.layer, h.head), N.fprod([N.weight('W_O', h.layer, h.head), N.weight('W_V', h.layer, h.head)]));
      return N.apply(ov, normed(h.of, arch, 'ln1', h.layer, arch.layers[h.layer]?.attention?.norm));
    })
    .with({ kind: 'bilinear' }, b => {
      const norm = arch.layers[b.layer]?.bilinear?.norm;
      return N.pair(b.layer, b.symmetrized, normed(b.left, arch, 'ln2', b.layer, norm), normed(b.right, arch, 'ln2', b.layer, norm));
    })
    .exhaustive();
}

/** A final term's contribution to the logits. */
export function readout(path: Path, arch: Architecture): Expr {
  if (path.kind === 'bias' && path.name === 'unembed.b_U') return lower(path, arch);
  return unembed(normed(path, arch, 'final', null, arch.unembed.norm));
}

/** `(Id ⊗ W_U) x`: the unembedding applied to a contribution to the (normed) residual stream. */
export function unembed(x: Expr): Expr {
  return N.apply(N.kron(N.id(), N.weight('W_U')), x);
}

/** A path as an input of bilinear block `layer`: behind the block's frozen norm where it has one. */
export function bilinearInput(path: Path, arch: Architecture, layer: number): Expr {
  return normed(path, arch, 'ln2', layer, arch.layers[layer]?.bilinear?.norm);
}

/** A residual-stream expression behind the frozen final norm, when the model has one. */
export function finalNormed(x: Expr, arch: Architecture): Expr {
  const norm = arch.unembed.norm;
  if (!norm) return x;
  const gain = N.weight('G', null, null, 'final');
  return N.apply(N.kron(N.scale('final', null), norm === 'layer' ? N.fprod([gain, N.weight('C')]) : gain), x);
}

/** The input of a block behind a frozen norm `(D ⊗ G)` or, for LayerNorm, `(D ⊗ G C)`. */
function normed(path: Path, arch: Architecture, site: NormSite, layer: number | null, norm: NormKind | undefined): Expr {
  const x = lower(path, arch);
  if (!norm || !isResidual(path)) return x;
  const gain = N.weight('G', layer, null, site);
  const map = norm === 'layer' ? N.fprod([gain, N.weight('C')]) : gain;
  return N.apply(N.kron(N.scale(site, layer), map), x);
}

/** LayerNorm biases and the homogeneous coordinate enter a block after its norm. */
function isResidual(path: Path): boolean {
  return !(path.kind === 'bias' && (path.name === ONE || /\.ln[12]\.b$|^ln_final\.b$/.test(path.name)));
}

const biasPattern = /^blocks\.(\d+)\.(attn\.b_O|mlp\.b_out|ln1\.b|ln2\.b)$/;

export function biasVector(name: string): Expr {
  if (name === ONE) return N.vector('one');
  if (name === 'ln_final.b') return N.vector('b_ln', null, 'final');
  if (name === 'unembed.b_U') return N.vector('b_U');
  const m = biasPattern.exec(name);
  if (!m) throw new Error(`unknown bias path '${name}'`);
  const layer = Number(m[1]);
  return match(m[2]!)
    .with('attn.b_O', () => N.vector('b_O', layer))
    .with('mlp.b_out', () => N.vector('b_out', layer))
    .with('ln1.b', () => N.vector('b_ln', layer, 'ln1'))
    .otherwise(() => N.vector('b_ln', layer, 'ln2'));
}
