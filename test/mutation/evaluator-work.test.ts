// The evaluator's bookkeeping (issue 15): the multiply-adds it reports (the figure bench/numeric.bench.ts
// compares with its minimum) against a count by hand on tiny models, and no tensor left behind by the
// Σ-of-logits path, the contributions or the per-term logits once their results are released.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Architecture, Layer } from '../../src/language/architecture.js';
import { expand } from '../../src/model/expand.js';
import { useBackend } from '../../src/numeric/backend.js';
import { bilinear, embed, head } from '../../src/paths/path.js';
import { withEvaluator } from '../evaluator.js';

beforeAll(async () => {
  await useBackend('cpu');
});

// n = 3 tokens, V = 5, d = 4; a head of size 2, a bilinear block of 6 hidden units
const tokens = [0, 3, 1];
const model = (layer: Layer, extra: Partial<Architecture> = {}): Architecture => ({
  name: 'tiny',
  vocab: 5,
  context: 4,
  width: 4,
  positional: false,
  layers: [layer],
  unembed: { bias: false },
  renames: new Map(),
  ...extra,
});
const attentionOnly = model({ attention: { heads: 1, headSize: 2, bias: false } });
const bilinearOnly = model({ bilinear: { hidden: 6, bias: false } });

const lastLogit = (vocab: number, token: number) =>
  tf.tidy(() => tf.mul(tf.reshape(tf.oneHot([2], 3), [-1, 1]), tf.oneHot([token], vocab)) as tf.Tensor2D);

describe('the multiply-add counter', () => {
  it('counts a head term read along a logit by hand: 60 + 12 + (24 + 24 + 36) + 12', () => {
    const terms = [...expand(attentionOnly)];
    expect(terms.map(t => t.path)).toEqual([embed(), head(0, 0, embed())]);
    withEvaluator(attentionOnly, 1, tokens, evaluator => {
      const direction = lastLogit(5, 2);
      evaluator.contributions(terms, direction);
      direction.dispose();
      // W_U pulled back: n·V·d = 60; W_E read along it: n·d = 12; the head: x W_V (n·d·2 = 24), then
      // W_O (n·2·d = 24), then the pattern (n·n·d = 36); read along the direction: n·d = 12
      expect(evaluator.multiplyAdds).toBe(168);
    });
  });

  it('counts a pair term read along a logit by hand: 60 + 12 + 72 + (72 + 72) + (18 + 18)', () => {
    const terms = [...expand(bilinearOnly)];
    expect(terms.map(t => t.path)).toEqual([embed(), bilinear(0, embed(), embed(), true)]);
    withEvaluator(bilinearOnly, 1, tokens, evaluator => {
      const direction = lastLogit(5, 4);
      evaluator.contributions(terms, direction);
      direction.dispose();
      // W_U pulled back: 60; W_E read: 12; the direction through W_out: n·d·m = 72; W_E projected by
      // W_in and W_gate: 72 each; u folded into the one input: n·m = 18; its one ordered entry: n·m = 18
      expect(evaluator.multiplyAdds).toBe(324);
    });
  });

  it('counts the sum of the logits by hand, and counts a cached sub-path once', () => {
    withEvaluator(attentionOnly, 2, tokens, evaluator => {
      evaluator.sumOfLogits([...expand(attentionOnly)]).dispose();
      // the head (24 + 24 + 36), then W_U once on the sum: n·d·V = 60
      expect(evaluator.multiplyAdds).toBe(144);
      evaluator.sumOfLogits([...expand(attentionOnly)]).dispose();
      expect(evaluator.multiplyAdds).toBe(144 + 60);
    });
    withEvaluator(bilinearOnly, 2, tokens, evaluator => {
      evaluator.sumOfLogits([...expand(bilinearOnly)]).dispose();
      // projections 72 + 72; the pair's coefficient mixed in: P²·n·m + P·n·m = 18 + 18; W_out: n·m·d = 72; W_U: 60
      expect(evaluator.multiplyAdds).toBe(312);
    });
  });

  it('counts every term’s logits by hand: W_out W_U once per layer, then the pair batch', () => {
    withEvaluator(bilinearOnly, 1, tokens, evaluator => {
      evaluator.forEachTermLogits([...expand(bilinearOnly)], () => {});
      // the token term through W_U: n·d·V = 60; projections 72 + 72; M = W_out W_U: m·d·V = 120; one input
      // (P = 1), both orders: n·P·V·m·(P + 1)·2 = 360
      expect(evaluator.multiplyAdds).toBe(684);
    });
  });

  it('computes W_out W_U once per layer when ordered and symmetrized pairs of the layer come side by side', () => {
    const ordered = [...expand(bilinearOnly, { symmetrize: false })].filter(t => t.path.kind === 'bilinear');
    expect(ordered.map(t => t.path)).toEqual([bilinear(0, embed(), embed(), false)]);
    withEvaluator(bilinearOnly, 1, tokens, evaluator => {
      evaluator.forEachTermLogits([...expand(bilinearOnly), ...ordered], () => {});
      // as above, 684, and the ordered pair's one order: n·P·V·m·(P + 1) = 180; M is not computed again
      expect(evaluator.multiplyAdds).toBe(864);
    });
  });

  it('counts pairs of two inputs (the token and its position) by hand: P = 2', () => {
    const withPositions = model({ bilinear: { hidden: 6, bias: false } }, { positional: true });
    const terms = [...expand(withPositions)];
    expect(terms.filter(t => t.path.kind === 'bilinear')).toHaveLength(3);
    withEvaluator(withPositions, 1, tokens, evaluator => {
      evaluator.sumOfLogits(terms).dispose();
      // projections: 2 inputs × 2 sides × n·d·m = 288; the coefficients mixed in: P²·n·m + P·n·m = 72 + 36;
      // W_out: n·m·d = 72; W_U once on the sum: 60
      expect(evaluator.multiplyAdds).toBe(528);
    });
    withEvaluator(withPositions, 1, tokens, evaluator => {
      evaluator.forEachTermLogits(terms, () => {});
      // W_E and W_pos through W_U: 60 + 60; projections: 288; M = W_out W_U: m·d·V = 120; one block of both
      // inputs, both orders: n·b·V·m·(P + 1)·2 = 3·2·5·6·3·2 = 1080
      expect(evaluator.multiplyAdds).toBe(1608);
    });
    withEvaluator(withPositions, 1, tokens, evaluator => {
      const direction = lastLogit(5, 4);
      evaluator.contributions(terms, direction);
      direction.dispose();
      // W_U pulled back: 60; W_E and W_pos read: 12 + 12; the direction through W_out: 72; projections: 288;
      // u folded into every input: n·P·m = 36; every ordered entry: n·P²·m = 72
      expect(evaluator.multiplyAdds).toBe(552);
    });
  });

  it('counts a pair term’s own logits by hand: both orders of the hidden product', () => {
    const pair = [...expand(bilinearOnly)][1]!;
    expect(pair.path).toBe(bilinear(0, embed(), embed(), true));
    withEvaluator(bilinearOnly, 1, tokens, evaluator => {
      evaluator.logits(pair).dispose();
      // projections 72 + 72; the hidden products, both orders: 2·n·m = 36; W_out: n·m·d = 72; W_U: n·d·V = 60
      expect(evaluator.multiplyAdds).toBe(312);
    });
  });
});

describe('tensors are released', () => {
  const full = model(
    {
      attention: { heads: 2, headSize: 2, bias: true, norm: 'layer' },
      bilinear: { hidden: 3, bias: true, norm: 'rms' },
    },
    { positional: true, unembed: { bias: true, norm: 'layer' } },
  );

  it('with ordered and symmetrized pairs of one layer side by side (two groups of pairs in one layer)', () => {
    const ordered = [...expand(full, { symmetrize: false })].filter(t => t.path.kind === 'bilinear');
    const terms = [...expand(full), ...ordered];
    withEvaluator(full, 3, tokens, evaluator => {
      const direction = lastLogit(5, 1);
      evaluator.contributions(terms, direction);
      const before = tf.memory().numTensors;
      evaluator.contributions(terms, direction);
      evaluator.sumOfLogits(terms).dispose();
      evaluator.sumOfLogits(terms).dispose();
      expect(tf.memory().numTensors).toBe(before);
      direction.dispose();
    });
  });

  it('by the sum of the logits, the contributions and the per-term logits, once their results are', () => {
    const terms = [...expand(full)];
    withEvaluator(full, 3, tokens, evaluator => {
      const direction = lastLogit(5, 1);
      // the first round fills the evaluator's caches; a second one must add nothing
      const round = () => {
        evaluator.sumOfLogits(terms).dispose();
        evaluator.contributions(terms, direction);
        evaluator.forEachTermLogits(terms, () => {});
        for (const t of terms.slice(0, 5)) evaluator.logits(t).dispose();
      };
      round();
      const before = tf.memory().numTensors;
      round();
      round();
      expect(tf.memory().numTensors).toBe(before);
      direction.dispose();
    });
  });

  it('by the evaluator itself, with the weights and the forward pass', () => {
    const before = tf.memory().numTensors;
    withEvaluator(full, 4, tokens, evaluator => {
      evaluator.sumOfLogits([...expand(full)]).dispose();
    });
    expect(tf.memory().numTensors).toBe(before);
  });
});
