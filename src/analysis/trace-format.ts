// A partial path's formula in the paper's notation (docs/design.md §4), read out by W_U, with a placeholder
// printed as the residual stream it stands for: `R_attn^{1}`, `R_mlp^{0}`, `R_final`. Whole sub-paths print
// in their simplified normal form `K ⊗ T`, as `pathsum eval` prints terms; a whole term prints exactly so.
import type { Expr } from '../formula/nodes.js';
import * as N from '../formula/nodes.js';
import { printCoefficient, printExpr, type Style } from '../formula/print.js';
import type { Architecture } from '../language/architecture.js';
import type { Norm } from '../model/blocks/norm.js';
import { blocksOf } from '../model/blocks.js';
import { lower } from '../model/lower.js';
import { formatTerm } from '../model/term-formula.js';
import type { Path } from '../paths/path.js';
import { leaf } from '../paths/term.js';
import { type Rational, rational } from '../rational.js';
import { Rewriter } from '../simplify/rewrite.js';
import { type Partial, toPath } from './partial-path.js';

const rewriter = new Rewriter();

/** The formula of a trace node: its contribution to the logits. */
export function formatPartial(p: Partial, arch: Architecture, style: Style): string {
  const path = toPath(p);
  const coefficient = scaleOf(p, arch);
  if (path) return formatTerm({ ...leaf(path), coefficient }, arch, style);
  const readout = `${paren(printExpr(N.kron(N.id(), N.weight('W_U')), style), style)} `;
  const body = readout + behind(blocksOf(arch).normAt('final', null), p, arch, style);
  if (coefficient.equals(1)) return body;
  return `${printCoefficient(coefficient, style)}${style === 'latex' ? ' \\cdot ' : ' · '}${body}`;
}

/** The product of the output scales (`scale S`) of the blocks a partial path passes through. */
function scaleOf(p: Partial, arch: Architecture): Rational {
  const times = (c: Rational, s: Rational | undefined) => (s === undefined ? c : c.mul(s));
  switch (p.kind) {
    case 'residual':
      return rational(1);
    case 'path': {
      const at = p.path.kind === 'bias' ? p.path.site : undefined;
      if (at?.layer == null) return rational(1);
      const layer = arch.layers[at.layer];
      if (at.block === 'attn' && at.name === 'b_O') return times(rational(1), layer?.attention?.scale);
      if (at.block === 'mlp' && at.name === 'b_out') return times(rational(1), layer?.bilinear?.scale);
      return rational(1);
    }
    case 'head':
      return times(scaleOf(p.of, arch), arch.layers[p.layer]?.attention?.scale);
    case 'bilinear':
      return times(scaleOf(p.left, arch).mul(scaleOf(p.right, arch)), arch.layers[p.layer]?.bilinear?.scale);
  }
}

/** What a partial path writes to the residual stream. */
function written(p: Partial, arch: Architecture, style: Style): string {
  const path = toPath(p);
  if (path) return printExpr(residualFormula(path, arch), style);
  switch (p.kind) {
    case 'residual':
      return placeholder(p.site, p.layer, style);
    case 'path':
      return printExpr(residualFormula(p.path, arch), style);
    case 'head': {
      const column = p.source === null ? '' : style === 'latex' ? `_{:,${p.source}}` : `[:,${p.source}]`;
      const pattern = `${printExpr(N.pattern(p.layer, p.head), style)}${column}`;
      const ov = printExpr(N.weight('W_OV', p.layer, p.head), style);
      const map = paren(`${pattern}${style === 'latex' ? ' \\otimes ' : ' ⊗ '}${ov}`, style);
      return `${map} ${behind(blocksOf(arch).normAt('ln1', p.layer), p.of, arch, style)}`;
    }
    case 'bilinear': {
      const norm = blocksOf(arch).normAt('ln2', p.layer);
      const args = `${behind(norm, p.left, arch, style)}, ${behind(norm, p.right, arch, style)}`;
      return style === 'latex' ? `B^{${p.layer}}\\left(${args}\\right)` : `B^{${p.layer}}(${args})`;
    }
  }
}

/** An argument behind a block's frozen norm: `(D ⊗ G) x` where the norm applies to it. */
function behind(norm: Norm | undefined, p: Partial, arch: Architecture, style: Style): string {
  const inner = written(p, arch, style);
  const normed = norm && !(p.kind === 'path' && !norm.normalizes(p.path));
  // a placeholder and a pair printed as B(…, …) are atoms; a normal form K ⊗ T or an applied map is not
  const atom = p.kind === 'residual' || (p.kind === 'bilinear' && toPath(p) === undefined);
  const arg = atom ? inner : paren(inner, style);
  return normed ? `${paren(printExpr(norm.operator(), style), style)} ${arg}` : arg;
}

function placeholder(site: 'attn' | 'mlp' | 'final', layer: number | null, style: Style): string {
  if (style === 'latex') return `R_{\\mathrm{${site}}}${layer === null ? '' : `^{${layer}}`}`;
  return `R_${site}${layer === null ? '' : `^{${layer}}`}`;
}

const residuals = new WeakMap<Architecture, Map<Path, Expr>>();

function residualFormula(path: Path, arch: Architecture): Expr {
  let memo = residuals.get(arch);
  if (!memo) residuals.set(arch, (memo = new Map()));
  let e = memo.get(path);
  if (!e) memo.set(path, (e = rewriter.simplify(lower(path, arch))));
  return e;
}

const paren = (s: string, style: Style) => (style === 'latex' ? `\\left(${s}\\right)` : `(${s})`);
