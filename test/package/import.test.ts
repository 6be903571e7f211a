// `import … from 'pathsum'` works from another package after `npm install <path>`: the built
// package (dist/, as `npm test` builds it first) is installed into a fresh project and imported
// there by a separate Node process, which expands and evaluates a spec through the public API.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const project = mkdtempSync(join(tmpdir(), 'pathsum-user-'));

afterAll(() => rmSync(project, { recursive: true, force: true }));

const script = `
import { compile, countTerms, expand, formatTerm, useBackend, randomWeights, evaluateSequence } from 'pathsum';
const [arch] = compile('model m { vocab 5; context 4; width 4; embed; layer { attention heads 1 size 2 }; unembed }');
const terms = [...expand(arch)];
await useBackend('cpu');
const model = { arch, weights: randomWeights(arch, 1), source: 'random', random: true, warnings: [] };
const result = evaluateSequence(model, [1, 2, 3], terms);
console.log(JSON.stringify({
  terms: terms.length,
  counted: countTerms(arch).total.exact.toString(),
  first: formatTerm(terms[0], arch, 'text'),
  error: result.maxAbsError,
}));
`;

describe('the package', () => {
  it('installs into another project and imports as "pathsum"', () => {
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'user', type: 'module', private: true }));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--offline', '--ignore-scripts', root], {
      cwd: project,
      stdio: 'pipe',
    });
    writeFileSync(join(project, 'use.mjs'), script);
    const out = JSON.parse(execFileSync('node', ['use.mjs'], { cwd: project, encoding: 'utf8' })) as {
      terms: number;
      counted: string;
      first: string;
      error: number;
    };
    expect(out.terms).toBe(2);
    expect(out.counted).toBe('2');
    expect(out.first).toBe('Id ⊗ W_U W_E');
    expect(out.error).toBeLessThan(1e-5);
  });
});
