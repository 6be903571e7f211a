// Pair logits are computed a block of left inputs at a time, so the host memory of one block stays bounded.
// A real model needs millions of floats per block before there are two; here the bound is set small, and
// every term's logits must still be the bilinear form written out by hand, whatever the block size.
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/numeric/backend.js';
import { pairBlockSize, pairLogits, type Projections } from '../../src/numeric/pair-batches.js';
import { bilinear, embed, head, type Path, pos } from '../../src/paths/path.js';
import type { Term } from '../../src/paths/term.js';
import { rational } from '../../src/rational.js';

beforeAll(async () => {
  await useBackend('cpu');
});

describe('the block size of pair logits', () => {
  it('is the most inputs whose n · b · V · P floats fit the bound, and at least one', () => {
    const size = fc.integer({ min: 1, max: 12 });
    fc.assert(
      fc.property(size, size, size, fc.integer({ min: 1, max: 5000 }), (n, V, P, elements) => {
        const b = pairBlockSize(n, V, P, elements);
        expect(b).toBeGreaterThanOrEqual(1);
        if (b > 1) expect(n * b * V * P).toBeLessThanOrEqual(elements);
        expect(n * (b + 1) * V * P).toBeGreaterThan(elements);
      }),
    );
  });
});

/** Up to six distinct inputs of one bilinear layer. */
const inputPaths: Path[] = [
  embed(),
  pos(),
  head(0, 0, embed()),
  head(0, 1, embed()),
  head(0, 0, pos()),
  head(0, 1, pos()),
];

interface Case {
  n: number;
  m: number;
  V: number;
  /** Entries of W_in p and W_gate p per input (n × m each), of M (m × V), of the position scale (n). */
  projectionsIn: number[][];
  projectionsGate: number[][];
  M: number[];
  scale: number[] | undefined;
  pairs: { left: number; right: number; symmetrized: boolean; coefficient: number }[];
  blockElements: number;
}

const entry = fc.float({ min: -2, max: 2, noNaN: true, noDefaultInfinity: true });

const cases: fc.Arbitrary<Case> = fc
  .record({
    n: fc.integer({ min: 1, max: 3 }),
    m: fc.integer({ min: 1, max: 4 }),
    V: fc.integer({ min: 1, max: 4 }),
    P: fc.integer({ min: 1, max: inputPaths.length }),
    withScale: fc.boolean(),
  })
  .chain(({ n, m, V, P, withScale }) =>
    fc.record({
      n: fc.constant(n),
      m: fc.constant(m),
      V: fc.constant(V),
      projectionsIn: fc.array(fc.array(entry, { minLength: n * m, maxLength: n * m }), { minLength: P, maxLength: P }),
      projectionsGate: fc.array(fc.array(entry, { minLength: n * m, maxLength: n * m }), {
        minLength: P,
        maxLength: P,
      }),
      M: fc.array(entry, { minLength: m * V, maxLength: m * V }),
      scale: withScale ? fc.array(entry, { minLength: n, maxLength: n }) : fc.constant(undefined),
      pairs: fc.uniqueArray(
        fc.record({
          left: fc.integer({ min: 0, max: P - 1 }),
          right: fc.integer({ min: 0, max: P - 1 }),
          symmetrized: fc.boolean(),
          coefficient: fc.constantFrom(1, 2, 0.5, -3),
        }),
        { minLength: 1, maxLength: 8, selector: p => `${p.left},${p.right},${p.symmetrized}` },
      ),
      // from one input per block up to all of them in one
      blockElements: fc.integer({ min: 1, max: n * V * P * (P + 1) }),
    }),
  );

/** Each pair's logits the plain way, in float64: s_t Σ_k M[k,v] Σ_orders w (W_in p)[t,k] (W_gate q)[t,k]. */
function byHand(c: Case, pair: Case['pairs'][number]): Float64Array {
  const { n, m, V } = c;
  const orders: [number, number, number][] = pair.symmetrized
    ? [
        [pair.left, pair.right, pair.coefficient / 2],
        [pair.right, pair.left, pair.coefficient / 2],
      ]
    : [[pair.left, pair.right, pair.coefficient]];
  const out = new Float64Array(n * V);
  for (let t = 0; t < n; t++) {
    for (let v = 0; v < V; v++) {
      let sum = 0;
      for (const [i, j, w] of orders) {
        for (let k = 0; k < m; k++) {
          sum += w * c.projectionsIn[i]![t * m + k]! * c.M[k * V + v]! * c.projectionsGate[j]![t * m + k]!;
        }
      }
      out[t * V + v] = (c.scale ? c.scale[t]! : 1) * sum;
    }
  }
  return out;
}

/** The logits pairLogits hands out for `c`, per term index. */
function batched(c: Case): Map<number, Float32Array> {
  const index = new Map(inputPaths.map((p, i) => [p, i]));
  const source: Projections = {
    projection: (path, _layer, side) =>
      tf.tensor2d((side === 'in' ? c.projectionsIn : c.projectionsGate)[index.get(path)!]!, [c.n, c.m]),
    countMultiplyAdds: () => {},
  };
  const terms: Term[] = c.pairs.map(p => ({
    path: bilinear(0, inputPaths[p.left]!, inputPaths[p.right]!, p.symmetrized),
    coefficient: rational(p.coefficient * 2, 2),
    degree: 2,
  }));
  const M = tf.tensor2d(c.M, [c.m, c.V]);
  const scale = c.scale && tf.tensor1d(c.scale);
  const out = new Map<number, Float32Array>();
  try {
    pairLogits(
      source,
      terms,
      () => M,
      scale,
      (i, values) => {
        expect(out.has(i), `term ${i} handed out twice`).toBe(false);
        out.set(i, values.slice());
      },
      c.blockElements,
    );
  } finally {
    tf.dispose([M, ...(scale ? [scale] : [])]);
  }
  return out;
}

describe('pair logits in blocks', () => {
  it('are every pair’s bilinear form by hand, for any block size (float32, |error| ≤ 1e-4 · (1 + |value|))', () => {
    fc.assert(
      fc.property(cases, c => {
        const before = tf.memory().numTensors;
        const got = batched(c);
        expect(tf.memory().numTensors).toBe(before);
        expect([...got.keys()].sort((a, b) => a - b)).toEqual(c.pairs.map((_, i) => i));
        c.pairs.forEach((pair, i) => {
          const expected = byHand(c, pair);
          const values = got.get(i)!;
          expect(values).toHaveLength(expected.length);
          expected.forEach((x, k) => {
            expect(Math.abs(values[k]! - x)).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(x)));
          });
        });
      }),
      { numRuns: 60 },
    );
  });
});
