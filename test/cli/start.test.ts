// `npm start`: the tour on the shipped induction model, end to end in-process.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import katex from 'katex';
import { describe, expect, it } from 'vitest';
import { memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';

describe('pathsum start', () => {
  it('tells the induction story: summary, size, top terms, verification, LaTeX', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pathsum-start-')), 'tour.tex');
    const io = memoryIo();
    expect(await main(['start', '-o', file], io)).toBe(0);
    const out = io.out();
    expect(out).toContain('induction (examples/induction/induction.pathsum)');
    expect(out).toMatch(/^ {4}total +53,300 +303,050$/m);
    const prediction = /prediction at position 14: token (\d+) \(logit (-?[\d.]+)\)/.exec(out)!;
    expect(Number(prediction[1])).toBe(2); // the token that followed 14 in the first half
    const sum = Number(/the 53,300 path terms add up to that logit, (-?[\d.]+);/.exec(out)![1]);
    expect(Math.abs(sum - Number(prediction[2]))).toBeLessThan(2e-3);
    const rows = (title: string) => out.slice(out.indexOf(title)).split('\n').slice(2, 10);
    const families = rows('by family, the 8 largest');
    expect(families.every(l => /^ +-?\d+\.\d{3} +-?[\d.]+% +\d+ {2}\S/.test(l))).toBe(true);
    const terms = rows('the 8 largest single terms');
    expect(terms.every(l => /^ +-?\d+\.\d{3} +-?[\d.]+% {2}\S/.test(l))).toBe(true);
    // the layer-1 head that copies is the one most terms of the answer pass through
    expect(out).toMatch(/through each head \(.*\): 1\.\d \d+\.\d%/);
    const check = /on 20 random inputs \(seed 2021\): worst max\|error\| (\S+), logits up to (\S+)/.exec(out)!;
    expect(Number(check[1])).toBeLessThan(1e-4 * Math.max(1, Number(check[2])));
    const tex = readFileSync(file, 'utf8');
    const lines = [...tex.matchAll(/^(?:\\text\{logits\} &= |&\\quad \+ )(.*?)(?: \\\\)?$/gm)].map(m => m[1]!);
    expect(lines).toHaveLength(8);
    for (const l of lines) expect(() => katex.renderToString(l, { throwOnError: true })).not.toThrow();
    expect(out).toContain(`wrote ${file}`);
  });
});
