// The golden switch: only `npm run golden` (PATHSUM_GOLDEN=write) writes golden files and docs;
// every other run compares and leaves them untouched.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectGolden, expectGoldenPart, goldenMode } from './golden.js';

const scratch = () => mkdtempSync(join(tmpdir(), 'pathsum-golden-'));

describe('expectGolden', () => {
  it('compares without writing: a difference fails and the file keeps its text', () => {
    const file = join(scratch(), 'a.txt');
    writeFileSync(file, 'committed\n');
    expect(() => expectGolden(file, 'regenerated\n', 'compare')).toThrow();
    expect(readFileSync(file, 'utf8')).toBe('committed\n');
    expect(() => expectGolden(file, 'committed\n', 'compare')).not.toThrow();
  });

  it('a missing golden file fails, names `npm run golden` and is not created', () => {
    const file = join(scratch(), 'missing.txt');
    expect(() => expectGolden(file, 'x', 'compare')).toThrow(/npm run golden/);
    expect(existsSync(file)).toBe(false);
  });

  it('writes, directories included, only when asked to', () => {
    const file = join(scratch(), 'new', 'b.txt');
    expectGolden(file, 'fresh\n', 'write');
    expect(readFileSync(file, 'utf8')).toBe('fresh\n');
  });
});

describe('expectGoldenPart', () => {
  const anchors = ['# Title', '## One', '## Two'];
  const parts = ['# Title\nintro\n\n', '## One\none\n', '## Two\ntwo, ## One\n'];

  it('writes its part in place, whichever part comes first, and keeps the others', () => {
    const file = join(scratch(), 'doc.md');
    for (const i of [2, 0, 1]) expectGoldenPart(file, anchors, i, parts[i]!, 'write');
    expect(readFileSync(file, 'utf8')).toBe(parts.join(''));
    expectGoldenPart(file, anchors, 1, '## One\nchanged\n', 'write');
    expect(readFileSync(file, 'utf8')).toBe(`${parts[0]}## One\nchanged\n${parts[2]}`);
    expect(readdirSync(dirname(file))).toEqual(['doc.md']);
  });

  it('compares only its own part, without writing', () => {
    const file = join(scratch(), 'doc.md');
    writeFileSync(file, parts.join(''));
    parts.forEach((part, i) => {
      expectGoldenPart(file, anchors, i, part, 'compare');
    });
    expect(() => expectGoldenPart(file, anchors, 1, '## One\nother\n', 'compare')).toThrow();
    expect(readFileSync(file, 'utf8')).toBe(parts.join(''));
  });

  it('a part must start with its anchor, and every anchor must be in the committed file', () => {
    const file = join(scratch(), 'doc.md');
    writeFileSync(file, parts[0]! + parts[2]!);
    expect(() => expectGoldenPart(file, anchors, 0, parts[0]!, 'compare')).toThrow(/npm run golden/);
    expect(() => expectGoldenPart(file, anchors, 1, 'one\n', 'write')).toThrow(/must start with its anchor/);
  });
});

describe('the switch', () => {
  it('is PATHSUM_GOLDEN=write and nothing else', () => {
    expect(goldenMode({})).toBe('compare');
    expect(goldenMode({ PATHSUM_GOLDEN: '' })).toBe('compare');
    expect(goldenMode({ PATHSUM_GOLDEN: 'write' })).toBe('write');
    expect(() => goldenMode({ PATHSUM_GOLDEN: '1' })).toThrow("PATHSUM_GOLDEN must be unset or 'write', found '1'");
    expect(() => goldenMode({ UPDATE_GOLDEN: '1' })).toThrow(/npm run golden/);
  });

  it('`npm run golden` sets it, `npm test` does not', () => {
    const { scripts } = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
    expect(scripts.golden).toMatch(/\bPATHSUM_GOLDEN=write vitest run\b/);
    expect(`${scripts.test} ${scripts.pretest ?? ''}`).not.toContain('PATHSUM_GOLDEN');
  });

  it('no test but test/golden.ts writes a file it names under docs/ or test/golden/', () => {
    const sources = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap(e =>
        e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
      );
    const writers = sources('test').filter(file => {
      if (file === join('test', 'golden.ts')) return false;
      const text = readFileSync(file, 'utf8');
      const writes = /\b(writeFileSync|writeFile|appendFileSync|renameSync|copyFileSync|rmSync|unlinkSync)\b/.test(
        text,
      );
      return writes && /['"`](\.\/)?(docs|test\/golden)\//.test(text);
    });
    expect(writers).toEqual([]);
  });
});
