// docs/walkthrough.md is written from the tool's own output on the shipped models (walkthrough-doc.ts):
// this file checks its first part, the check of both models, modadd and the induction model's terms;
// the test fails when the committed document differs, and `npm run golden` rewrites it.
import { beforeAll, describe, it } from 'vitest';
import { useBackend } from '../../src/numeric/backend.js';
import { expectPart, introAndTerms } from './walkthrough-doc.js';

describe('docs/walkthrough.md', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('check, modadd and the induction terms are what the tool prints on the shipped models', async () => {
    expectPart(0, await introAndTerms());
  });
});
