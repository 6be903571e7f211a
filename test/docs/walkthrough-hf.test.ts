// docs/walkthrough.md, its part on examples/hf-induction (./walkthrough-hf.ts): the commands shown run and
// print what the document says; `npm run golden` rewrites the part.
import { beforeAll, describe, it } from 'vitest';
import { useBackend } from '../../src/numeric/backend.js';
import { expectPart } from './walkthrough-doc.js';
import { HF_ANCHOR, huggingfaceSection } from './walkthrough-hf.js';

describe('docs/walkthrough.md', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it(`'${HF_ANCHOR}' shows what check, import and eval print on the folder`, async () => {
    expectPart(5, await huggingfaceSection());
  });
});
