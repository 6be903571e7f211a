// docs/walkthrough.md, second part (walkthrough-doc.ts): the induction model over held-out sequences,
// its families' and heads' shares of the correct logit and what its heads attend to.
import { beforeAll, describe, it } from 'vitest';
import { useBackend } from '../../src/numeric/backend.js';
import { expectPart, inductionHeldOut } from './walkthrough-doc.js';

describe('docs/walkthrough.md', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('the induction model on held-out sequences is what the tool measures', async () => {
    expectPart(1, await inductionHeldOut());
  });
});
