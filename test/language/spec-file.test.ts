// Reading spec files: only regular files up to SPEC_FILE_LIMIT, refused at once otherwise (a FIFO
// with no writer, /dev/zero and a directory must neither hang nor fill the memory).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { readSpecFile, SPEC_FILE_LIMIT } from '../../src/language/index.js';
import { compile } from '../../src/model/spec.js';

const dir = mkdtempSync(join(tmpdir(), 'pathsum-spec-file-'));
const spec = 'model m {\n  vocab 8; context 4; width 4\n  embed\n  layer { bilinear hidden 4 }\n  unembed\n}\n';

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function fifo(): string | undefined {
  const path = join(dir, 'fifo');
  try {
    execFileSync('mkfifo', [path]);
  } catch {
    return undefined;
  }
  return path;
}

const refusals: { name: string; path: () => string | undefined; message: (path: string) => string }[] = [
  {
    name: 'missing file',
    path: () => join(dir, 'none.pathsum'),
    message: p => `${p}: cannot read the spec (no such file or directory)`,
  },
  { name: 'directory', path: () => dir, message: p => `${p}: cannot read the spec (it is a directory, not a file)` },
  {
    name: '/dev/zero',
    path: () => (existsSync('/dev/zero') ? '/dev/zero' : undefined),
    message: p => `${p}: cannot read the spec (it is a device, not a file)`,
  },
  { name: 'FIFO with no writer', path: fifo, message: p => `${p}: cannot read the spec (it is a pipe, not a file)` },
  {
    name: 'file over the limit',
    path: () => file('huge.pathsum', `${spec}#${'x'.repeat(SPEC_FILE_LIMIT)}\n`),
    message: p => `${p}: the spec is larger than 1 MiB, the limit for a spec file`,
  },
  {
    name: 'name with a control character',
    path: () => join(dir, 'bad\x1b[31m.pathsum'),
    message: p => `${p.replace('\x1b', '\\x1b')}: cannot read the spec (no such file or directory)`,
  },
];

describe('readSpecFile', () => {
  it.each(refusals)('refuses a $name in one line', ({ path, message }) => {
    const p = path();
    if (p === undefined) return; // no such thing on this system
    let caught: unknown;
    try {
      readSpecFile(p);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UserError);
    expect((caught as Error).message).toBe(message(p));
  });

  it('reads a file of exactly the limit', () => {
    const text = `${spec}#${'x'.repeat(SPEC_FILE_LIMIT - spec.length - 2)}\n`;
    expect(readSpecFile(file('full.pathsum', text))).toBe(text);
  });

  it('reads UTF-8, and a spec that starts with a byte-order mark compiles', () => {
    const path = file('bom.pathsum', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${spec}# é\n`)]));
    const text = readSpecFile(path);
    expect(text.endsWith('# é\n')).toBe(true);
    expect(compile(text, path).map(m => m.name)).toEqual(['m']);
    expect(compile(`\ufeff${spec}`, path).map(m => m.name)).toEqual(['m']);
  });
});
