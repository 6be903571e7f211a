// `pathsum check` at the edges: the layer limit, the deepest models within it, files that are not
// specs. Every answer is either a correct summary (no NaN, no Infinity) or one line with exit 1.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { summarize } from '../../src/cli/check.js';
import { memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { compile } from '../../src/model/spec.js';

const deep = (layers: number) =>
  `model deep {\n  vocab 8\n  context 4\n  width 4\n  embed\n  layers ${layers} {\n` +
  '    attention heads 2 size 4\n    bilinear hidden 4\n  }\n  unembed\n}\n';

async function cli(...argv: string[]) {
  const io = memoryIo();
  const code = await main(argv, io);
  return { code, out: io.out(), err: io.err() };
}

describe('check on deep models', () => {
  it.each([
    [1024, '2^1024', /^ {4}total +≈ 10\^\(10\^308\.\d+\) +≈ 10\^\(10\^308\.\d+\)$/m],
    [10_000, '2^10000', /^ {4}total +≈ 10\^\(10\^3010\.\d+\) +≈ 10\^\(10\^3010\.\d+\)$/m],
  ])('%i layers: exact highest degree, finite counts', (layers, degree, total) => {
    const summary = summarize(compile(deep(layers), 'deep.pathsum')[0]!, 'deep.pathsum');
    expect(summary).toContain(`(degrees 5 to ${degree} not listed)`);
    expect(summary).toMatch(total);
    expect(summary).not.toMatch(/NaN|Infinity/);
  });

  it('keeps small counts exact and grouped', () => {
    const summary = summarize(compile(deep(2), 'deep.pathsum')[0]!, 'deep.pathsum');
    expect(summary).not.toContain('degrees 5 to');
    expect(summary).toMatch(/^ {4}degree 1 +9 +9$/m);
  });
});

describe('check refuses, in one line with exit code 1', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pathsum-check-'));
  const write = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  it.each([
    [
      'a model past the layer limit',
      () => write('many.pathsum', deep(300_000)),
      'would have 300000 layers; the limit is 10000',
    ],
    ['a spec over 1 MiB', () => write('big.pathsum', `# ${'x'.repeat(1 << 20)}\n`), 'larger than 1 MiB'],
    ['/dev/zero', () => (existsSync('/dev/zero') ? '/dev/zero' : ''), 'it is a device, not a file'],
  ])('%s', async (_, path, message) => {
    const file = path();
    if (file === '') return;
    const { code, out, err } = await cli('check', file);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toContain(message);
    expect(err.split('\n')[0]).toMatch(/^pathsum: /);
    expect(err).not.toMatch(/internal error|\n\s+at /);
  });
});
