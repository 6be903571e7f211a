// docs/features.md is generated from `pathsum features` on the trained modular-addition model
// (examples/modadd): this test rebuilds it and fails when the committed file differs (`npm run golden`
// rewrites it), and runs the generator on random weights of a smaller model of the same kind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hooksInOrder } from '../hooks-in-order.js';
import { useBackend } from '../../src/numeric/backend.js';
import { disposeWeights, loadWeights, randomWeights, type Weights } from '../../src/numeric/weights.js';
import { compile, loadSpec } from '../../src/model/spec.js';
import { expectGolden } from '../golden.js';
import { featuresDocument, featuresStages, SPEC, type StagedDocument } from './features-doc.js';

const WEIGHTS = 'examples/modadd/model.safetensors';
const STAGES = 4;

describe('docs/features.md', () => {
  beforeAll(async () => {
    await useBackend(process.env.PATHSUM_TEST_BACKEND === 'cpu' ? 'cpu' : 'wasm');
  });

  // modadd's shape at p = 13 and width 16, with a positional embedding: the generator's other branch
  it('the generator runs on random weights of a small modular-addition model with positions', () => {
    const [arch] = compile(
      'model small { vocab 14; context 3; width 16; embed positional\n' +
        ' layer { attention heads 2 size 4; bilinear hidden 16 }\n unembed }\n',
    );
    const [a, b] = [randomWeights(arch!, 1), randomWeights(arch!, 2)];
    const doc = featuresDocument(arch!, a, b, [1, 2]);
    disposeWeights(a);
    disposeWeights(b);
    for (const title of ['## Findings', '## Spectrum', '## Token profiles', '## Token pairs', '## Truncation'])
      expect(doc).toContain(title);
    expect(doc).not.toMatch(/NaN|undefined/);
  });

  // the document's stages one to a hook, so that none runs long; the hooks are nested, one describe block
  // inside the other, so they run in order and all before the test
  let staged: StagedDocument;
  let trained: Weights;
  let random: Weights;
  function runStage(stage: number): void {
    if (stage === 0) {
      const arch = loadSpec(SPEC);
      trained = loadWeights(arch, WEIGHTS).weights;
      random = randomWeights(arch, 1);
      staged = featuresStages(arch, trained, random);
      expect(staged.stages).toHaveLength(STAGES);
    }
    staged.stages[stage]!();
  }
  hooksInOrder(
    STAGES,
    stage => `stage ${stage + 1} of ${STAGES}`,
    runStage,
    () =>
      it('matches what the tool finds on the trained model', () => {
        expectGolden('docs/features.md', staged.text());
      }),
  );

  afterAll(() => {
    for (const w of [trained, random]) if (w) disposeWeights(w);
  });
});
