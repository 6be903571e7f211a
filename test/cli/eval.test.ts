// pathsum eval and pathsum verify, end to end in-process: the JSON contract of docs/design.md §3, the
// human table, every example spec with random weights, a weights file, and each user error.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import katex from 'katex';
import { describe, expect, it } from 'vitest';
import { expand } from '../../src/model/expand.js';
import { pathFromJSON } from '../../src/paths/path.js';
import { parseFormula } from '../../src/formula/parse-formula.js';
import { formula } from '../../src/model/term-formula.js';
import { memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { writeSafetensors } from '../../src/numeric/safetensors.js';
import { requiredWeights } from '../../src/model/weights.js';
import { loadSpec } from '../../src/model/spec.js';
import { rng } from '../arbitraries.js';

async function cli(...argv: string[]) {
  const io = memoryIo();
  const code = await main(argv, io);
  return { code, out: io.out(), err: io.err() };
}

const small = ['attn1', 'seed1', 'two-layer', 'bilinear-only', 'full'];

interface EvalJSON {
  tokens: number[];
  logits: number[][];
  terms: { path: unknown; coefficient: number; degree: number; text: string; latex: string; logits: number[][] }[];
  maxAbsError: number;
}

describe('pathsum eval --json follows docs/design.md §3', () => {
  it.each(small)('%s: Σ terms.logits = logits, maxAbsError as stated, every term round-trips', async stem => {
    const file = `examples/${stem}.pathsum`;
    const arch = loadSpec(file);
    const tokens = Array.from({ length: Math.min(4, arch.context) }, (_, i) => (i * 7 + 1) % arch.vocab);
    const { code, out } = await cli('eval', file, '--tokens', tokens.join(','), '--json', '--backend', 'cpu');
    expect(code).toBe(0);
    const json = JSON.parse(out) as EvalJSON;
    expect(Object.keys(json).sort()).toEqual(['logits', 'maxAbsError', 'terms', 'tokens']);
    expect(json.tokens).toEqual(tokens);
    expect(json.logits).toHaveLength(tokens.length);
    expect(json.logits[0]).toHaveLength(arch.vocab);
    const expected = [...expand(arch)];
    expect(json.terms).toHaveLength(expected.length);
    let worst = 0;
    let mass = 1;
    json.logits.forEach((row, t) => {
      row.forEach((v, c) => {
        const sum = json.terms.reduce((s, term) => s + term.logits[t]![c]!, 0);
        mass = Math.max(
          mass,
          json.terms.reduce((s, term) => s + Math.abs(term.logits[t]![c]!), 0),
        );
        worst = Math.max(worst, Math.abs(sum - v));
      });
    });
    expect(worst).toBeLessThan(1e-4 * mass);
    expect(Math.abs(json.maxAbsError - worst)).toBeLessThan(1e-4 * mass);
    json.terms.forEach((term, i) => {
      expect(Object.keys(term).sort()).toEqual(['coefficient', 'degree', 'latex', 'logits', 'path', 'text']);
      expect(pathFromJSON(term.path)).toBe(expected[i]!.path);
      expect(term.coefficient).toBe(expected[i]!.coefficient.valueOf());
      expect(parseFormula(term.text)).toBe(formula(expected[i]!, arch));
      expect(() => katex.renderToString(term.latex, { throwOnError: true })).not.toThrow();
    });
  });
});

describe('pathsum eval (table)', () => {
  it('ranks terms by |contribution|; shares and Σ add up to the target logit', async () => {
    const { code, out } = await cli(
      'eval',
      'examples/seed1.pathsum',
      '--tokens',
      '3,14,15',
      '--target',
      '7',
      '--backend',
      'cpu',
      '--top',
      '4',
    );
    expect(code).toBe(0);
    const target = /logit of token 7 at position 2 = (-?[\d.]+); Σ of the 9 terms = (-?[\d.]+)/.exec(out)!;
    expect(Math.abs(Number(target[1]) - Number(target[2]))).toBeLessThan(1e-3);
    const rows = out.split('\n').filter(l => /^\s+\d+\s+-?\d/.test(l));
    expect(rows).toHaveLength(4);
    const contributions = rows.map(r => Number(r.trim().split(/\s+/)[1]));
    expect(contributions.map(Math.abs)).toEqual([...contributions.map(Math.abs)].sort((a, b) => b - a));
    const rest = Number(/^\s+(-?[\d.]+)\s+\S+\s+the other 5 terms$/m.exec(out)![1]);
    expect(Math.abs(contributions.reduce((a, b) => a + b, 0) + rest - Number(target[1]))).toBeLessThan(1e-3);
    expect(out).toMatch(/maxAbsError \d\.\d\de-\d+: max \|Σ terms − forward logits\| over all 3×64 logits/);
  });

  it('--by-family: the families partition the terms and their contributions', async () => {
    const { code, out } = await cli(
      'eval',
      'examples/two-layer.pathsum',
      '--tokens',
      '1,2,3,1,2',
      '--by-family',
      '--top',
      '6',
      '--backend',
      'cpu',
    );
    expect(code).toBe(0);
    const total = Number(/Σ of the 405 terms = (-?[\d.]+)/.exec(out)![1]);
    const rows = out
      .slice(out.indexOf('  family\n'))
      .split('\n')
      .slice(1, -1)
      .map(l => l.trim().split(/\s+/));
    expect(rows.reduce((s, r) => s + Number(r[2]), 0)).toBe(405);
    expect(Math.abs(rows.reduce((s, r) => s + Number(r[0]), 0) - total)).toBeLessThan(1e-2);
    expect(rows).toHaveLength(7);
    expect(rows[6]!.slice(3).join(' ')).toMatch(/^the other \d+ families$/);
  });

  it('reads a model directory: its one spec and model.safetensors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pathsum-eval-'));
    const arch = loadSpec('examples/attn1.pathsum');
    const random = rng(3);
    const tensors = new Map(
      requiredWeights(arch).map(w => [
        w.key,
        {
          shape: w.shape,
          data: Float32Array.from({ length: w.shape.reduce((a, b) => a * b, 1) }, () => random() - 0.5),
        },
      ]),
    );
    writeFileSync(join(dir, 'model.safetensors'), writeSafetensors(tensors));
    writeFileSync(join(dir, 'attn1.pathsum'), readFileSync('examples/attn1.pathsum', 'utf8'));
    const { code, out } = await cli('eval', dir, '--tokens', '1,2', '--backend', 'cpu');
    expect(code).toBe(0);
    expect(out).toContain(`model attn1 · ${join(dir, 'model.safetensors')}`);
  });

  it.each([
    [
      ['eval', 'examples/seed1.pathsum'],
      'pathsum: eval: --tokens is required (comma-separated token ids, e.g. --tokens 3,14,15), ' +
        'or --inputs FILE or --task NAME for many sequences',
    ],
    [
      ['eval', 'examples/seed1.pathsum', '--tokens', '1,x'],
      "pathsum: eval: --tokens: item 2 'x' is not a token id (a non-negative integer)",
    ],
    [
      ['eval', 'examples/seed1.pathsum', '--tokens', '1,64'],
      'pathsum: eval: --tokens: token 64 (item 2) is outside the vocabulary of 64',
    ],
    [
      ['eval', 'examples/attn1.pathsum', '--tokens', Array(17).fill(1).join(',')],
      'pathsum: eval: --tokens: 17 tokens exceed the context of 8',
    ],
    [
      ['eval', 'examples/seed1.pathsum', '--tokens', '1', '--target', '64'],
      'pathsum: eval: --target 64 is not a token of this model (vocab 64)',
    ],
    [
      ['eval', 'examples/seed1.pathsum', '--tokens', '1', '--position', '1'],
      'pathsum: eval: --position 1 is past the last of the 1 tokens',
    ],
    [
      ['eval', 'examples/seed1.pathsum', '--tokens', '1', '--backend', 'gpu'],
      "pathsum: --backend must be one of auto, node, wasm, cpu, found 'gpu'",
    ],
    [
      ['eval', 'examples/big.pathsum', '--tokens', '1'],
      "pathsum: examples/big.pathsum: model 'big' has 13,305,778,176 parameters, " +
        'too many to draw random weights for (limit 50,000,000); pass --weights FILE',
    ],
    [
      ['eval', 'examples/seed1.pathsum', '--tokens', '1', '--weights', 'no/such.safetensors'],
      'pathsum: no/such.safetensors: no such file or directory',
    ],
  ])('%j → one-line error, exit 1', async (argv, message) => {
    const { code, out, err } = await cli(...argv);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toBe(`${message}\n`);
  });
});

describe('pathsum verify', () => {
  it.each(small)('%s: every law holds on random weights', async stem => {
    const { code, out } = await cli(
      'verify',
      `examples/${stem}.pathsum`,
      '--runs',
      '3',
      '--seed',
      '7',
      '--backend',
      'cpu',
    );
    expect(out).toMatch(
      /^ {2}ok {3}Σ terms = forward logits: 3 runs, worst relative error \S+ \(tolerance 1e-4, float32\)$/m,
    );
    expect(out).toMatch(/all \d laws hold\n$/);
    expect(code).toBe(0);
  });

  it('a true identity holds; a false one fails with a shrunk counterexample and its seed', async () => {
    const good = 'A^{0.1} ⊗ W_U W_OV^{0.1} W_E = A^{0.1} ⊗ W_U W_O^{0.1} W_V^{0.1} W_E';
    const bad = 'A^{0.1} ⊗ W_U W_OV^{0.1} W_E = A^{0.0} ⊗ W_U W_OV^{0.1} W_E';
    const { code, out } = await cli(
      'verify',
      'examples/seed1.pathsum',
      '--runs',
      '3',
      '--seed',
      '11',
      '--backend',
      'cpu',
      '--identity',
      good,
      '--identity',
      bad,
    );
    expect(code).toBe(1);
    expect(out).toContain(`  ok   identity ${good}: 3 runs`);
    expect(out).toContain(`  FAIL identity ${bad}:`);
    expect(out).toMatch(/counterexample: \{"tokens":\[\d+(,\d+)?\],"weightSeed":\d+\}/);
    expect(out).toContain('replay: pathsum verify examples/seed1.pathsum --seed 11');
    expect(out).toMatch(/1 of 7 laws failed\n$/);
  });

  it.each([
    [
      'W_OV^{0.1} = W_O^{0.1}',
      new RegExp(
        /^pathsum: --identity "W_OV\^\{0\.1\} = W_O\^\{0\.1\}": column 12: /.source +
          /the formula ends too early \(each side is a sum of terms/.source,
      ),
    ],
    [
      'A^{3.0} ⊗ W_U W_E = Id ⊗ W_U W_E',
      new RegExp(
        /^pathsum: --identity ".*": left side: A\^\{3\.0\} ⊗ W_U W_E /.source +
          /names the pattern A\^\{3\.0\}, which model 'seed1' does not have$/.source,
      ),
    ],
    ['Id ⊗ W_U W_E', /^pathsum: --identity "Id ⊗ W_U W_E": write exactly one '=' between two formulas$/],
  ])('--identity %s → one-line error', async (identity, message) => {
    const { code, err } = await cli('verify', 'examples/seed1.pathsum', '--identity', identity);
    expect(code).toBe(1);
    expect(err.trimEnd()).toMatch(message);
    expect(err.trimEnd().split('\n')).toHaveLength(1);
  });
});
