// The reference evaluator (src/formula/evaluate-dense.ts) on a model small enough to compute by hand: n = d = 2,
// every weight written out. What a mutation run found untested: the nodes it refuses, each with its reason, and a
// score term whose feature side is a single map.
import { describe, expect, it } from 'vitest';
import { type DenseEnv, DenseEvaluator } from '../../src/formula/evaluate-dense.js';
import * as N from '../../src/formula/nodes.js';
import { fromRows, type Matrix } from '../../src/linalg/matrix.js';
import { rational } from '../../src/rational.js';

const QK = fromRows([
  [1, 2],
  [3, 4],
]);
const square = (): Matrix =>
  fromRows([
    [1, 0],
    [0, 1],
  ]);
const column = (): Matrix => fromRows([[1], [1]]);

/** Every weight of the hand model; a bias is a column of ones, asked for or not. */
const handEnv = (headBias?: DenseEnv['headBias']): DenseEnv => ({
  n: 2,
  weight: name => (name === 'W_QK' ? QK : square()),
  vector: column,
  pattern: square,
  scale: square,
  bilinear: () => ({ W_in: square(), W_gate: square(), W_out: square(), b_in: column(), b_gate: column() }),
  ...(headBias ? { headBias } : {}),
});

const values = (m: Matrix) => Array.from(m.data);

describe('what the reference evaluator refuses, and why', () => {
  const evaluator = new DenseEvaluator(handEnv());

  it('the homogeneous coordinate 1 outside a bilinear map, even where the model has biases', () => {
    expect(() => evaluator.value(N.vector('one'))).toThrow(
      'the homogeneous coordinate 1 has a value only inside a bilinear map',
    );
  });

  it('an operator that is not a single K ⊗ M', () => {
    const op = N.term(rational(2), N.kron(N.id(), N.weight('W_OV', 0, 0)));
    expect(() => evaluator.value(N.apply(op, N.kron(N.id(), N.weight('W_E'))))).toThrow(
      'only K ⊗ M operators can be applied',
    );
  });

  it('the rotation R and the query and key biases outside a score', () => {
    expect(() => evaluator.value(N.qkSymbol('R', 0, 1))).toThrow('R has a value only inside a score');
    expect(() => evaluator.value(N.qkSymbol('b_Q', 0, 1))).toThrow('b_Q has a value only inside a score');
    const withBiases = new DenseEvaluator(handEnv(() => column()));
    expect(() => withBiases.value(N.qkSymbol('R', 0, 1))).toThrow('R has a value only inside a score');
    expect(values(withBiases.value(N.qkSymbol('b_K', 0, 1)))).toEqual([1, 1]);
  });
});

describe('a score term whose feature side is one map', () => {
  it('is Id W_QK Idᵀ / √d_head: W_QK halved for a head of size 4', () => {
    const head = N.headScore(0, 0, 4, null);
    const score = N.qkron(head, N.id(), N.id(), N.weight('W_QK', 0, 0));
    expect(values(new DenseEvaluator(handEnv()).value(score))).toEqual([0.5, 1, 1.5, 2]);
  });
});
