// docs/features.md is generated from `pathsum features` on the trained modular-addition model
// (examples/modadd): this test rebuilds it and fails when the committed file differs
// (UPDATE_GOLDEN=1 rewrites it). Until the weights exist it runs the generator on random weights only.
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/numeric/backend.js';
import { disposeWeights, loadWeights, randomWeights } from '../../src/numeric/weights.js';
import { loadSpec } from '../../src/language/index.js';
import { expectGolden } from '../golden.js';
import { featuresDocument, SPEC } from './features-doc.js';

const WEIGHTS = 'examples/modadd/model.safetensors';

describe('docs/features.md', () => {
  beforeAll(async () => {
    await useBackend(process.env.PATHSUM_TEST_BACKEND === 'cpu' ? 'cpu' : 'wasm');
  });

  it('the generator runs on random weights of the modadd architecture', () => {
    const arch = loadSpec(SPEC);
    const [a, b] = [randomWeights(arch, 1), randomWeights(arch, 2)];
    const doc = featuresDocument(arch, a, b, [1, 2]);
    disposeWeights(a);
    disposeWeights(b);
    for (const title of ['## Findings', '## Spectrum', '## Token profiles', '## Token pairs', '## Truncation'])
      expect(doc).toContain(title);
    expect(doc).not.toMatch(/NaN|undefined/);
  });

  it('matches what the tool finds on the trained model', () => {
    const arch = loadSpec(SPEC);
    const { weights } = loadWeights(arch, WEIGHTS);
    const random = randomWeights(arch, 1);
    const doc = featuresDocument(arch, weights, random);
    disposeWeights(weights);
    disposeWeights(random);
    expectGolden('docs/features.md', doc);
  });
});
