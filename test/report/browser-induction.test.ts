// The induction model's report in a real browser (./chromium.ts): its 20 top terms typeset among 53,300,
// with the score terms of head 1.1. `npm run golden` also writes docs/report-induction.png, the
// screenshot docs/walkthrough.md shows. A file of its own: evaluating every term takes most of its time.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { goldenMode } from '../golden.js';
import { browserTitle, CHROMIUM, expectReadable, requireChromium, useChromium } from './chromium.js';
import { decodePng, pixelStatistics } from './png.js';
import { REPORT_COMMAND, SCREENSHOT } from './walkthrough-part.js';

requireChromium('test/report/browser-induction.test.ts');

// the laws are checked on modadd's page (browser.test.ts); here they would double the file's time
const INDUCTION = ['examples/induction', '--tokens', '3,17,8,21,5,11,14,2,3,17,8,21,5,11,14', '--runs', '0'];

describe.skipIf(!CHROMIUM)(browserTitle, () => {
  const chromium = useChromium();

  // the report is written in a hook and read in the test, so that neither runs long
  describe('induction', () => {
    let file: string;
    beforeAll(async () => {
      file = await chromium.report('induction', [...INDUCTION, '--scores', '1.1']);
    });

    it('no console error, no request, formulas typeset, every chart drawn, not blank', async () => {
      const opened = await chromium.open(file);
      await expectReadable(opened);
      await opened.page.close();
    });
  });

  it(`${SCREENSHOT} is a screenshot of the induction report`, async () => {
    if (goldenMode() === 'write') {
      // the command docs/walkthrough.md shows, word for word: the page prints it at its top
      const io = memoryIo();
      if ((await main(['report', ...REPORT_COMMAND.args], io)) !== 0) throw new Error(io.err());
      const { page } = await chromium.open(resolve(REPORT_COMMAND.output), 1800);
      writeFileSync(SCREENSHOT, await page.screenshot({ type: 'png' }));
      await page.close();
    }
    const image = decodePng(readFileSync(SCREENSHOT));
    expect([image.width, image.height]).toEqual([1280, 1800]);
    expect(pixelStatistics(image).variance).toBeGreaterThan(100);
  });
});
