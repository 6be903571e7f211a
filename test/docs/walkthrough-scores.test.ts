// docs/walkthrough.md, the part on score terms (walkthrough-doc.ts): why the induction head attends to the
// token after the earlier occurrence, by family of (query path, key path) terms, over held-out sequences.
import { beforeAll, describe, it } from 'vitest';
import { useBackend } from '../../src/numeric/backend.js';
import { expectPart, inductionScoresPart } from './walkthrough-doc.js';

describe('docs/walkthrough.md', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it("the induction head's score terms are what the tool measures", async () => {
    expectPart(2, await inductionScoresPart());
  });
});
