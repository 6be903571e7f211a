// An architecture as the list of its blocks, in the order the residual stream meets them: the one
// place that maps the spec's layers onto block kinds. Every walk (expand, count, lower, forward,
// weights) goes through `blocksOf`.
import type { NormSite } from '../formula/nodes.js';
import type { Architecture } from '../language/architecture.js';
import type { Site } from '../language/site.js';
import type { Path } from '../paths/path.js';
import type { Block, Readout } from './block.js';
import { attention } from './blocks/attention.js';
import type { Norm } from './blocks/norm.js';
import { bilinear } from './blocks/bilinear.js';
import { embedding } from './blocks/embedding.js';
import { positional } from './blocks/positional.js';
import { unembedding } from './blocks/unembedding.js';

export interface Blocks {
  readonly arch: Architecture;
  /** The blocks that write to the residual stream, embedding first. */
  readonly writers: readonly Block[];
  readonly readout: Readout;
  /** The block that writes a path (its formula step); throws for a path the model cannot have. */
  ownerOf(path: Path): Block;
  /** The norm at a norm site (`ln1` of layer 2, `final`), if the model has one there. */
  normAt(at: NormSite, layer: number | null): Norm | undefined;
}

const built = new WeakMap<Architecture, Blocks>();

export function blocksOf(arch: Architecture): Blocks {
  let blocks = built.get(arch);
  if (!blocks) built.set(arch, (blocks = assemble(arch, writersOf(arch), readoutOf(arch))));
  return blocks;
}

function writersOf(arch: Architecture): Block[] {
  const { vocab, context, width } = arch;
  const writers = [embedding(vocab, width), ...(arch.positional ? [positional(context, width)] : [])];
  arch.layers.forEach((layer, l) => {
    if (layer.attention) writers.push(attention(layer.attention, l, width));
    if (layer.bilinear) writers.push(bilinear(layer.bilinear, l, width));
  });
  return writers;
}

const readoutOf = (arch: Architecture) => unembedding(arch.unembed, arch.vocab, arch.width);

/** A model from any list of blocks (tests plug in block kinds of their own this way). */
export function assemble(arch: Architecture, writers: readonly Block[], readout: Readout): Blocks {
  const owners = new Map<Site | string, Block>();
  for (const block of [...writers, readout]) {
    for (const key of block.owns) if (!owners.has(key)) owners.set(key, block);
  }
  const norms = new Map<string, Norm>();
  for (const block of [...writers, readout]) if (block.norm) norms.set(block.norm.scaleKey, block.norm);
  return {
    arch,
    writers,
    readout,
    normAt: (at, layer) => norms.get(at === 'final' ? 'final' : `${at}.${layer}`),
    ownerOf: path => {
      const key = ownerKey(path);
      const owner = owners.get(key);
      if (!owner) throw new Error(`model '${arch.name}' has no block that writes ${describe(key)}`);
      return owner;
    },
  };
}

/** What a block names in `owns` for a path: its bias site, or its kind (and layer). */
function ownerKey(path: Path): Site | string {
  switch (path.kind) {
    case 'bias':
      return path.site;
    case 'head':
    case 'bilinear':
      return `${path.kind}:${path.layer}`;
    default:
      return path.kind;
  }
}

const describe = (key: Site | string) =>
  typeof key === 'string' ? `${key} paths` : `the bias ${key.block}.${key.name} of layer ${key.layer}`;
