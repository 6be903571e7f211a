import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import katex from 'katex';
import { describe, expect, it } from 'vitest';
import { countTerms } from '../../src/model/count.js';
import { expand } from '../../src/model/expand.js';
import { pathFromJSON, pathToJSON } from '../../src/paths/path.js';
import { DenseEvaluator } from '../../src/formula/evaluate-dense.js';
import { maxAbsDifference } from '../../src/linalg/matrix.js';
import { formula } from '../../src/model/term-formula.js';
import * as N from '../../src/formula/nodes.js';
import { parseFormula } from '../../src/formula/parse-formula.js';
import { factor } from '../../src/model/factor.js';
import { loadSpec } from '../../src/model/spec.js';
import { memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { expectGolden } from '../golden.js';
import { randomDenseEnv } from '../arbitraries.js';

async function cli(...argv: string[]) {
  const io = memoryIo();
  const code = await main(argv, io);
  return { code, out: io.out(), err: io.err() };
}

type PathJSON = { kind: string; of?: PathJSON; left?: PathJSON; right?: PathJSON };
/** The degree by docs/design.md §3: embed 1, pos and biases 0, a head keeps its input's, a pair adds. */
const degreeOf = (p: PathJSON): number =>
  p.kind === 'embed' ? 1 : p.of ? degreeOf(p.of) : p.left && p.right ? degreeOf(p.left) + degreeOf(p.right) : 0;

const examples = readdirSync('examples')
  .filter(f => f.endsWith('.pathsum') && f !== 'big.pathsum')
  .sort();

describe('pathsum expand', () => {
  it('prints the nine symmetrized terms of the one-layer, two-head model in paper notation', async () => {
    const { code, out } = await cli('expand', 'examples/seed1.pathsum');
    expect(code).toBe(0);
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(9);
    expect(lines).toContain('A^{0.1} ⊗ W_U W_OV^{0.1} W_E');
    expect(lines).toContain('2 · A^{0.0} • A^{0.1} ⊗ W_U B_sym^{0}(W_OV^{0.0} W_E, W_OV^{0.1} W_E)');
  });

  describe.each(examples)('%s', file => {
    const stem = file.replace(/\.pathsum$/, '');
    const arch = loadSpec(`examples/${file}`);
    const count = countTerms(arch).total;
    const small = 'exact' in count && count.exact <= 200n;

    it.each(['text', 'latex'] as const)('%s output matches its golden file', async format => {
      const { out } = await cli('expand', `examples/${file}`, '--format', format, ...(small ? [] : ['--limit', '40']));
      expectGolden(`test/golden/expand/${stem}.${format === 'text' ? 'txt' : 'tex.txt'}`, out);
    });

    it('every text line parses back to the formula it prints, every LaTeX line renders', async () => {
      const text = (await cli('expand', `examples/${file}`, '--limit', '200')).out.trimEnd().split('\n');
      const latex = (await cli('expand', `examples/${file}`, '--limit', '200', '--format', 'latex')).out
        .trimEnd()
        .split('\n');
      const terms = [...expand(arch)].slice(0, 200);
      expect(text).toHaveLength(terms.length);
      terms.forEach((t, i) => {
        expect(parseFormula(text[i]!)).toBe(formula(t, arch));
      });
      for (const l of latex) expect(() => katex.renderToString(l, { throwOnError: true })).not.toThrow();
    });

    it('JSON follows the contract and counts match the closed form', async () => {
      const raw = await cli('expand', `examples/${file}`, '--format', 'json', '--no-simplify', '--limit', '300');
      const simplified = await cli('expand', `examples/${file}`, '--format', 'json', '--limit', '300');
      for (const [result, symmetrized] of [
        [raw, false],
        [simplified, true],
      ] as const) {
        const json = JSON.parse(result.out) as {
          terms: { path: unknown; coefficient: number; degree: number; text: string; latex: string }[];
        };
        expect(Object.keys(json)).toEqual(['terms']);
        const expected = countTerms(arch, { symmetrize: symmetrized }).total;
        if ('exact' in expected && expected.exact <= 300n) expect(BigInt(json.terms.length)).toBe(expected.exact);
        for (const t of json.terms) {
          expect(Object.keys(t)).toEqual(['path', 'coefficient', 'degree', 'text', 'latex']);
          expect(pathToJSON(pathFromJSON(t.path))).toEqual(t.path);
          expect(JSON.stringify(t.path)).not.toContain(`"symmetrized":${!symmetrized}`);
          expect(t.degree).toBe(degreeOf(t.path as PathJSON));
          expect(Number.isFinite(t.coefficient)).toBe(true);
        }
      }
    });
  });

  it('--factor prints a sum with the value of the terms it folds', () => {
    for (const file of ['seed1', 'two-layer', 'full']) {
      const arch = loadSpec(`examples/${file}.pathsum`);
      const terms = [...expand(arch, { maxDegree: 2 })];
      const evaluator = new DenseEvaluator(randomDenseEnv(arch, 11, 3));
      const folded = factor(terms, arch);
      expect(folded.length).toBeLessThan(terms.length);
      const whole = evaluator.value(N.sum(terms.map(t => formula(t, arch))));
      expect(maxAbsDifference(whole, evaluator.value(N.sum(folded)))).toBeLessThan(1e-9);
    }
  });

  it.each([
    [['expand'], "pathsum: expand takes one spec file or model directory, found 0; see 'pathsum expand --help'\n"],
    [
      ['expand', 'examples/seed1.pathsum', '--format', 'html'],
      "pathsum: expand: --format must be text, latex or json, found 'html'\n",
    ],
    [['expand', 'examples/seed1.pathsum', '--ablate', '0.7'], 'pathsum: expand: --ablate 0.7: layer 0 has no head 7\n'],
    [
      ['expand', 'examples/seed1.pathsum', '--ablate', 'x'],
      "pathsum: expand: --ablate takes LAYER.HEAD or LAYER.mlp (e.g. 0.1 or 1.mlp), found 'x'\n",
    ],
    [
      ['expand', 'examples/seed1.pathsum', '--layers', '3'],
      "pathsum: expand: --layers: '3' is not a layer of this model (layers 0 to 0)\n",
    ],
    [
      ['expand', 'examples/seed1.pathsum', '--limit', '0'],
      "pathsum: expand: --limit must be an integer ≥ 1, found '0'\n",
    ],
    [['latex', 'examples/seed1.pathsum'], 'pathsum: latex: name the output file with -o FILE.tex\n'],
  ])('%j is a one-line error', async (argv, message) => {
    const { code, err, out } = await cli(...argv);
    expect({ code, err, out }).toEqual({ code: 1, err: message, out: '' });
  });

  it('ablation and filters agree with the closed-form counts', async () => {
    const { out } = await cli(
      'expand',
      'examples/two-layer.pathsum',
      '--ablate',
      '0.1',
      '--ablate',
      '1.mlp',
      '--max-degree',
      '2',
    );
    const arch = loadSpec('examples/two-layer.pathsum');
    const expected = countTerms(arch, {
      ablateHeads: new Set(['0.1']),
      ablateBilinear: new Set([1]),
      maxDegree: 2,
    }).total;
    expect({ exact: BigInt(out.trimEnd().split('\n').length) }).toEqual(expected);
    expect(out).not.toContain('A^{0.1}');
  });
});

describe('pathsum latex', () => {
  it('writes a standalone amsmath document with one term per paragraph, the whole sum as an equation', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pathsum-')), 'seed1.tex');
    const { code, err } = await cli('latex', 'examples/seed1.pathsum', '-o', file);
    expect(code).toBe(0);
    expect(err).toBe(`wrote ${file}: 9 terms\n`);
    const doc = readFileSync(file, 'utf8');
    expect(doc).toMatch(/^\\documentclass\{article\}\n\\usepackage\{amsmath\}\n/);
    expect(doc.match(/\\usepackage/g)).toHaveLength(1);
    const rows = [...doc.matchAll(/^\\pathterm\{\}\{(.*?)\}\{\$(.*)\$\}$/gm)];
    expect(rows.map(r => r[1])).toEqual(['$\\text{logits} = {}$', ...Array(8).fill('$+$')]);
    for (const [, , line] of rows)
      expect(() => katex.renderToString(line!.replace(/\\penalty\d+ /g, ''), { throwOnError: true })).not.toThrow();
  });
});
