// docs/walkthrough.md, last part (walkthrough-doc.ts): `pathsum verify` on the induction model, alone
// in its file because one run evaluates all 53,300 terms three ways.
import { beforeAll, describe, it } from 'vitest';
import { useBackend } from '../../src/numeric/backend.js';
import { expectPart, inductionVerify } from './walkthrough-doc.js';

describe('docs/walkthrough.md', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it("the induction model's verification is what `pathsum verify` prints", async () => {
    expectPart(3, await inductionVerify());
  });
});
