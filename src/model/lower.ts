// Path → its raw formula: literally the composition of docs/design.md §1's steps, before any
// rewriting. Each step is the owning block's; `lowerStep` builds one step over the formulas of its
// sub-paths, so the same code gives the raw formula (sub-paths raw) and, memoized, the simplified
// one (sub-paths already simplified).
import type { Expr } from '../formula/nodes.js';
import type { Architecture } from '../language/architecture.js';
import type { Path } from '../paths/path.js';
import type { SubFormula } from './block.js';
import { type Blocks, blocksOf } from './blocks.js';
import { normed } from './blocks/attention.js';

export { unembed } from './blocks/unembedding.js';

const blocks = (model: Architecture | Blocks): Blocks => ('writers' in model ? model : blocksOf(model));

/** One expansion step of `path` (its contribution to the residual stream) over its sub-paths' formulas. */
export function lowerStep(path: Path, model: Architecture | Blocks, sub: SubFormula): Expr {
  return blocks(model).ownerOf(path).lower(path, sub);
}

export function lower(path: Path, model: Architecture | Blocks): Expr {
  return lowerStep(path, model, p => lower(p, model));
}

/** A final term's contribution to the logits, over the formula of its path. */
export function readoutStep(path: Path, model: Architecture | Blocks, sub: SubFormula): Expr {
  return blocks(model).readout.readout(path, sub);
}

export function readout(path: Path, model: Architecture | Blocks): Expr {
  return readoutStep(path, model, p => lower(p, model));
}

/** A path as an input of bilinear block `layer`: behind the block's frozen norm where it has one. */
export function bilinearInput(
  path: Path,
  arch: Architecture,
  layer: number,
  sub: SubFormula = p => lower(p, arch),
): Expr {
  return normed(blocksOf(arch).normAt('ln2', layer), path, sub(path));
}
