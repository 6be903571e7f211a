// The blocks of the published bilinear models (issue 10): a scaled block output, RMSNorm without a gain and
// with its own eps, rotary attention. The forward pass against the architecture's equations written out by
// hand in float64, and against the forward pass of a model without the new options where both express one.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Architecture } from '../../src/language/architecture.js';
import { compile } from '../../src/model/spec.js';
import { requiredWeights } from '../../src/model/weights.js';
import { useBackend } from '../../src/numeric/backend.js';
import { disposeFrozen, forwardOne } from '../../src/numeric/forward.js';
import { disposeWeights, randomWeights, type Weights } from '../../src/numeric/weights.js';
import * as tf from '@tensorflow/tfjs-core';
import { bilinearForm } from '../../src/analysis/bilinear.js';
import { interactionMatrix } from '../../src/analysis/interaction.js';

const published = `model p {
  vocab 5; context 4; width 4
  embed
  layer {
    norm rms nogain eps 1e-8
    attention heads 2 size 2 rotary theta 100 scale 1/sqrt(2)
    norm rms nogain eps 0.25
    bilinear hidden 3 bias scale 3/4
  }
  norm rms nogain eps 1e-8
  unembed
}`;

type Vector = number[];
type Rows = number[][];

const logitsOf = (arch: Architecture, weights: Weights, tokens: number[]): Rows => {
  const { logits, frozen } = forwardOne(arch, weights, tokens);
  const out = logits.arraySync() as Rows;
  logits.dispose();
  disposeFrozen(frozen);
  return out;
};

// ---- the architecture of issue 10 in float64, one loop per equation ----------------------------------------

const rms = (x: Vector, eps: number) => {
  const s = 1 / Math.sqrt(x.reduce((a, v) => a + v * v, 0) / x.length + eps);
  return x.map(v => v * s);
};
const times = (x: Vector, W: Rows): Vector => W[0]!.map((_, c) => x.reduce((a, v, r) => a + v * W[r]![c]!, 0));
const add = (a: Vector, b: Vector) => a.map((v, i) => v + b[i]!);

/** Rotate-half pairing: dimension i < K/2 turns with i + K/2 by the angle p · base^(-2i/K). */
function rotate(v: Vector, p: number, base: number): Vector {
  const half = v.length / 2;
  return v.map((x, i) => {
    const angle = p * base ** ((-2 * (i % half)) / v.length);
    return x * Math.cos(angle) + (i < half ? -v[i + half]! : v[i - half]!) * Math.sin(angle);
  });
}

function byHand(w: (key: string) => number[] | Rows | Rows[], tokens: number[]): Rows {
  const E = w('embed.W_E') as Rows;
  let X = tokens.map(t => [...E[t]!]);
  // attention: 2 heads of size 2, rotary base 100, output × 1/√2
  const [WQ, WK, WV, WO] = ['W_Q', 'W_K', 'W_V', 'W_O'].map(k => w(`blocks.0.attn.${k}`) as Rows[]);
  const Y = X.map(x => rms(x, 1e-8));
  const out = X.map(() => [0, 0, 0, 0]);
  for (let h = 0; h < 2; h++) {
    const q = Y.map((y, p) => rotate(times(y, WQ![h]!), p, 100));
    const k = Y.map((y, p) => rotate(times(y, WK![h]!), p, 100));
    const v = Y.map(y => times(y, WV![h]!));
    q.forEach((qt, t) => {
      const scores = k.slice(0, t + 1).map(ks => (qt[0]! * ks[0]! + qt[1]! * ks[1]!) / Math.sqrt(2));
      const e = scores.map(s => Math.exp(s - Math.max(...scores)));
      const z = e.reduce((a, b) => a + b, 0);
      const mixed = [0, 1].map(i => e.reduce((a, ei, s) => a + (ei / z) * v[s]![i]!, 0));
      out[t] = add(out[t]!, times(mixed, WO![h]!));
    });
  }
  X = X.map((x, t) =>
    add(
      x,
      out[t]!.map(o => o / Math.sqrt(2)),
    ),
  );
  // bilinear, hidden 3 with biases, eps 0.25, output × 3/4
  const mlp = (k: string) => w(`blocks.0.mlp.${k}`);
  X = X.map(x => {
    const y = rms(x, 0.25);
    const left = add(times(y, mlp('W_in') as Rows), mlp('b_in') as Vector);
    const right = add(times(y, mlp('W_gate') as Rows), mlp('b_gate') as Vector);
    const o = add(
      times(
        left.map((l, i) => l * right[i]!),
        mlp('W_out') as Rows,
      ),
      mlp('b_out') as Vector,
    );
    return add(
      x,
      o.map(v => (3 / 4) * v),
    );
  });
  return X.map(x => times(rms(x, 1e-8), w('unembed.W_U') as Rows));
}

describe('the published bilinear architecture', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('declares no gain tensors for gainless norms', () => {
    const keys = requiredWeights(compile(published)[0]!).map(w => w.key);
    expect(keys.filter(k => k.includes('ln'))).toEqual([]);
    expect(keys).toContain('blocks.0.mlp.b_out');
  });

  it('computes the forward pass written out by hand in float64', () => {
    const [arch] = compile(published);
    const weights = randomWeights(arch!, 11);
    const host = (key: string) => weights.get(key)!.arraySync() as number[] | Rows | Rows[];
    const tokens = [3, 0, 4, 1];
    const expected = byHand(host, tokens);
    const actual = logitsOf(arch!, weights, tokens);
    // float32 forward against float64: a few units in the 6th digit of logits of size ~1
    actual.forEach((row, t) => {
      row.forEach((v, i) => {
        expect(v).toBeCloseTo(expected[t]![i]!, 4);
      });
    });
    disposeWeights(weights);
  });

  it('with scale 1, gains of ones and eps 1e-5, equals the forward pass of the model without the options', () => {
    const options = (attention: string, norm: string, bilinear: string) => `model q {
      vocab 5; context 4; width 4; embed
      layers 2 { ${norm}; attention heads 2 size 2 ${attention}; ${norm}; bilinear hidden 3 bias ${bilinear} }
      ${norm}; unembed }`;
    const [plain] = compile(options('', 'norm rms', ''));
    const [explicit] = compile(options('scale 1', 'norm rms nogain eps 0.00001', 'scale 2/2'));
    const drawn = randomWeights(plain!, 5);
    const weights = new Map([...drawn].map(([key, t]) => [key, key.endsWith('.w') ? tf.onesLike(t) : t]));
    const tokens = [1, 4, 2];
    const [a, b] = [logitsOf(plain!, weights, tokens), logitsOf(explicit!, weights, tokens)];
    // the same float32 operations, times 1: equal to the last bit
    expect(b).toEqual(a);
    disposeWeights(drawn);
    disposeWeights(weights);
  });

  it('scales the output of a block by S before it joins the residual stream', () => {
    const model = (scale: string) =>
      `model s { vocab 5; context 4; width 4; embed; layer { bilinear hidden 3 ${scale} }; unembed }`;
    const [one] = compile(model(''));
    const [three] = compile(model('scale -3'));
    const weights = randomWeights(one!, 2);
    const tokens = [0, 2];
    const [a, b] = [logitsOf(one!, weights, tokens), logitsOf(three!, weights, tokens)];
    // logits = (x + S·B(x, x)) W_U is linear in S: S = -3 gives 4·(S = 0) − 3·(S = 1)
    const host = (key: string) => weights.get(key)!.arraySync() as Rows;
    const E = host('embed.W_E');
    const direct = tokens.map(t => times(E[t]!, host('unembed.W_U')));
    b.forEach((row, t) => {
      row.forEach((v, i) => {
        expect(v).toBeCloseTo(4 * direct[t]![i]! - 3 * a[t]![i]!, 4);
      });
    });
    disposeWeights(weights);
  });

  it('reads a scaled bilinear block as S times its interaction matrices (features)', () => {
    const model = (scale: string) =>
      `model s { vocab 5; context 4; width 4; embed; layer { bilinear hidden 3 bias ${scale} }; unembed }`;
    const [plain] = compile(model(''));
    const [scaled] = compile(model('scale -1/sqrt(8)'));
    const weights = randomWeights(plain!, 9);
    const u = [0.5, -1, 2, 0.25];
    const [a, b] = [
      interactionMatrix(bilinearForm(plain!, weights, 0), u),
      interactionMatrix(bilinearForm(scaled!, weights, 0), u),
    ];
    b.data.forEach((v, i) => {
      expect(v).toBeCloseTo((-1 / Math.sqrt(8)) * a.data[i]!, 12);
    });
    disposeWeights(weights);
  });
});
