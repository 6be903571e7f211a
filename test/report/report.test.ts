// pathsum report without a browser: its figures are eval's (the same terms, contributions, families,
// heads, target logit and maxAbsError), the page fetches nothing, every chart mark carries a tooltip with
// its exact number, a model over --max-terms gets the sections that need no term, and bad input is one
// line with no file written. Each report is built once, in a hook, and as light as its tests allow.
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { expand } from '../../src/model/expand.js';
import { useBackend } from '../../src/numeric/backend.js';
import { loadModel } from '../../src/numeric/model.js';
import { heatmap, renderSvg, withTitles } from '../../src/render/report/charts.js';
import { reportData } from '../../src/render/report/data.js';

async function cli(...argv: string[]) {
  const io = memoryIo();
  const code = await main(argv, io);
  return { code, out: io.out(), err: io.err() };
}

interface Embedded {
  target: { position: number; token: number; predicted: boolean };
  logit: number;
  sum: number;
  termCount: number;
  terms: { path: string; coefficient: number; text: string; contribution: number }[];
  families: { group: string; terms: number; contribution: number }[];
  heads: { group: string; terms: number; contribution: number }[];
  maxAbsError: number;
  laws: { law: string; passed: boolean }[];
  tooManyTerms?: { count: string; maxTerms: number };
}

const embedded = (html: string) =>
  JSON.parse(/<script type="application\/json" id="pathsum-data">(.*?)<\/script>/s.exec(html)![1]!) as Embedded;

const MODADD = ['examples/modadd', '--tokens', '17,25,59', '--backend', 'wasm', '--quiet'];

describe('pathsum report on examples/modadd', () => {
  let html = '';
  beforeAll(async () => {
    await useBackend('wasm');
    const { code, out, err } = await cli('report', ...MODADD);
    expect(err).toBe('');
    expect(code).toBe(0);
    html = out;
  });

  it('lists the terms eval --json lists, with its contributions (float32: two evaluation orders)', async () => {
    const { out } = await cli('eval', ...MODADD, '--json');
    const json = JSON.parse(out) as {
      terms: { path: unknown; coefficient: number; text: string; logits: number[][] }[];
    };
    const report = embedded(html);
    expect(report.termCount).toBe(json.terms.length);
    expect(report.terms).toHaveLength(json.terms.length); // 20 terms, --top 20
    const { position, token } = report.target;
    for (const term of report.terms) {
      const same = json.terms.find(t => JSON.stringify(t.path) === term.path)!;
      expect(same).toBeDefined();
      expect([term.coefficient, term.text]).toEqual([same.coefficient, same.text]);
      // eval --json reads each term's full logits, the table its read-out contribution: the same float32
      // quantity summed in two orders, within 1e-6 of the logit's scale
      expect(Math.abs(term.contribution - same.logits[position]![token]!)).toBeLessThan(1e-6 * Math.abs(report.logit));
    }
  });

  it("prints eval's table: the same rounded contributions, shares, target logit, Σ and families", async () => {
    const { out } = await cli('eval', ...MODADD, '--by-family', '--top', '20');
    const report = embedded(html);
    const cell = '<td class="n">([^<]+)</td>';
    const row = '<tr title="[^"]*" data-path="[^"]*" data-contribution="[^"]*"><td class="n">\\d+</td>';
    const ROW = new RegExp(`${row}${cell}${cell}`, 'g');
    const rows = [...out.matchAll(/^ +(\d+) +(-?\d+\.\d{4}) +(-?\d+\.\d%) +\d+ {2}/gm)].map(m => [m[2], m[3]]);
    const shown = [...html.matchAll(ROW)].map(m => [m[1], m[2]]);
    expect(rows).toHaveLength(20);
    expect(shown).toEqual(rows);
    const header = /= (-?\d+\.\d{4}); Σ of the 20 terms = (-?\d+\.\d{4})/.exec(out)!;
    expect([report.logit.toFixed(4), report.sum.toFixed(4)]).toEqual([header[1], header[2]]);
    expect(html).toContain(`= <span title="${report.logit}">${header[1]}</span>`);
    const families = [...out.matchAll(/^ +(-?\d+\.\d{4}) +-?\d+\.\d% +(\d+) {2}(.+)$/gm)].map(m => [
      m[3],
      m[1],
      Number(m[2]),
    ]);
    expect(report.families.map(f => [f.group, f.contribution.toFixed(4), f.terms])).toEqual(families);
    const error = /maxAbsError (\S+):/.exec(out)![1];
    expect(report.maxAbsError.toExponential(2)).toBe(error);
  });

  it('gives each family bar its exact contribution as a tooltip', () => {
    for (const f of embedded(html).families)
      expect(html).toContain(`<title>${f.group}: contribution ${f.contribution}, share`);
  });

  it('is self-contained: no link, no script to run, no URL but data: URLs, KaTeX fonts embedded', () => {
    expect(html).not.toMatch(/<link|<img|<iframe|<script(?! type="application\/json")/);
    expect(html).not.toMatch(/\b(src|href)=/);
    const urls = [...html.matchAll(/url\(([^)]*)\)/g)].map(m => m[1]!);
    expect(urls.length).toBeGreaterThanOrEqual(20); // KaTeX's 20 fonts
    const ids = [...html.matchAll(/\bid="([^"]+)"/g)].map(m => m[1]!);
    expect(new Set(ids).size).toBe(ids.length);
    // the rest refer to an element of the page: a legend's gradient
    const references = urls.filter(u => !u.startsWith('data:font/woff2;base64,'));
    expect(references.length).toBeGreaterThan(0);
    for (const r of references) expect(ids).toContain(r.replace(/^#/, ''));
  });

  it('typesets every listed term (KaTeX, no error node) and titles every chart mark', () => {
    expect(html).not.toContain('katex-error');
    expect(html.match(/<td class="formula"><span class="katex">/g)).toHaveLength(20);
    const svgs = [...html.matchAll(/<svg[\s\S]*?<\/svg>/g)].map(m => m[0]);
    expect(svgs).toHaveLength(3 + 4 + 2 + 3); // logits, families, heads; 4 heads; Q_u, spectrum; 3 profiles
    for (const svg of svgs) {
      const marks = svg.match(/role="graphics-symbol"[^>]*aria-roledescription="(bar|rect mark)"[^>]*>/g) ?? [];
      expect(marks.length).toBeGreaterThan(0);
      expect(marks.every(m => !m.endsWith('/>'))).toBe(true);
    }
  });

  it('folds the trace tree into <details>, its root the target logit', () => {
    const report = embedded(html);
    const tree = /<div class="tree">\n<details open><summary><span title="([^"]+)">/.exec(html);
    expect(Number(tree![1])).toBe(report.logit);
    expect(html.match(/<details/g)!.length).toBeGreaterThan(1);
  });

  it('says which sections are absent and shows the laws of verify', () => {
    const report = embedded(html);
    expect(report.laws.length).toBeGreaterThanOrEqual(3);
    expect(report.laws.every(l => l.passed)).toBe(true);
    expect(html).toMatch(/<span class="ok">ok<\/span> Σ terms = forward logits: 1 runs/);
  });
});

describe('pathsum report --scores', () => {
  it("lists eval --scores's terms: the same contributions, and they add up to the head's score", async () => {
    const args = ['examples/induction', '--tokens', '3,17,8,21,5,11,14', '--backend', 'wasm', '--quiet'];
    // --max-terms 1: the 53,300 path terms are not evaluated, the score terms are
    const light = ['--runs', '0', '--budget', '0', '--max-terms', '1'];
    const report = await cli('report', ...args, '--scores', '1.1', '--top', '5', ...light);
    expect(report.code).toBe(0);
    const html = report.out;
    const evaluated = (await cli('eval', ...args, '--scores', '1.1', '--top', '5')).out;
    const rows = [...evaluated.matchAll(/^ +\d+ +(-?\d+\.\d{4}) +(-?\d+\.\d%)/gm)].map(m => [m[1], m[2]]);
    const cell = '<td class="n">([^<]+)</td>';
    const shown = [
      ...html.matchAll(new RegExp(`<tr title="contribution [^"]+"><td class="n">\\d+</td>${cell}${cell}`, 'g')),
    ];
    expect(rows).toHaveLength(5);
    expect(shown.map(m => [m[1], m[2]]).slice(-5)).toEqual(rows);
    const focus = /score of head 1\.1, query position (\d+) → key position (\d+) .* = (-?[\d.]+); Σ/.exec(evaluated)!;
    expect(html).toContain(`query position ${focus[1]} → key position ${focus[2]}`);
    const [score, sum] = [...html.matchAll(/= <span title="([^"]+)">/g)].slice(-2).map(m => Number(m[1]));
    expect(score!.toFixed(4)).toBe(focus[3]);
    // Σ terms (float64 products of float32 projections) = the forward pass's float32 score
    expect(Math.abs(sum! - score!)).toBeLessThan(1e-4 * Math.max(1, Math.abs(score!)));
    expect(html).not.toContain('katex-error');
  });
});

describe('the report data', () => {
  it('holds causal attention patterns whose rows sum to 1 (float32)', async () => {
    await useBackend('wasm');
    const model = loadModel('examples/induction');
    const tokens = [3, 17, 8, 21, 5, 3, 17];
    const terms = [...expand(model.arch, { maxDegree: 0 })];
    const data = reportData(model, tokens, terms, { top: 3, runs: 0, seed: 0, simplify: true, budget: 5 });
    expect(data.attention.map(h => `${h.layer}.${h.head}`)).toEqual([
      '0.0',
      '0.1',
      '0.2',
      '0.3',
      '1.0',
      '1.1',
      '1.2',
      '1.3',
    ]);
    for (const { pattern } of data.attention) {
      pattern.forEach((row, q) => {
        expect(Math.abs(row.reduce((s, x) => s + x, 0) - 1)).toBeLessThan(1e-6);
        expect(row.slice(q + 1).every(x => x === 0)).toBe(true);
      });
    }
    // the trace tree: the root is the logit, and an expanded node's children add up to it (float32)
    expect(data.trace[0]!.contribution).toBe(data.logits[data.target.token]);
    const expanded = data.trace.filter(n => n.expanded);
    expect(expanded).toHaveLength(5);
    for (const node of expanded) {
      const children = data.trace.filter(c => c.parent === node.id);
      const sum = children.reduce((s, c) => s + c.contribution, 0);
      const mass = children.reduce((s, c) => s + Math.abs(c.contribution), 0);
      expect(Math.abs(sum - node.contribution)).toBeLessThan(1e-5 * Math.max(1, mass));
    }
    expect(data.bilinear.map(b => [b.features.layer, b.matrix.rows])).toEqual([
      [0, 64],
      [1, 64],
    ]);
  });
});

describe('charts', () => {
  it('a heatmap has one titled cell per entry, its exact value in the title', async () => {
    const values = [
      [0.125, -2.5e-7],
      [1 / 3, 42],
    ];
    const labels = ['a', 'b'];
    const cells = values.flatMap((row, i) =>
      row.map((value, j) => ({ x: labels[j]!, y: labels[i]!, value, tip: `cell ${i},${j} = ${value}` })),
    );
    const svg = await renderSvg(
      heatmap(cells, { x: { title: 'x', labels }, y: { title: 'y', labels }, scale: 'diverging' }),
      'test',
    );
    const titles = [...svg.matchAll(/<title>([^<]*)<\/title>/g)].map(m => m[1]).sort();
    expect(titles).toEqual(['cell 0,0 = 0.125', 'cell 0,1 = -2.5e-7', `cell 1,0 = ${1 / 3}`, 'cell 1,1 = 42']);
  });

  it('withTitles titles self-closed labelled elements only', () => {
    const svg = '<g aria-label="axis"><path aria-label="a &amp; b" d="M0"/><path d="M1"/></g>';
    expect(withTitles(svg)).toBe(
      '<g aria-label="axis"><path aria-label="a &amp; b" d="M0"><title>a &amp; b</title></path><path d="M1"/></g>',
    );
  });
});

describe('pathsum report: bad input', () => {
  const directory = () => mkdtempSync(join(tmpdir(), 'pathsum-report-'));

  it.each([
    'out.htm',
    'out.html.tmp',
    'out',
    'report.tex',
  ])('refuses -o %s before any work, writing nothing', async name => {
    const dir = directory();
    const { code, err } = await cli('report', ...MODADD, '-o', join(dir, name));
    expect({ code, err }).toEqual({
      code: 1,
      err: `pathsum: report: the output file must end in .html, found '${join(dir, name)}'\n`,
    });
    expect(readdirSync(dir)).toEqual([]);
  });

  it.each([
    [['examples/modadd'], 'pathsum: report: --tokens is required (comma-separated token ids, e.g. --tokens 3,14,15)\n'],
    [
      ['examples/modadd', '--tokens', '1,2,99'],
      'pathsum: report: --tokens: token 99 (item 3) is outside the vocabulary of 60\n',
    ],
    [
      ['examples/modadd', '--tokens', '1,2', '--position', '2'],
      'pathsum: report: --position 2 is past the last of the 2 tokens\n',
    ],
    [
      ['examples/modadd', '--tokens', '1,2', '--target', '60'],
      'pathsum: report: --target 60 is not a token of this model (vocab 60)\n',
    ],
    [
      ['examples/modadd', '--tokens', '1,2', '--runs', 'x'],
      "pathsum: report: --runs must be an integer from 0 to 10000, found 'x'\n",
    ],
    [
      ['examples/modadd', '--tokens', '1,2', '--max-terms', '0'],
      "pathsum: report: --max-terms must be an integer ≥ 1, found '0'\n",
    ],
    [[], "pathsum: report takes one spec, found 0; see 'pathsum report --help'\n"],
  ])('%j: one line, exit 1', async (args, message) => {
    expect(await cli('report', ...args)).toEqual({ code: 1, out: '', err: message });
  });

  it('writes the page to -o whole, and says so', async () => {
    const file = join(directory(), 'modadd.html');
    const { code, err } = await cli('report', ...MODADD, '--runs', '0', '--budget', '0', '-o', file);
    expect(code).toBe(0);
    expect(err).toBe(`wrote ${file}: 20 terms on 3 tokens\n`);
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file, 'utf8')).toMatch(/^<!DOCTYPE html>[\s\S]*<\/html>\n$/);
  });
});

/** The sentence each term-based section shows in place of its content. */
const notComputed = (count: string, limit: string) =>
  `<p class="absent">Not computed: the model has ${count} path terms, more than the ${limit} a report holds at ` +
  'once. The trace tree explains the logit exactly instead';

const sectionOf = (html: string, id: string) =>
  new RegExp(`<section id="${id}">[\\s\\S]*?</section>`).exec(html)?.[0] ?? '';

describe('pathsum report --max-terms', () => {
  const light = [...MODADD, '--runs', '0', '--budget', '5'];

  it('lists every term at the limit, and none one below it (modadd has 20 terms)', async () => {
    const at = await cli('report', ...light, '--max-terms', '20');
    expect(embedded(at.out).termCount).toBe(20);
    expect(at.out).not.toContain('Not computed: the model has');
    const below = await cli('report', ...light, '--max-terms', '19');
    expect(below.code).toBe(0);
    expect(embedded(below.out).tooManyTerms).toEqual({ count: '20', maxTerms: 19 });
    for (const id of ['contributions', 'terms', 'verification'])
      expect(sectionOf(below.out, id), id).toContain(notComputed('20', '19'));
    // the same forward pass either way: the same target logit
    expect(embedded(below.out).logit).toBe(embedded(at.out).logit);
  });
});

describe('pathsum report on a deep model (examples/hf-induction: 3 layers, 331,569,875 terms)', () => {
  // a repeated sequence: an induction model predicts the token that followed 14 the first time, 2
  const tokens = '3,17,8,21,5,11,14,2,3,17,8,21,5,11,14';
  const file = join(mkdtempSync(join(tmpdir(), 'pathsum-report-')), 'hf.html');
  let err = '';
  let html = '';
  beforeAll(async () => {
    await useBackend('wasm');
    const args = ['examples/hf-induction', '--tokens', tokens, '--scores', '1.1', '--top', '5'];
    const run = await cli('report', ...args, '--backend', 'wasm', '--quiet', '-o', file);
    expect(run.code).toBe(0);
    err = run.err;
    html = readFileSync(file, 'utf8');
  });

  it('counts the terms instead of expanding them, and says so', () => {
    expect(err).toBe(
      `wrote ${file}: 15 tokens; the model's 331,569,875 path terms are more than --max-terms 2,000,000, ` +
        'so no term is listed\n',
    );
    expect(embedded(html).tooManyTerms).toEqual({ count: '331,569,875', maxTerms: 2_000_000 });
    expect(embedded(html).terms).toBeUndefined();
  });

  it('leaves out the sections built from terms, each with the reason', () => {
    for (const id of ['contributions', 'terms', 'verification'])
      expect(sectionOf(html, id), id).toContain(notComputed('331,569,875', '2,000,000'));
    expect(html).not.toContain('<table class="terms">');
  });

  it('shows the model, the prediction, 12 heads, 3 bilinear layers and the score terms', () => {
    expect(sectionOf(html, 'model')).toContain('hf_induction (examples/hf-induction/config.json)');
    expect(embedded(html).target).toEqual({ position: 14, token: 2, predicted: true });
    const figures = [...html.matchAll(/<figure class="chart" id="([^"]+)"/g)].map(m => m[1]!);
    const heads = figures.filter(id => id.startsWith('head-'));
    expect(heads).toEqual([0, 1, 2].flatMap(l => [0, 1, 2, 3].map(h => `head-${l}-${h}`)));
    expect(figures.filter(id => /^(q|spectrum)-/.test(id)).sort()).toEqual([
      'q-0',
      'q-1',
      'q-2',
      'spectrum-0',
      'spectrum-1',
      'spectrum-2',
    ]);
    expect(sectionOf(html, 'scores').match(/<td class="formula"><span class="katex">/g)).toHaveLength(5);
    expect(html).not.toContain('katex-error');
  });

  it('explains the logit by the trace tree: its root is the logit, 100.0% of it, and it unfolds', () => {
    const tree = sectionOf(html, 'trace');
    const root = /<div class="tree">\n<details open><summary><span title="([^"]+)">[^<]*<\/span> (.*?)<code>/.exec(
      tree,
    );
    expect(Number(root![1])).toBe(embedded(html).logit);
    expect(root![2]).toBe('<span class="share">100.0%</span> ');
    expect(tree.match(/<details/g)!.length).toBeGreaterThan(1);
  });
});
