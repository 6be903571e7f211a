// docs/design.md against the code it describes: every formula renders, the identity tables are the
// rule tables of src/simplify, and the weight table lists exactly the keys and shapes a model with
// every option needs.
import { readFileSync } from 'node:fs';
import katex from 'katex';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/model/spec.js';
import { requiredWeights } from '../../src/model/weights.js';
import { NORM_EPS } from '../../src/numeric/forward.js';
import { rules } from '../../src/simplify/rules.js';
import { sumRules } from '../../src/simplify/sum.js';

const doc = readFileSync('docs/design.md', 'utf8');

/** One model with every optional tensor, its sizes distinct so that a shape names its symbols. */
const EVERY_OPTION = `model all {
  vocab 11; context 7; width 5
  embed positional
  layer {
    norm layer
    attention heads 3 size 2 bias
    norm layer
    bilinear hidden 13 bias
  }
  norm layer
  unembed bias
}`;
const SYMBOLS: Record<number, string> = { 11: 'V', 7: 'n_ctx', 5: 'd', 3: 'H', 2: 'd_head', 13: 'm' };

/** The weight table of §3 as key → shape, `blocks.{l}.attn.W_Q`, `W_K` expanded to full keys. */
function documentedWeights(): Map<string, string> {
  const rows = [...doc.matchAll(/^\| (`[^|]+`) \| `(\[[^\]]+\])` \| [^|]+ \|$/gm)];
  const table = new Map<string, string>();
  for (const [, keys, shape] of rows) {
    const [first, ...rest] = [...keys!.matchAll(/`([^`]+)`/g)].map(m => m[1]!);
    const prefix = first!.slice(0, first!.lastIndexOf('.') + 1);
    for (const key of [first!, ...rest.map(k => (k.includes('.') ? k : prefix + k))]) table.set(key, shape!);
  }
  return table;
}

describe('docs/design.md', () => {
  it('every formula renders with KaTeX', () => {
    const math = [...doc.matchAll(/\$\$([^$]+)\$\$|\$([^$\n]+)\$/g)].map(m => m[1] ?? m[2]!);
    expect(math.length).toBeGreaterThan(50);
    for (const m of math) expect(() => katex.renderToString(m, { throwOnError: true }), m).not.toThrow();
  });

  it.each([...rules, ...sumRules].map(r => [r.name, r.law]))('lists the rule %s with its law', (name, law) => {
    expect(doc).toContain(`| ${name} | \`${law}\``);
  });

  it('lists exactly the weight keys and shapes of a model with every option', () => {
    const [arch] = compile(EVERY_OPTION, 'every-option.pathsum');
    const needed = new Map(
      requiredWeights(arch!).map(w => [
        w.key.replace(/^blocks\.0\./, 'blocks.{l}.'),
        `[${w.shape.map(s => SYMBOLS[s]).join(', ')}]`,
      ]),
    );
    expect(Object.fromEntries(documentedWeights())).toEqual(Object.fromEntries(needed));
  });

  it('states the norm epsilon and the causal mask of the forward pass', () => {
    expect(doc).toContain(`\\varepsilon = 10^{${Math.log10(NORM_EPS)}}`);
    expect(doc).toContain('$M[t, s] = -10^{9}$ for $s > t$');
  });
});
