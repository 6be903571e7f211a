// The reports of modadd and of the deep model (examples/hf-induction, whose 331,569,875 terms are over
// --max-terms: the formulas typeset are its score terms') in a real browser (./chromium.ts), and the
// check that a blank page is told from a drawn one. The induction model's page is browser-induction.test.ts.
import { beforeAll, describe, expect, it } from 'vitest';
import { browserTitle, CHROMIUM, expectReadable, requireChromium, useChromium } from './chromium.js';
import { decodePng, pixelStatistics } from './png.js';

requireChromium('test/report/browser.test.ts');

const MODELS = {
  modadd: ['examples/modadd', '--tokens', '17,25,59'],
  'hf-induction': ['examples/hf-induction', '--tokens', '3,17,8,21,5,11,14,2,3,17,8,21,5,11,14', '--scores', '1.1'],
} as const;

describe.skipIf(!CHROMIUM)(browserTitle, () => {
  const chromium = useChromium();

  // the report is written in a hook and read in the test, so that neither runs long
  describe.each(Object.entries(MODELS))('%s', (name, args) => {
    let file: string;
    beforeAll(async () => {
      file = await chromium.report(name, args);
    });

    it('no console error, no request, formulas typeset, every chart drawn, not blank', async () => {
      const opened = await chromium.open(file);
      await expectReadable(opened);
      await opened.page.close();
    });
  });

  it('the blank check can fail: a page of one colour reads back as that colour, variance 0', async () => {
    const page = await chromium.browser().newPage();
    await page.setViewport({ width: 64, height: 48 });
    await page.setContent('<body style="margin:0;background:rgb(10,20,30)"></body>');
    const image = decodePng(await page.screenshot({ type: 'png' }));
    expect([image.width, image.height, ...image.rgb.subarray(0, 3)]).toEqual([64, 48, 10, 20, 30]);
    const { variance, colours } = pixelStatistics(image);
    expect(colours).toBe(1);
    expect(Math.abs(variance)).toBeLessThan(1e-6); // 0 up to float64 rounding of Σx²/n − mean²
    await page.close();
  });
});
