// Path → its raw formula: literally the composition of docs/design.md §1's steps, before any rewriting.
// `lowerStep` builds one step over the formulas of its sub-paths, so the same code gives the
// raw formula (sub-paths raw) and, memoized, the simplified one (sub-paths already simplified).
import { ONE, type Path } from '../paths/path.js';
import type { Architecture, NormKind } from '../language/architecture.js';
import * as N from '../formula/nodes.js';
import type { Expr, NormSite } from '../formula/nodes.js';

type SubFormula = (p: Path) => Expr;

/** One expansion step of `path` (its contribution to the residual stream) over its sub-paths' formulas. */
export function lowerStep(path: Path, arch: Architecture, sub: SubFormula): Expr {
  switch (path.kind) {
    case 'embed':
      return N.kron(N.id(), N.weight('W_E'));
    case 'pos':
      return N.kron(N.id(), N.weight('W_pos'));
    case 'bias':
      return N.kron(N.ones(), biasVector(path.name));
    case 'head': {
      const ov = N.kron(
        N.pattern(path.layer, path.head),
        N.fprod([N.weight('W_O', path.layer, path.head), N.weight('W_V', path.layer, path.head)]),
      );
      return N.apply(ov, normed(path.of, sub, 'ln1', path.layer, arch.layers[path.layer]?.attention?.norm));
    }
    case 'bilinear': {
      const norm = arch.layers[path.layer]?.bilinear?.norm;
      return N.pair(
        path.layer,
        path.symmetrized,
        normed(path.left, sub, 'ln2', path.layer, norm),
        normed(path.right, sub, 'ln2', path.layer, norm),
      );
    }
  }
}

export function lower(path: Path, arch: Architecture): Expr {
  return lowerStep(path, arch, p => lower(p, arch));
}

/** A final term's contribution to the logits, over the formula of its path. */
export function readoutStep(path: Path, arch: Architecture, sub: SubFormula): Expr {
  if (path.kind === 'bias' && path.name === 'unembed.b_U') return sub(path);
  return unembed(normed(path, sub, 'final', null, arch.unembed.norm));
}

export function readout(path: Path, arch: Architecture): Expr {
  return readoutStep(path, arch, p => lower(p, arch));
}

/** `(Id ⊗ W_U) x`: the unembedding applied to a contribution to the (normed) residual stream. */
export function unembed(x: Expr): Expr {
  return N.apply(N.kron(N.id(), N.weight('W_U')), x);
}

/** A path as an input of bilinear block `layer`: behind the block's frozen norm where it has one. */
export function bilinearInput(
  path: Path,
  arch: Architecture,
  layer: number,
  sub: SubFormula = p => lower(p, arch),
): Expr {
  return normed(path, sub, 'ln2', layer, arch.layers[layer]?.bilinear?.norm);
}

/** A residual-stream expression behind the frozen final norm, when the model has one. */
export function finalNormed(x: Expr, arch: Architecture): Expr {
  return arch.unembed.norm ? N.apply(normOperator('final', null, arch.unembed.norm), x) : x;
}

/** The input of a block behind a frozen norm `(D ⊗ G)` or, for LayerNorm, `(D ⊗ G C)`. */
function normed(path: Path, sub: SubFormula, site: NormSite, layer: number | null, norm: NormKind | undefined): Expr {
  const x = sub(path);
  return norm && isResidual(path) ? N.apply(normOperator(site, layer, norm), x) : x;
}

function normOperator(site: NormSite, layer: number | null, norm: NormKind): Expr {
  const gain = N.weight('G', layer, null, site);
  return N.kron(N.scale(site, layer), norm === 'layer' ? N.fprod([gain, N.weight('C')]) : gain);
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
  const role = m[2]!;
  if (role === 'attn.b_O') return N.vector('b_O', layer);
  if (role === 'mlp.b_out') return N.vector('b_out', layer);
  return N.vector('b_ln', layer, role === 'ln1.b' ? 'ln1' : 'ln2');
}
