// Every kind of document `pathsum latex` writes, for every example model, compiles with pdflatex with no
// error and no line sticking out of the page by more than 5 pt (the tour's document: test/cli/start.test.ts).
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { DEFAULT_MAX_TERMS } from '../../src/cli/term-limit.js';
import type { Architecture } from '../../src/language/architecture.js';
import { countTerms } from '../../src/model/count.js';
import { parameterCount } from '../../src/model/weights.js';
import { loadSpecSource } from '../../src/numeric/spec-source.js';
import {
  type Compiled,
  compileAll,
  fragmentDocument,
  hasPdflatex,
  inCI,
  overfullBoxes,
  SKIP_NOTE,
  texErrors,
} from './pdflatex.js';

/** The slack we allow TeX: a box this much too wide is invisible on paper. */
const TOLERANCE_PT = 5;

const examples = readdirSync('examples')
  .filter(f =>
    f.endsWith('.pathsum')
      ? true
      : ['config.json', `${f}.pathsum`].some(inside => existsSync(join('examples', f, inside))),
  )
  .sort();

/** A filter that removes some terms of every model: its later layers, or its first head or bilinear block. */
const filter = (arch: Architecture) =>
  arch.layers.length > 1 ? ['--layers', '0'] : ['--ablate', arch.layers[0]!.attention ? '0.0' : '0.mlp'];
const tokens = (arch: Architecture) => [
  '--tokens',
  [1, 2, 3, 4]
    .slice(0, arch.context)
    .map(t => t % arch.vocab)
    .join(','),
];
// numeric/model.ts draws random weights up to 50M parameters (examples/big.pathsum has more)
const large = (arch: Architecture) => parameterCount(arch) > 50_000_000n;
/** A long expansion's documents list 300 terms (2000 by default): the same kinds of lines, fewer pages. */
const limit = (arch: Architecture) => {
  const total = countTerms(arch).total;
  return 'exact' in total && total.exact <= 2000n ? [] : ['--limit', '300'];
};

/** Evaluating ranks every term, so a model past the default --max-terms keeps its paths of degree 1. */
const heldAtOnce = (arch: Architecture) => {
  const total = countTerms(arch).total;
  return 'exact' in total && total.exact <= BigInt(DEFAULT_MAX_TERMS) ? [] : ['--max-degree', '1'];
};

interface Kind {
  readonly name: string;
  readonly flags: (arch: Architecture) => string[];
  /** Evaluates the terms: only for a model with weights, or small enough for random ones. */
  readonly evaluates?: boolean;
}

const kinds: Kind[] = [
  { name: 'whole', flags: limit },
  { name: 'filtered', flags: arch => [...filter(arch), ...limit(arch)] },
  { name: 'raw', flags: () => ['--no-simplify', '--limit', '300'] },
  { name: 'factored', flags: () => ['--factor', '--limit', '300'] },
  { name: 'contributions', flags: arch => [...tokens(arch), ...heldAtOnce(arch), '--limit', '100'], evaluates: true },
  { name: 'filtered-contributions', flags: arch => [...filter(arch), ...tokens(arch)], evaluates: true },
];

const documents = examples.flatMap(example => {
  const arch = loadSpecSource(join('examples', example));
  return (
    kinds
      .filter(k => !(k.evaluates && large(arch)))
      // the induction model's 53,300 terms take the tour's time to evaluate: its unfiltered evaluated
      // document is the tour's, compiled by test/cli/start.test.ts
      .filter(k => !(k.name === 'contributions' && example === 'induction'))
      .map(k => ({ example, kind: k.name, flags: k.flags(arch) }))
  );
});

/** Writes each document with `pathsum latex` into `dir`, then compiles them all. */
async function writeAndCompile(dir: string, group: typeof documents): Promise<Map<string, Compiled>> {
  const files: string[] = [];
  for (const d of group) {
    const file = documentFile(dir, d);
    const io = memoryIo();
    const code = await main(['latex', join('examples', d.example), '-o', file, '--quiet', ...d.flags], io);
    if (code !== 0) throw new Error(`pathsum latex ${d.example} ${d.flags.join(' ')}: ${io.err()}`);
    files.push(file);
  }
  return new Map((await compileAll(files)).map(r => [r.file, r]));
}

const documentFile = (dir: string, d: { example: string; kind: string }) =>
  join(dir, `${d.example.replace(/\.pathsum$/, '')}-${d.kind}.tex`);

describe.runIf(hasPdflatex)('every LaTeX document compiles with pdflatex, without overfull boxes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pathsum-latex-'));

  // one hook per example (up to six documents), so that no hook writes and compiles them all
  describe.each(examples)('%s', example => {
    const group = documents.filter(d => d.example === example);
    let compiled: Map<string, Compiled>;

    beforeAll(async () => {
      compiled = await writeAndCompile(dir, group);
    });

    it.each(group)('$kind', d => {
      const result = compiled.get(documentFile(dir, d))!;
      expect(texErrors(result.log)).toEqual([]);
      expect(result.status).toBe(0);
      expect(overfullBoxes(result.log).filter(pt => pt > TOLERANCE_PT)).toEqual([]);
      expect(result.log).toMatch(/Output written on .*\(\d+ pages?/);
    });
  });

  it('the fragments of expand --format latex compile in display math with amsmath (docs/latex.md)', async () => {
    const lines: string[] = [];
    for (const example of examples) {
      const io = memoryIo();
      await main(['expand', join('examples', example), '--format', 'latex', '--limit', '40'], io);
      lines.push(...io.out().trimEnd().split('\n'));
    }
    const factored = memoryIo();
    await main(['expand', 'examples/two-layer.pathsum', '--format', 'latex', '--factor', '--limit', '40'], factored);
    const file = join(dir, 'fragments.tex');
    writeFileSync(file, fragmentDocument([...lines, ...factored.out().trimEnd().split('\n')]));
    const [result] = await compileAll([file]);
    expect(texErrors(result!.log)).toEqual([]);
    expect(result!.status).toBe(0);
  });

  it('the check sees an overfull box: a formula with no break point, wider than the page', async () => {
    const file = join(dir, 'control.tex');
    const wide = Array.from({ length: 60 }, (_, i) => `W_{${i}}`).join(' \\, ');
    writeFileSync(file, `\\documentclass{article}\n\\begin{document}\n$${wide}$\n\\end{document}\n`);
    const [result] = await compileAll([file]);
    expect(result!.status).toBe(0);
    expect(Math.max(...overfullBoxes(result!.log))).toBeGreaterThan(100);
  });
});

if (!hasPdflatex)
  describe('LaTeX documents: pdflatex not found', () => {
    if (inCI)
      it('CI has pdflatex (.ci/run installs texlive-latex-base and texlive-latex-recommended)', () => {
        expect(hasPdflatex).toBe(true);
      });
    else {
      console.warn(SKIP_NOTE);
      it.skip(SKIP_NOTE, () => {});
    }
  });
