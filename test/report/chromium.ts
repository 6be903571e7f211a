// Reports opened in Debian's headless Chromium, driven by puppeteer-core (which downloads no browser),
// for the browser test files: each page loads with no console error and no request but for the file
// itself, every formula is typeset (no KaTeX error node), every chart has marks of non-zero size, and a
// screenshot is not blank. Without a Chromium the tests are skipped and say so; under CI=true they fail.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { useBackend } from '../../src/numeric/backend.js';
import { decodePng, pixelStatistics } from './png.js';

export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync);
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const ci = process.env.CI === 'true';

/** The title of a file's describe block: the browser, or why its tests are skipped. */
export const browserTitle = `reports in headless Chromium (${CHROMIUM ?? 'SKIPPED: no Chromium found'})`;

/** Says plainly that `file` skips its tests, and under CI fails instead. */
export function requireChromium(file: string): void {
  if (!CHROMIUM && !ci)
    process.stderr.write(`${file}: SKIPPED, no Chromium at /usr/bin/chromium (apt-get install chromium)\n`);
  it.runIf(ci)('under CI a Chromium is installed (.ci/run installs it)', () => {
    expect(CHROMIUM, 'no Chromium at /usr/bin/chromium: .ci/run should have installed it').toBeDefined();
  });
}

interface Inspection {
  formulas: number;
  cells: number;
  katexErrors: number;
  katexFont: boolean;
  /** Per chart: its marks (elements with a tooltip), and how many of them have a non-empty box. */
  charts: { id: string; marks: number; drawn: number }[];
}

/** Run in the page (a string: the test is compiled without the DOM's types). */
const INSPECT = `(() => ({
  formulas: document.querySelectorAll('td.formula .katex').length,
  cells: document.querySelectorAll('td.formula').length,
  katexErrors: document.querySelectorAll('.katex-error').length,
  katexFont: document.fonts.check('16px KaTeX_Main'),
  charts: [...document.querySelectorAll('figure.chart')].map(figure => {
    const marks = [...figure.querySelectorAll('svg [role="graphics-symbol"] > title')].map(t => t.parentElement);
    const drawn = marks.filter(m => {
      const box = m.getBBox();
      return box.width > 0 && box.height > 0;
    });
    return { id: figure.id, marks: marks.length, drawn: drawn.length };
  }),
}))()`;

export interface OpenedPage {
  readonly page: Page;
  /** Every request but the file's own and data: URLs, refused. */
  readonly requests: string[];
  readonly errors: string[];
}

export interface Chromium {
  readonly browser: () => Browser;
  /** `pathsum report ARGS --quiet --backend wasm -o FILE` in a temporary folder; the file. */
  readonly report: (name: string, args: readonly string[]) => Promise<string>;
  readonly open: (file: string, height?: number) => Promise<OpenedPage>;
}

/** A browser for the describe block it is called in: launched before its tests, closed after them. */
export function useChromium(): Chromium {
  const directory = mkdtempSync(join(tmpdir(), 'pathsum-browser-'));
  let browser: Browser | undefined;

  beforeAll(async () => {
    await useBackend('wasm');
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [...FLAGS, `--user-data-dir=${join(directory, 'profile')}`],
    });
  });

  afterAll(async () => {
    await browser?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  async function report(name: string, args: readonly string[]): Promise<string> {
    const file = join(directory, `${basename(name)}.html`);
    const io = memoryIo();
    const code = await main(['report', ...args, '--quiet', '--backend', 'wasm', '-o', file], io);
    if (code !== 0) throw new Error(`report ${name} exited ${code}: ${io.err()}`);
    return file;
  }

  async function open(file: string, height = 1600): Promise<OpenedPage> {
    const page = await browser!.newPage();
    await page.setViewport({ width: 1280, height });
    const url = pathToFileURL(file).href;
    const requests: string[] = [];
    const errors: string[] = [];
    await page.setRequestInterception(true);
    page.on('request', request => {
      // data: URLs (the embedded fonts) are read from the page itself, not fetched
      if (request.url() === url || request.url().startsWith('data:')) return void request.continue();
      requests.push(request.url());
      return void request.abort();
    });
    page.on('console', message => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', error => errors.push(String(error)));
    await page.goto(url, { waitUntil: 'load' });
    await page.evaluate('document.fonts.ready.then(() => undefined)');
    return { page, requests, errors };
  }

  return { browser: () => browser!, report, open };
}

/** The checks every report passes in the browser: no error, no request, formulas typeset, charts drawn, not blank. */
export async function expectReadable({ page, requests, errors }: OpenedPage): Promise<void> {
  expect(errors).toEqual([]);
  expect(requests).toEqual([]);
  const seen = (await page.evaluate(INSPECT)) as Inspection;
  expect(seen.katexErrors).toBe(0);
  expect(seen.formulas).toBe(seen.cells);
  expect(seen.formulas).toBeGreaterThanOrEqual(20);
  expect(seen.katexFont).toBe(true);
  expect(seen.charts.length).toBeGreaterThanOrEqual(12);
  for (const chart of seen.charts) expect(chart.drawn, chart.id).toBeGreaterThan(0);
  const shot = pixelStatistics(decodePng(await page.screenshot({ type: 'png' })));
  expect(shot.variance).toBeGreaterThan(100);
  expect(shot.colours).toBeGreaterThan(50);
}
