// docs/walkthrough.md, its part on `pathsum report` (./walkthrough-part.ts): the commands shown run and
// print what the document says; `npm run golden` rewrites the part. Each command runs in a hook of its
// own, so that each has the whole default timeout.
import { beforeAll, describe, it } from 'vitest';
import { useBackend } from '../../src/numeric/backend.js';
import { ANCHORS, expectPart } from '../docs/walkthrough-doc.js';
import { DEEP_REPORT_COMMAND, REPORT_ANCHOR, REPORT_COMMAND, reportSection, shownRun } from './walkthrough-part.js';

describe('docs/walkthrough.md', () => {
  let induction = '';
  beforeAll(async () => {
    await useBackend('wasm');
    induction = await shownRun(REPORT_COMMAND);
  });

  describe('with the report of the deep model', () => {
    let deep = '';
    beforeAll(async () => {
      deep = await shownRun(DEEP_REPORT_COMMAND);
    });

    it(`'${REPORT_ANCHOR}' shows what \`pathsum report\` prints`, () => {
      expectPart(ANCHORS.indexOf(REPORT_ANCHOR), reportSection(induction, deep));
    });
  });
});
