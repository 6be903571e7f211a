// The blocks of a model built inside each test (issue 15): a model built once and cached is covered by the first
// test only, so a mutation run could not see what the others check. Who writes each path, what each block
// lowers, and how it describes itself, written out by hand.
import { describe, expect, it } from 'vitest';
import * as N from '../../src/formula/nodes.js';
import { site } from '../../src/language/site.js';
import { blocksOf } from '../../src/model/blocks.js';
import { compile } from '../../src/model/spec.js';
import { bias, bilinear, embed, head, pos } from '../../src/paths/path.js';

const model = (layer: string, readout = 'unembed') =>
  compile(`model m {
  vocab 5; context 4; width 4
  embed
  layer {
${layer}
  }
  ${readout}
}`)[0]!;

/** A refused path is refused before any sub-path is lowered. */
const sub = () => {
  throw new Error('no sub-path to lower');
};

describe('the block that writes each path', () => {
  it('heads and the output bias of attention, with the bias of its norm', () => {
    const blocks = blocksOf(model('    norm layer\n    attention heads 2 size 2 bias'));
    const attention = blocks.writers.find(b => b.kind === 'attention')!;
    expect(blocks.ownerOf(head(0, 1, embed()))).toBe(attention);
    expect(blocks.ownerOf(bias(site('attn', 0, 'b_O')))).toBe(attention);
    expect(blocks.ownerOf(bias(site('ln1', 0, 'b')))).toBe(attention);
    expect(blocks.ownerOf(embed()).kind).toBe('embedding');
  });

  it('an attention block lowers what it writes and refuses anything else', () => {
    const blocks = blocksOf(model('    norm layer\n    attention heads 2 size 2 bias'));
    const attention = blocks.writers.find(b => b.kind === 'attention')!;
    expect(() => attention.lower(pos(), sub)).toThrow('attention block 0 does not write pos paths');
    expect(() => attention.lower(bias(site('mlp', 0, 'b_out')), sub)).toThrow(
      'attention block 0 does not write bias paths',
    );
    expect(() => attention.lower(bilinear(0, embed(), embed(), false), sub)).toThrow(
      'attention block 0 does not write bilinear paths',
    );
  });
});

describe('a bilinear block', () => {
  it('refuses to lower what another block writes', () => {
    const blocks = blocksOf(model('    norm layer\n    bilinear hidden 3 bias'));
    const mlp = blocks.writers.find(b => b.kind === 'bilinear')!;
    expect(() => mlp.lower(head(0, 0, embed()), sub)).toThrow('bilinear block 0 does not write head paths');
    expect(() => mlp.lower(pos(), sub)).toThrow('bilinear block 0 does not write pos paths');
    expect(() => mlp.lower(bias(site('attn', 0, 'b_O')), sub)).toThrow('bilinear block 0 does not write bias paths');
    expect(blocks.ownerOf(bias(site('ln2', 0, 'b')))).toBe(mlp);
  });

  it('the unembedding refuses to lower what another block writes', () => {
    const blocks = blocksOf(model('    bilinear hidden 3', 'norm layer\n  unembed bias'));
    const { readout } = blocks;
    expect(blocks.ownerOf(bias(site('unembed', null, 'b_U')))).toBe(readout);
    expect(blocks.ownerOf(bias(site('ln_final', null, 'b')))).toBe(readout);
    expect(() => readout.lower(pos(), () => N.id())).toThrow('the unembedding does not write pos paths');
    expect(() => readout.lower(bias(site('attn', 0, 'b_O')), () => N.id())).toThrow(
      'the unembedding does not write bias paths',
    );
  });
});

describe('how a block describes itself', () => {
  it('rotary attention names its base, a scaled block its scale, as the spec writes them', () => {
    const blocks = blocksOf(
      model('    attention heads 2 size 2 rotary theta 100 scale 1/sqrt(2)\n    bilinear hidden 3 scale 3/4'),
    );
    expect(blocks.writers.map(b => b.describe())).toEqual([
      'token embedding',
      'attention 2 heads of size 2, rotary (theta 100), output scaled by 1/sqrt(2)',
      'bilinear hidden 3, output scaled by 3/4',
    ]);
  });
});
