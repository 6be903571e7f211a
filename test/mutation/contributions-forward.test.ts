// Contributions grouped and ranked (src/numeric/contributions.ts) on hand-picked numbers, and the forward pass
// naming a weight the map lacks (src/numeric/forward.ts), issue 15.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/model/spec.js';
import { requiredWeights } from '../../src/model/weights.js';
import { useBackend } from '../../src/numeric/backend.js';
import { byFamily, byHead, byMagnitude } from '../../src/numeric/contributions.js';
import { forward } from '../../src/numeric/forward.js';
import { embed, head } from '../../src/paths/path.js';
import { leaf } from '../../src/paths/term.js';

describe('contributions', () => {
  const direct = leaf(embed());
  const h00 = leaf(head(0, 0, embed()));
  const h01 = leaf(head(0, 1, embed()));
  const virtual = leaf(head(1, 0, head(0, 0, embed())));
  // listed in an order that is neither the ranking nor its reverse
  const attributions = [
    { term: direct, contribution: 1 },
    { term: h00, contribution: -5 },
    { term: h01, contribution: 7 },
    { term: virtual, contribution: 0.5 },
  ];

  it('byMagnitude ranks terms by |contribution|, largest first, sign kept', () => {
    expect(byMagnitude(attributions).map(a => a.contribution)).toEqual([7, -5, 1, 0.5]);
  });

  it('byFamily sums per family and ranks the sums by magnitude: −5 + 7 = 2 for head L0', () => {
    const withoutH01 = attributions.filter(a => a.term !== h01);
    expect(byFamily(withoutH01)).toEqual([
      { group: 'head L0', terms: 1, contribution: -5 },
      { group: 'direct (token)', terms: 1, contribution: 1 },
      { group: 'virtual head L1←L0', terms: 1, contribution: 0.5 },
    ]);
    expect(byFamily(attributions)).toEqual([
      { group: 'head L0', terms: 2, contribution: 2 },
      { group: 'direct (token)', terms: 1, contribution: 1 },
      { group: 'virtual head L1←L0', terms: 1, contribution: 0.5 },
    ]);
  });

  it('byHead counts a term for every head it passes through: 0.0 gets −5 + 0.5', () => {
    expect(byHead(attributions)).toEqual([
      { group: '0.1', terms: 1, contribution: 7 },
      { group: '0.0', terms: 2, contribution: -4.5 },
      { group: '1.0', terms: 1, contribution: 0.5 },
    ]);
  });
});

describe('forward', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('names the weight the map lacks', () => {
    const arch = compile(
      'model a { vocab 3; context 2; width 2; embed; layer { attention heads 1 size 2 }; unembed }',
    )[0]!;
    const weights = new Map(
      requiredWeights(arch)
        .filter(w => w.key !== 'blocks.0.attn.W_V')
        .map(w => [w.key, tf.zeros([...w.shape])] as const),
    );
    const tokens = tf.tensor2d([[0, 1]], [1, 2], 'int32');
    expect(() => tf.tidy(() => forward(arch, weights, tokens).logits)).toThrow(
      new Error('weights lack blocks.0.attn.W_V'),
    );
    tf.dispose([tokens, ...weights.values()]);
  });
});
