// `pathsum latex` chooses its terms as `pathsum expand` does and, given tokens, writes the contributions
// `pathsum eval` computes; a name that is not .tex is refused before anything is written.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';

async function cli(...argv: string[]) {
  const io = memoryIo();
  const code = await main(argv, io);
  return { code, out: io.out(), err: io.err() };
}

const scratch = () => mkdtempSync(join(tmpdir(), 'pathsum-latex-cli-'));

/** The document's rows: label columns and the formula with its break penalties taken out. */
async function rows(...argv: string[]) {
  const file = join(scratch(), 'doc.tex');
  const { code, err } = await cli('latex', ...argv, '-o', file);
  expect({ code, err }).toMatchObject({ code: 0 });
  const doc = readFileSync(file, 'utf8');
  const found = [...doc.matchAll(/^\\pathterm\{(.*?)\}\{(.*?)\}\{\$(.*)\$\}$/gm)].map(([, number, sign, f]) => ({
    number: number!,
    sign: sign!,
    formula: f!.replace(/\\penalty\d+ /g, ''),
  }));
  return { doc, rows: found, err };
}

describe('pathsum latex takes the options of pathsum expand', () => {
  it.each([
    [['examples/seed1.pathsum']],
    [['examples/seed1.pathsum', '--no-simplify']],
    [['examples/two-layer.pathsum', '--factor']],
    [['examples/two-layer.pathsum', '--max-degree', '2', '--ablate', '1.0']],
    [['examples/two-layer.pathsum', '--layers', '1', '--no-simplify', '--limit', '30']],
    [['examples/induction', '--limit', '25']],
  ])('%j: the formulas expand --format latex prints, in its order', async args => {
    const expected = (await cli('expand', ...args, '--format', 'latex')).out.trimEnd().split('\n');
    const { rows: listed } = await rows(...args);
    const [first, ...others] = listed.map(r => (r.sign === '$-$' ? `-${r.formula}` : r.formula));
    expect([first, ...others]).toEqual(expected);
  });

  it('--no-simplify and --factor say what they list', async () => {
    const raw = await rows('examples/seed1.pathsum', '--no-simplify');
    expect(raw.doc).toContain(
      'sum of its 12 ordered path terms (the raw expansion: both orders of every bilinear pair',
    );
    const folded = await rows('examples/seed1.pathsum', '--factor');
    expect(folded.doc).toContain('sum of its 9 path terms, written as 6 formulas');
    expect(folded.err).toMatch(/: 9 terms in 6 formulas\n$/);
  });

  it('filters are named, and the part they keep is not written as the logits', async () => {
    const { doc, rows: listed } = await rows('examples/two-layer.pathsum', '--max-degree', '1', '--layers', '1');
    expect(doc).toMatch(
      new RegExp(
        'The \\d+ path terms of \\\\texttt\\{two\\\\_layer\\} kept by ' +
          '\\\\texttt\\{--max-degree 1\\}, \\\\texttt\\{--layers 1\\} \\(of its [\\d,]+\\)',
      ),
    );
    expect(listed.every(r => r.sign === '')).toBe(true);
    expect(doc).not.toContain('\\text{logits}');
  });
});

describe('pathsum latex --tokens: each term beside its contribution', () => {
  const args = ['examples/modadd', '--tokens', '5,7', '--quiet'];

  it('the contributions of pathsum eval --json, largest first, and the header states what they add up to', async () => {
    const evaluated = JSON.parse((await cli('eval', ...args, '--json')).out) as {
      logits: number[][];
      terms: { latex: string; logits: number[][] }[];
    };
    const last = evaluated.logits.length - 1;
    const target = evaluated.logits[last]!.indexOf(Math.max(...evaluated.logits[last]!));
    const byFormula = new Map(evaluated.terms.map(t => [t.latex, t.logits[last]![target]!]));
    const { doc, rows: listed } = await rows(...args, '--limit', '5');
    expect(doc).toContain('\\pathterm{\\emph{contribution}}{}{\\emph{term}}');
    const terms = listed;
    expect(terms).toHaveLength(5);
    const shown = terms.map(r => Number(/^\$(-?\d+\.\d{4})\$$/.exec(r.number)![1]));
    // eval's term logits and latex's contributions are two float32 routes to the same number; 4 decimals printed
    for (const [i, r] of terms.entries())
      expect(Math.abs(shown[i]! - byFormula.get(r.formula)!)).toBeLessThanOrEqual(0.5e-4 + 1e-4 * Math.abs(shown[i]!));
    const sizes = [...byFormula.values()].map(Math.abs).sort((a, b) => b - a);
    expect(Math.abs(Math.abs(shown[4]!) - sizes[4]!)).toBeLessThan(1e-3);
    expect(doc).toContain(
      `The 5 largest of the ${evaluated.terms.length} path terms of \\texttt{modadd}, by the size of their ` +
        `contribution to the logit of token ${target} at position ${last}`,
    );
    const logit = evaluated.logits[last]![target]!;
    expect(doc).toContain(`of the logit $${logit.toFixed(4)}$`);
    expect(doc).toContain('with the weights \\texttt{examples/\\allowbreak{}modadd/\\allowbreak{}model.safetensors}');
  });

  it('every term listed: the equation, with each contribution beside its term', async () => {
    const { doc, rows: listed } = await rows(...args);
    expect(listed.map(r => r.sign)).toEqual(['$\\text{logits} = {}$', ...Array(19).fill('$+$')]);
    expect(doc).toMatch(/All 20 terms sum to \$-?\d+\.\d{4}\$ there/);
  });
});

describe('pathsum latex refuses', () => {
  it.each(['x.pdf', 'x.tex.pdf', 'x'])('-o %s: one line, exit 1, nothing written', async name => {
    const dir = scratch();
    const { code, out, err } = await cli('latex', 'examples/seed1.pathsum', '-o', join(dir, name));
    expect({ code, out, err }).toEqual({
      code: 1,
      out: '',
      err: `pathsum: latex: the output file must end in .tex, found '${join(dir, name)}'\n`,
    });
    expect(readdirSync(dir)).toEqual([]);
  });

  it.each([
    [
      ['--factor', '--no-simplify'],
      'latex: --factor folds the simplified sum; it cannot be combined with --no-simplify',
    ],
    [
      ['--factor', '--tokens', '1,2'],
      'latex: --factor folds terms into formulas that have no contribution of their own; ' +
        'it cannot be combined with --tokens',
    ],
    [
      ['--weights', 'w.safetensors'],
      'latex: --weights applies to the contributions, which are computed on a token sequence: give --tokens too',
    ],
    [
      ['--target', '3'],
      'latex: --target applies to the contributions, which are computed on a token sequence: give --tokens too',
    ],
    [['--tokens', '1,2', '--target', '99'], 'latex: --target 99 is not a token of this model (vocab 64)'],
    [['--tokens', '1,2', '--position', '2'], 'latex: --position 2 is past the last of the 2 tokens'],
  ])('%j', async (flags, message) => {
    const dir = scratch();
    const { code, err } = await cli('latex', 'examples/seed1.pathsum', '-o', join(dir, 'x.tex'), ...flags);
    expect({ code, err }).toEqual({ code: 1, err: `pathsum: ${message}\n` });
    expect(readdirSync(dir)).toEqual([]);
  });
});
