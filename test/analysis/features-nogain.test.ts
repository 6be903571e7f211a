// `pathsum features` on a model whose norms have no gain (examples/hf-induction, `norm rms nogain`): the
// readout and the notes never speak of a gain, and u is W_U[:,c] itself, read here straight from the
// safetensors file (the folder stores W_U as lm_head.weight, [vocab, width]: row c is W_U[:,c]).
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { useBackend } from '../../src/numeric/backend.js';

const DIR = 'examples/hf-induction';

/** Row `r` of a float32 tensor of a safetensors file, from its header alone. */
function storedRow(file: string, name: string, r: number): number[] {
  const bytes = readFileSync(file);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8'));
  const { dtype, shape, data_offsets } = header[name] as { dtype: string; shape: number[]; data_offsets: number[] };
  expect(dtype).toBe('F32');
  const start = 8 + headerLength + data_offsets[0]! + r * shape[1]! * 4;
  return Array.from({ length: shape[1]! }, (_, i) => bytes.readFloatLE(start + 4 * i));
}

async function features(...args: string[]) {
  const io = memoryIo();
  const code = await main(['features', DIR, '--layer', '2', '--token', '2', '--quiet', ...args], io);
  return { code, out: io.out(), err: io.err() };
}

describe('features on a model whose norms have no gain', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('reads out W_U[:,c] and says no gain is folded in or applied', async () => {
    const { code, out } = await features('--via', 'ov');
    expect(code).toBe(0);
    expect(out).not.toMatch(/gain (⊙|is|applied)|gain and/);
    expect(out).toContain('readout logit of token 2: W_U[:,2]\n');
    expect(out).toContain('note: ln_final has no gain: nothing of it is folded into u; its per-position scale');
    expect(out).toContain('tokens: ln2 of layer 2: no gain, per-position scale left out');
    expect(out).toContain('(ln1 without gain, its scale left out)');
  });

  it('u is the stored row of W_U, to float32 precision', async () => {
    const { code, out } = await features('--json');
    expect(code).toBe(0);
    const { readout } = JSON.parse(out) as { readout: { u: number[]; label: string } };
    expect(readout.label).toBe('logit of token 2: W_U[:,2]');
    const stored = storedRow(`${DIR}/model.safetensors`, 'lm_head.weight', 2);
    expect(readout.u).toHaveLength(stored.length);
    // float32 weights widened to float64: equal to the last bit of float32 (relative 2⁻²³)
    readout.u.forEach((x, i) => {
      expect(Math.abs(x - stored[i]!)).toBeLessThanOrEqual(2 ** -23 * Math.abs(stored[i]!));
    });
  });
});
