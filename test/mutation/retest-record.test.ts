// scripts/mutation-retest.mjs: a Stryker incremental record loses its survivors and uncovered mutants, and
// keeps every other result and everything else in the file as it was.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';

it('drops Survived and NoCoverage, keeps the rest, and says how many went', () => {
  const statuses = ['Killed', 'Survived', 'Timeout', 'NoCoverage', 'CompileError', 'Ignored', 'Survived'];
  const mutant = (status: string, id: number) => ({ id: String(id), status, mutatorName: 'StringLiteral' });
  const record = {
    schemaVersion: '2',
    files: {
      'src/a.ts': { source: 'a', mutants: statuses.map(mutant) },
      'src/b.ts': { source: 'b', mutants: [mutant('Survived', 9)] },
    },
    testFiles: { 'test/a.test.ts': { tests: [{ id: '0', name: 'a' }] } },
  };
  const file = join(mkdtempSync(join(tmpdir(), 'pathsum-retest-')), 'record.json');
  writeFileSync(file, JSON.stringify(record));
  const said = execFileSync('node', ['scripts/mutation-retest.mjs', file], { encoding: 'utf8' });
  expect(said).toBe(`${file}: 4 survivors and uncovered mutants dropped, to be tested again by the next run\n`);
  const after = JSON.parse(readFileSync(file, 'utf8'));
  expect(after.files['src/a.ts'].mutants).toEqual([0, 2, 4, 5].map(i => mutant(statuses[i]!, i)));
  expect(after.files['src/b.ts'].mutants).toEqual([]);
  expect({ ...after, files: null }).toEqual({ ...record, files: null });
});
