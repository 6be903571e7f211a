// The repository stands on its own: no tracked file cites a document kept outside it (the design
// notes and the style guide that preceded docs/design.md), and every `docs/design.md §N` that the code
// cites names a section that docs/design.md has. Untracked files that git does not ignore are scanned
// too, so a citation is caught before it is committed.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const SCANNED = ['src', 'test', 'bench', 'docs', 'README.md', 'examples', 'grammar', 'package.json'];
// This file names the forbidden citations in order to forbid them.
const SELF = 'test/docs/self-contained.test.ts';
const DESIGN = 'docs/design.md';

/** Citations of documents outside the repository. `docs/design.md` is lowercase, so it never matches. */
const outside: readonly { readonly what: string; readonly pattern: RegExp }[] = [
  { what: 'the design notes kept beside the repository', pattern: /DESIGN\.md|\bDESIGN §/ },
  { what: 'the style guide kept beside the repository', pattern: /STYLE\.md|\bSTYLE §/ },
  { what: 'a path into the shared folder', pattern: /\.\.\/shared|\/work\/shared/ },
];

const CITATION = /docs\/design\.md §(\d+)/g;

function scannedFiles(): string[] {
  const listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '--', ...SCANNED], {
    encoding: 'utf8',
  });
  return listed.split('\n').filter(f => f !== '' && f !== SELF && !f.endsWith('.safetensors') && existsSync(f));
}

/** `file:line: text` for every line that cites a document outside the repository. */
function outsideCitations(file: string, text: string): string[] {
  return text
    .split('\n')
    .flatMap((line, i) =>
      outside.filter(o => o.pattern.test(line)).map(o => `${file}:${i + 1}: cites ${o.what}: ${line.trim()}`),
    );
}

/** `file:line: text` for every `docs/design.md §N` whose section N is not among `sections`. */
function danglingCitations(file: string, text: string, sections: ReadonlySet<string>): string[] {
  return text
    .split('\n')
    .flatMap((line, i) =>
      [...line.matchAll(CITATION)]
        .filter(m => !sections.has(m[1]!))
        .map(m => `${file}:${i + 1}: cites ${DESIGN} §${m[1]}, which has no such section: ${line.trim()}`),
    );
}

/** The section numbers of docs/design.md: its `## §N Title` headings. */
function designSections(markdown: string): Set<string> {
  return new Set([...markdown.matchAll(/^## §(\d+) \S/gm)].map(m => m[1]!));
}

describe('the repository is self-contained', () => {
  const files = scannedFiles();
  const texts = files.map(f => [f, readFileSync(f, 'utf8')] as const);
  const sections = designSections(readFileSync(DESIGN, 'utf8'));

  it('scans the tracked sources and documents', () => {
    for (const f of ['README.md', DESIGN, 'src/cli/main.ts', 'package.json']) expect(files).toContain(f);
  });

  it('no file cites a document kept outside the repository', () => {
    expect(texts.flatMap(([f, t]) => outsideCitations(f, t))).toEqual([]);
  });

  it('docs/design.md has the sections the code cites', () => {
    expect([...sections].sort()).toEqual(expect.arrayContaining(['1', '2', '3']));
    expect(texts.flatMap(([f, t]) => danglingCitations(f, t, sections))).toEqual([]);
  });

  it('the code does cite docs/design.md by section', () => {
    const cited = new Set(texts.flatMap(([, t]) => [...t.matchAll(CITATION)].map(m => m[1]!)));
    expect([...cited].sort()).toEqual(expect.arrayContaining(['1', '3']));
  });
});

describe('the checks find what they look for', () => {
  const design = ['DESIGN', 'md'].join('.');
  const style = ['STYLE', 'md'].join('.');
  const shared = ['..', 'shared', 'DESIGN'].join('/');

  it.each([
    [`// see ${design} §1`, 'the design notes'],
    [`// (${['DESIGN', '§1'].join(' ')}, bilinear row)`, 'the design notes'],
    [`// the rule table (${['STYLE', '§1'].join(' ')})`, 'the style guide'],
    [`in ${style}, kept beside the repository`, 'the style guide'],
    [`read ${shared}`, 'the shared folder'],
  ])('flags %j', (line, what) => {
    const found = outsideCitations('x.ts', `first line\n${line}\n`);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(new RegExp(`^x\\.ts:2: cites .*${what}`));
  });

  it('accepts docs/design.md and a relative link to it', () => {
    expect(outsideCitations('x.md', `see ${DESIGN} §1 and [the design](design.md)`)).toEqual([]);
  });

  it('flags a citation of a missing section, and reads sections from headings only', () => {
    const sections = designSections('# title\n## §1 Mathematics\ntext §2\n### §3 Sub\n## §4 Formula notation\n');
    expect([...sections]).toEqual(['1', '4']);
    expect(danglingCitations('y.ts', `// ${DESIGN} §4\n// ${DESIGN} §2 and ${DESIGN} §1`, sections)).toEqual([
      `y.ts:2: cites ${DESIGN} §2, which has no such section: // ${DESIGN} §2 and ${DESIGN} §1`,
    ]);
  });
});
