// Random weights are a function of the seed alone (seed 0 included: tfjs's own streams read 0 as
// "unseeded"), the same on every backend, and shaped as the spec requires.
import { describe, expect, it } from 'vitest';
import { useBackend } from '../../src/numeric/backend.js';
import { disposeWeights, randomWeights } from '../../src/numeric/weights.js';
import { requiredWeights } from '../../src/model/weights.js';
import { loadSpec } from '../../src/model/spec.js';

const arch = loadSpec('examples/full.pathsum');
const values = (seed: number) => {
  const w = randomWeights(arch, seed);
  const out = new Map([...w].map(([k, t]) => [k, Array.from(t.dataSync())]));
  disposeWeights(w);
  return out;
};

describe('randomWeights', () => {
  it('is reproducible from any seed, 0 included, on both backends', async () => {
    await useBackend('wasm');
    const wasm = [values(0), values(0), values(7)];
    await useBackend('cpu');
    const cpu = values(0);
    expect(wasm[1]).toEqual(wasm[0]);
    expect(cpu).toEqual(wasm[0]);
    expect(wasm[2]!.get('embed.W_E')).not.toEqual(wasm[0]!.get('embed.W_E'));
  });

  it('has every tensor of the spec, with its shape and the stated scales', async () => {
    await useBackend('wasm');
    const w = randomWeights(arch, 3);
    for (const spec of requiredWeights(arch)) expect(w.get(spec.key)!.shape).toEqual([...spec.shape]);
    const gain = Array.from(w.get('blocks.0.ln1.w')!.dataSync());
    expect(Math.abs(gain.reduce((a, b) => a + b, 0) / gain.length - 1)).toBeLessThan(0.2);
    disposeWeights(w);
  });
});
