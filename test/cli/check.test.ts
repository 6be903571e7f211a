import { mkdtempSync, writeFileSync } from 'node:fs';
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

describe('pathsum check', () => {
  it('summarizes every model it is given', async () => {
    const { code, out, err } = await cli('check', 'examples/seed1.pathsum', 'examples/attn1.pathsum');
    expect(code).toBe(0);
    expect(err).toBe('');
    expect(out).toContain('seed1 (examples/seed1.pathsum)');
    expect(out).toContain('attn1 (examples/attn1.pathsum)');
    expect(out).toMatch(/total\s+9\s+12\n/);
  });

  it('reports a bad spec as one located error with exit code 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pathsum-'));
    const file = join(dir, 'bad.pathsum');
    writeFileSync(file, 'model m {\n  vocab 8\n  widht 4\n}\n');
    const { code, out, err } = await cli('check', file);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err.split('\n')[0]).toBe(`pathsum: ${file}:3:3: unknown statement 'widht' in a model`);
    expect(err).toContain("hint: did you mean 'width'?");
    expect(err).not.toMatch(/\n\s+at /);
  });

  it.each([
    [['check', 'no/such.pathsum'], 'pathsum: no/such.pathsum: cannot read the spec (no such file or directory)\n'],
    [['check', '--frobnicate', 'x'], "pathsum: check: unknown option '--frobnicate'; see 'pathsum check --help'\n"],
    [
      ['check', '--modl', 'x'],
      "pathsum: check: unknown option '--modl' (did you mean --model?); see 'pathsum check --help'\n",
    ],
    [['chekc'], "pathsum: unknown command 'chekc' (did you mean 'check'?); see 'pathsum --help'\n"],
  ])('%j fails with one line', async (argv, message) => {
    const { code, err } = await cli(...argv);
    expect(code).toBe(1);
    expect(err).toBe(message);
  });

  it('asks for --model when a file holds several models, and honours it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pathsum-'));
    const file = join(dir, 'two.pathsum');
    const model = (name: string) =>
      `model ${name} {\n  vocab 4; context 2; width 2\n  embed\n  layer { bilinear hidden 2 }\n  unembed\n}\n`;
    writeFileSync(file, model('a') + model('b'));
    expect((await cli('check', file)).out).toContain('a (');
    const chosen = await cli('check', file, '--model', 'b');
    expect(chosen.out.startsWith('b (')).toBe(true);
    expect((await cli('check', file, '--model', 'c')).err).toBe(
      `pathsum: ${file}: no model named 'c' (it defines 'a', 'b')\n`,
    );
  });
});
