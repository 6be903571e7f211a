// `-o FILE`: a regular file written whole or not at all, anything else at the path refused, and every
// filesystem failure one plain sentence. Failures that root cannot provoke (a full or read-only disk,
// a denied permission) are injected into node:fs.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { writeAtomically } from '../../src/cli/write-file.js';

/** The code the next write (`open`) or rename fails with; the failing write leaves a partial file behind. */
const inject: { write?: string; rename?: string } = {};

vi.mock('node:fs', async original => {
  const actual = await original<typeof import('node:fs')>();
  const fail = (code: string) => Object.assign(new Error(`${code}: injected`), { code });
  return {
    ...actual,
    writeFileSync: (...args: Parameters<typeof actual.writeFileSync>) => {
      if (inject.write === undefined) return actual.writeFileSync(...args);
      actual.writeFileSync(args[0], 'half a docu');
      throw fail(inject.write);
    },
    renameSync: (...args: Parameters<typeof actual.renameSync>) => {
      if (inject.rename !== undefined) throw fail(inject.rename);
      return actual.renameSync(...args);
    },
  };
});

afterEach(() => {
  delete inject.write;
  delete inject.rename;
});

const refusal = (path: string, kind: string) =>
  `cannot write ${path}: it is ${kind}, and pathsum only writes or replaces regular files`;
const directory = () => fs.mkdtempSync(join(tmpdir(), 'pathsum-write-'));
const attempt = (path: string, text = 'new') => {
  try {
    writeAtomically(path, text);
    return 'written';
  } catch (error) {
    return (error as Error).message;
  }
};

describe('writeAtomically', () => {
  it('writes exactly the text and leaves nothing else in the directory', () => {
    const dir = directory();
    const path = join(dir, 'out.tex');
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), text => {
        writeAtomically(path, text);
        expect(fs.readFileSync(path, 'utf8')).toBe(text);
        expect(fs.readdirSync(dir)).toEqual(['out.tex']);
      }),
      { numRuns: 50 },
    );
  });

  it.each([
    ['a directory', (p: string) => fs.mkdirSync(p)],
    ['a named pipe', (p: string) => execFileSync('mkfifo', [p])],
    ['a symbolic link', (p: string) => fs.symlinkSync('/dev/null', p)],
    ['a symbolic link', (p: string) => fs.symlinkSync('no-such-target', p)],
  ])('refuses a path that is %s, and leaves it as it was', (kind, make) => {
    const path = join(directory(), 'out.tex');
    make(path);
    const before = fs.lstatSync(path);
    expect(attempt(path)).toBe(refusal(path, kind));
    const after = fs.lstatSync(path);
    expect([after.ino, after.mode]).toEqual([before.ino, before.mode]);
  });

  it('refuses a symbolic link to a regular file and leaves the file alone', () => {
    const dir = directory();
    fs.writeFileSync(join(dir, 'real.tex'), 'mine');
    fs.symlinkSync('real.tex', join(dir, 'link.tex'));
    expect(attempt(join(dir, 'link.tex'))).toMatch(/it is a symbolic link/);
    expect(fs.readFileSync(join(dir, 'real.tex'), 'utf8')).toBe('mine');
  });

  it('names the missing directory, the file in the way, and a name too long', () => {
    const dir = directory();
    fs.writeFileSync(join(dir, 'file'), '');
    const long = join(dir, `${'a'.repeat(300)}.tex`);
    expect(attempt(join(dir, 'no', 'out.tex'))).toBe(
      `cannot write ${join(dir, 'no', 'out.tex')}: the directory ${join(dir, 'no')} does not exist`,
    );
    expect(attempt(join(dir, 'file', 'out.tex'))).toBe(
      `cannot write ${join(dir, 'file', 'out.tex')}: a part of the path is not a directory`,
    );
    expect(attempt(long)).toBe(`cannot write ${long}: the file name (or the path) is too long`);
    expect(fs.readdirSync(dir)).toEqual(['file']);
  });

  it.each([
    ['write', 'ENOSPC', 'no space left on the device'],
    ['write', 'EDQUOT', 'the disk quota is exhausted'],
    ['write', 'EROFS', 'the file system is read-only'],
    ['write', 'EACCES', 'permission denied'],
    ['rename', 'EISDIR', 'it is a directory'],
    ['rename', 'EIO', 'an input/output error on the device'],
  ] as const)('a failing %s (%s) is one sentence, and no temporary file stays', (call, code, sentence) => {
    const dir = directory();
    fs.writeFileSync(join(dir, 'out.tex'), 'old');
    inject[call] = code;
    expect(attempt(join(dir, 'out.tex'))).toBe(`cannot write ${join(dir, 'out.tex')}: ${sentence}`);
    expect(fs.readdirSync(dir)).toEqual(['out.tex']);
    expect(fs.readFileSync(join(dir, 'out.tex'), 'utf8')).toBe('old');
  });
});

describe('pathsum latex -o', () => {
  const latex = async (...args: string[]) => {
    const io = memoryIo();
    const code = await main(['latex', 'examples/seed1.pathsum', ...args], io);
    return { code, err: io.err() };
  };

  it.each(['/dev/stdout', 'out.txt', 'out.tex.bak', 'out'])('refuses -o %s: not a .tex file', async name => {
    expect(await latex('-o', name)).toEqual({
      code: 1,
      err: `pathsum: latex: the output file must end in .tex, found '${name}'\n`,
    });
  });

  it('refuses a symbolic link named .tex, and writes a new file beside it', async () => {
    const dir = directory();
    fs.symlinkSync('/dev/null', join(dir, 'null.tex'));
    expect(await latex('-o', join(dir, 'null.tex'))).toEqual({
      code: 1,
      err: `pathsum: ${refusal(join(dir, 'null.tex'), 'a symbolic link')}\n`,
    });
    expect(fs.lstatSync(join(dir, 'null.tex')).isSymbolicLink()).toBe(true);
    expect(await latex('-o', join(dir, 'out.tex'))).toEqual({
      code: 0,
      err: `wrote ${join(dir, 'out.tex')}: 9 terms\n`,
    });
    expect(fs.readFileSync(join(dir, 'out.tex'), 'utf8')).toMatch(/^\\documentclass/);
  });
});

// The model named is missing: the refusal names the output, so it came before the model was read
describe('a command refuses its -o target before it does any work', () => {
  const commands = [
    ['start', ['--quiet']],
    ['latex', ['no-such-spec.pathsum']],
    ['report', ['no-such-spec.pathsum', '--tokens', '0,1', '--quiet']],
    ['import', ['no-such-folder']],
  ] as const;
  const suffix = { start: '.tex', latex: '.tex', report: '.html', import: '.pathsum' } as const;
  const run = async (command: string, args: readonly string[], output: string) => {
    const io = memoryIo();
    const code = await main([command, ...args, '-o', output], io);
    return { code, out: io.out(), err: io.err() };
  };

  it.each(
    commands,
  )('%s: a directory in the way, a missing directory, a file where a directory should be', async (command, args) => {
    const dir = directory();
    const name = `out${suffix[command]}`;
    fs.mkdirSync(join(dir, name));
    fs.writeFileSync(join(dir, 'file'), '');
    const expectations = [
      [join(dir, name), refusal(join(dir, name), 'a directory')],
      [join(dir, 'no', name), `cannot write ${join(dir, 'no', name)}: the directory ${join(dir, 'no')} does not exist`],
      [join(dir, 'file', name), `cannot write ${join(dir, 'file', name)}: a part of the path is not a directory`],
    ];
    for (const [output, message] of expectations)
      expect(await run(command, args, output!)).toEqual({ code: 1, out: '', err: `pathsum: ${message}\n` });
    expect(fs.readdirSync(dir).sort()).toEqual(['file', name]);
  });

  it('start: the document is a .tex file', async () => {
    const output = join(directory(), 'tour.txt');
    expect(await run('start', ['--quiet'], output)).toEqual({
      code: 1,
      out: '',
      err: `pathsum: start: the output file must end in .tex, found '${output}'\n`,
    });
    expect(fs.existsSync(output)).toBe(false);
  });
});
