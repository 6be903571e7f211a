import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'vitest';
import { summarize } from '../../src/cli/check.js';
import { compile, parse } from '../../src/model/spec.js';
import { expectGolden } from '../golden.js';

const examples = readdirSync('examples')
  .filter(f => f.endsWith('.pathsum'))
  .sort();

describe.each(examples)('%s', file => {
  const text = readFileSync(`examples/${file}`, 'utf8');
  const stem = file.replace(/\.pathsum$/, '');

  it('parses to the golden AST', () => {
    expectGolden(`test/golden/spec/${stem}.ast.json`, `${JSON.stringify(parse(text, file), null, 2)}\n`);
  });

  it('checks to the golden summary', () => {
    const summary = compile(text, `examples/${file}`)
      .map(m => summarize(m, `examples/${file}`))
      .join('\n');
    expectGolden(`test/golden/spec/${stem}.check.txt`, summary);
  });
});
