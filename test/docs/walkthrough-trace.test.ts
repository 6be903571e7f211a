// docs/walkthrough.md, its part on tracing examples/hf-induction (./walkthrough-trace.ts): the command shown
// runs and prints what the document says, and the prose's figures are the trace's; `npm run golden` rewrites it.
import { beforeAll, describe, it } from 'vitest';
import { useBackend } from '../../src/numeric/backend.js';
import { expectPart } from './walkthrough-doc.js';
import { TRACE_ANCHOR, traceSection } from './walkthrough-trace.js';

describe('docs/walkthrough.md', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it(`'${TRACE_ANCHOR}' shows what trace prints on the 3-layer folder`, async () => {
    expectPart(6, await traceSection());
  });
});
