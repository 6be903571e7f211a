// `npm start`: the tour on the shipped induction model, end to end in-process. Its steps run one to a
// hook, as `pathsum start -o FILE` runs them (src/cli/start.ts), so that none runs long; the hooks are
// nested, one describe block inside the other, so they run in order and all before the test.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import katex from 'katex';
import { describe, expect, it } from 'vitest';
import { hooksInOrder } from '../hooks-in-order.js';
import { memoryIo } from '../../src/cli/io.js';
import { tourSteps } from '../../src/cli/start.js';
import { compileAll, hasPdflatex, inCI, overfullBoxes } from '../render/pdflatex.js';

/** The terms on the tour's input, the check on 20 random inputs, the document. */
const STEPS = 3;

const file = join(mkdtempSync(join(tmpdir(), 'pathsum-start-')), 'tour.tex');
const io = memoryIo();
let steps: (() => void)[];

async function runStep(step: number): Promise<void> {
  if (step === 0) {
    const prepared = await tourSteps(['-o', file], io);
    if (typeof prepared === 'number') throw new Error(`pathsum start exited ${prepared}: ${io.err()}`);
    steps = prepared;
    expect(steps).toHaveLength(STEPS);
  }
  steps[step]!();
}

describe('pathsum start', () => {
  hooksInOrder(STEPS, step => `step ${step + 1} of ${STEPS}`, runStep, tourTest);
});

function tourTest(): void {
  it('tells the induction story: summary, size, top terms, verification, LaTeX', async () => {
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
    const texRows = [...tex.matchAll(/^\\pathterm\{\$(-?\d+\.\d{4})\$\}\{\}\{\$(.*)\$\}$/gm)];
    expect(texRows).toHaveLength(8);
    for (const [, , l] of texRows)
      expect(() => katex.renderToString(l!.replace(/\\penalty\d+ /g, ''), { throwOnError: true })).not.toThrow();
    // the document states the part it shows, with the numbers the tour printed
    expect(tex).toContain('The 8 largest of the 53,300 path terms of \\texttt{induction}');
    const [, sum8, logitTex] = /they sum to \$(-?[\d.]+)\$ of the logit \$(-?[\d.]+)\$/.exec(tex)!;
    // each row and the sum are rounded to 4 decimals, the tour's logit to 3
    const rounded = texRows.reduce((s, [, c]) => s + Number(c), 0);
    expect(Math.abs(Number(sum8) - rounded)).toBeLessThanOrEqual(9 * 0.5e-4);
    expect(Math.abs(Number(logitTex) - Number(prediction[2]))).toBeLessThanOrEqual(0.5e-3 + 0.5e-4);
    expect(tex).not.toContain('logits} =');
    if (hasPdflatex) {
      const [compiled] = await compileAll([file]);
      expect(compiled!.status).toBe(0);
      expect(overfullBoxes(compiled!.log).filter(pt => pt > 5)).toEqual([]);
    } else if (inCI) expect.fail('CI has no pdflatex to compile the tour document');
    expect(out).toContain(`wrote ${file}`);
  });
}
