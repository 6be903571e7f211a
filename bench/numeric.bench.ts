// Issue 4's figures: a 2-layer, 4-head, width-64, hidden-256, vocab-512 model on 32 tokens.
// Readout-first contributions of all 5,150 symmetrized terms to the next-token logit (target
// < 2 s on wasm), the full per-term logits (target < 20 s), the forward pass alone, and the
// evaluator's multiply-adds against the minimum for the term set (each distinct sub-path once).
import * as tf from '@tensorflow/tfjs-core';
import { expand, type Term } from '../src/model/expand.js';
import type { Path } from '../src/paths/path.js';
import { useBackend } from '../src/numeric/backend.js';
import { PathEvaluator } from '../src/numeric/evaluate.js';
import { disposeFrozen, forwardOne } from '../src/numeric/forward.js';
import { disposeWeights, randomWeights } from '../src/numeric/weights.js';
import type { Architecture, Layer } from '../src/language/architecture.js';

const layer: Layer = { attention: { heads: 4, headSize: 16, bias: false }, bilinear: { hidden: 256, bias: false } };
const arch: Architecture = {
  name: 'bench',
  vocab: 512,
  context: 32,
  width: 64,
  positional: false,
  layers: [layer, layer],
  unembed: { bias: false },
  renames: new Map(),
};
const tokens = Array.from({ length: 32 }, (_, i) => (i * 37 + 11) % arch.vocab);

const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(2);

export default async function numeric(): Promise<void> {
  for (const backend of ['wasm', 'cpu'] as const) {
    await useBackend(backend);
    const weights = randomWeights(arch, 1);
    const terms = [...expand(arch)];
    let t0 = performance.now();
    const { logits, frozen } = forwardOne(arch, weights, tokens);
    const target = tf.tidy(() => tf.argMax(tf.slice(logits, [tokens.length - 1, 0], [1, -1]), 1).dataSync()[0]!);
    console.log(`[${backend}] forward pass on ${tokens.length} tokens: ${seconds(t0)} s`);

    let evaluator = new PathEvaluator(arch, weights, tokens, frozen);
    const readout = tf.tidy(
      () =>
        tf.mul(
          tf.reshape(tf.oneHot([tokens.length - 1], tokens.length), [-1, 1]),
          tf.oneHot([target], arch.vocab),
        ) as tf.Tensor2D,
    );
    t0 = performance.now();
    evaluator.contributions(terms, readout);
    console.log(
      `[${backend}] readout-first contributions of ${terms.length} terms to the next-token logit: ` +
        `${seconds(t0)} s (target < 2 s on wasm)`,
    );
    const minimum = minimumMultiplyAdds(terms);
    console.log(
      `[${backend}] multiply-adds ${evaluator.multiplyAdds.toLocaleString('en-US')}, ` +
        `minimum ${minimum.toLocaleString('en-US')}, ` +
        `ratio ${(evaluator.multiplyAdds / minimum).toFixed(3)} (target ≤ 1.1)`,
    );
    evaluator.dispose();

    if (backend === 'wasm') {
      evaluator = new PathEvaluator(arch, weights, tokens, frozen);
      t0 = performance.now();
      for (const term of terms) evaluator.logits(term).dispose();
      console.log(
        `[${backend}] full per-term logits (${tokens.length}×${arch.vocab} each) of ${terms.length} terms: ` +
          `${seconds(t0)} s (target < 20 s)`,
      );
      evaluator.dispose();
    }
    tf.dispose([logits, readout]);
    disposeFrozen(frozen);
    disposeWeights(weights);
    console.log(`[${backend}] tensors alive after release: ${tf.memory().numTensors}`);
  }
}

/**
 * The work of the term set with every distinct sub-path computed once, counted from the path DAG
 * independently of the evaluator: a head is x W_V, then W_O, then the pattern; a bilinear input is
 * projected by W_in and W_gate once per (layer, path); a pair inside the model is one elementwise
 * product per order and then W_out; a final pair term is one multiply-add per position, hidden unit
 * and ordered entry it needs; every other final term is read out once.
 */
function minimumMultiplyAdds(terms: readonly Term[]): number {
  const n = tokens.length;
  const d = arch.width;
  const residuals = new Set<Path>();
  const projected = new Set<string>();
  let total = n * arch.vocab * d; // the readout direction pulled back through W_U
  const viaOut = new Set<number>();
  const hidden = (p: Extract<Path, { kind: 'bilinear' }>) => {
    const m = arch.layers[p.layer]!.bilinear!.hidden;
    const sides: [string, Path][] = [
      ['in', p.left],
      ['gate', p.right],
      ...(p.symmetrized
        ? ([
            ['in', p.right],
            ['gate', p.left],
          ] as [string, Path][])
        : []),
    ];
    for (const [side, q] of sides) {
      if (q.kind === 'bias') continue;
      const key = `${p.layer}:${side}:${pathKey(q)}`;
      if (!projected.has(key)) {
        projected.add(key);
        residual(q);
        total += n * d * m;
      }
    }
    return n * m * (p.symmetrized ? 2 : 1);
  };
  const residual = (p: Path): void => {
    if (residuals.has(p)) return;
    residuals.add(p);
    if (p.kind === 'head') {
      residual(p.of);
      const dh = arch.layers[p.layer]!.attention!.headSize;
      total += n * d * dh + n * dh * d + n * n * d;
    } else if (p.kind === 'bilinear') {
      const pair = hidden(p); // adds its projections to the total first
      total += pair + n * arch.layers[p.layer]!.bilinear!.hidden * d;
    }
  };
  // a pair read out along u: u folded into each distinct input once, then one multiply-add per
  // (position, hidden unit) for each ordered entry (p, q) the terms need (both orders of a symmetrized pair)
  const folded = new Set<string>();
  const entries = new Set<string>();
  for (const { path } of terms) {
    if (path.kind === 'bilinear') {
      const m = arch.layers[path.layer]!.bilinear!.hidden;
      if (!viaOut.has(path.layer)) {
        viaOut.add(path.layer);
        total += n * d * m;
      }
      for (const q of [path.left, path.right]) {
        residual(q);
        for (const side of ['in', 'gate']) {
          const key = `${path.layer}:${side}:${pathKey(q)}`;
          if (!projected.has(key)) {
            projected.add(key);
            total += n * d * m;
          }
        }
        if (!folded.has(`${path.layer}:${pathKey(q)}`)) {
          folded.add(`${path.layer}:${pathKey(q)}`);
          total += n * m;
        }
      }
      const orders = path.symmetrized
        ? [
            [path.left, path.right],
            [path.right, path.left],
          ]
        : [[path.left, path.right]];
      for (const [a, b] of orders) {
        const key = `${path.layer}:${pathKey(a!)}:${pathKey(b!)}`;
        if (!entries.has(key)) {
          entries.add(key);
          total += n * m;
        }
      }
    } else {
      residual(path);
      total += n * d;
    }
  }
  return total;
}

const keys = new Map<Path, number>();
const pathKey = (p: Path) => keys.get(p) ?? keys.set(p, keys.size).get(p)!;
