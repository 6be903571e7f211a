// The `live` reporter of long mutation runs (scripts/mutation-live.mjs): every result at once, survivors with
// their source line and replacement.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, expect, it } from 'vitest';

interface Reporter {
  onMutantTested(mutant: object): void;
}

const name = `test-${process.pid}`;
const [all, survivors] = [`reports/live-${name}.txt`, `reports/live-${name}-survivors.txt`];

afterAll(() => {
  for (const f of [all, survivors]) rmSync(f, { force: true });
});

it('writes each result as it comes, and each survivor with its line of source', async () => {
  process.env.LIVE_NAME = name;
  const script = new URL('../../scripts/mutation-live.mjs', import.meta.url).href;
  const { strykerPlugins } = (await import(script)) as { strykerPlugins: [{ injectableClass: new () => Reporter }] };
  const reporter = new strykerPlugins[0].injectableClass();
  const mutant = (status: string, line: number) => ({
    fileName: resolve('src/paths/term.ts'),
    location: { start: { line, column: 7 }, end: { line, column: 9 } },
    mutatorName: 'ConditionalExpression',
    replacement: 'false',
    status,
  });
  reporter.onMutantTested(mutant('Killed', 17));
  expect(existsSync(survivors)).toBe(false);
  reporter.onMutantTested(mutant('Survived', 3));
  expect(readFileSync(all, 'utf8')).toBe(
    'Killed src/paths/term.ts:17:7 ConditionalExpression\nSurvived src/paths/term.ts:3:7 ConditionalExpression\n',
  );
  expect(readFileSync(survivors, 'utf8')).toBe(
    'Survived src/paths/term.ts:3:7 ConditionalExpression | ' +
      'import { type Rational, rational } from \'../rational.js\'; => "false"\n',
  );
});
