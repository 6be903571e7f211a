// docs/walkthrough.md is written from the tool's own output on the shipped models (walkthrough-doc.ts):
// this file checks its first part, the check of both models, modadd and the induction model's terms;
// the test fails when the committed document differs, and `npm run golden` rewrites it. Modadd's part and
// the induction model's are computed in hooks of their own, nested so that they run in order, so that
// none runs long.
import { beforeAll, describe, it } from 'vitest';
import { useBackend } from '../../src/numeric/backend.js';
import { expectPart, inductionTerms, introAndTerms, modadd } from './walkthrough-doc.js';

describe('docs/walkthrough.md', () => {
  let modaddPart: string;
  beforeAll(async () => {
    await useBackend('wasm');
    modaddPart = await modadd();
  });

  describe('the induction model', () => {
    let inductionPart: string;
    beforeAll(async () => {
      inductionPart = await inductionTerms();
    });

    it('check, modadd and the induction terms are what the tool prints on the shipped models', async () => {
      expectPart(0, await introAndTerms(modaddPart, inductionPart));
    });
  });
});
