// expand --scores, eval --scores and circuits, end to end in-process: the JSON contracts of docs/design.md §3,
// the tables, and each user error as one line naming the flag.
import katex from 'katex';
import { describe, expect, it } from 'vitest';
import { memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { pathFromJSON, pathToJSON } from '../../src/paths/path.js';

async function cli(...argv: string[]) {
  const io = memoryIo();
  const code = await main(argv, io);
  return { code, out: io.out(), err: io.err() };
}

interface ScoreJSON {
  head: { layer: number; head: number };
  query: number;
  key: number;
  score: number;
  terms: {
    query: unknown;
    key: unknown;
    coefficient: number;
    degree: number;
    text: string;
    latex: string;
    contribution: number;
  }[];
  maxAbsError: number;
}

describe('expand --scores', () => {
  it('prints the score terms of a head as text, and as JSON whose PATHs read back', async () => {
    const text = await cli('expand', 'examples/two-layer.pathsum', '--scores', '1.0', '--limit', '2');
    expect(text.code).toBe(0);
    expect(text.out.split('\n')[0]).toBe('1/√4 · Id ⊗ Id ⊗ W_Eᵀ W_QK^{1.0} W_E');
    expect(text.err).toMatch(/showing the first 2 of \d+ score terms/);
    const json = await cli('expand', 'examples/two-layer.pathsum', '--scores', '1.0', '--format', 'json');
    const { terms } = JSON.parse(json.out) as { terms: ScoreJSON['terms'] };
    for (const t of terms) {
      expect(pathToJSON(pathFromJSON(t.query))).toEqual(t.query);
      expect(pathToJSON(pathFromJSON(t.key))).toEqual(t.key);
      expect(() => katex.renderToString(t.latex, { throwOnError: true })).not.toThrow();
    }
  });

  it.each([
    [['--scores', '1'], "expand: --scores takes LAYER.HEAD (e.g. 1.0), found '1'"],
    [['--scores', '7.0'], "--scores 7.0: model 'two_layer' has layers 0 to 1, and no layer 7"],
    [['--scores', '1.9'], '--scores 1.9: layer 1 has heads 0 to 1, and no head 9'],
    [['--scores', '1.0', '--factor'], 'expand: --factor folds path terms; it cannot be combined with --scores'],
  ])('%j is refused in one line', async (flags, message) => {
    const { code, err } = await cli('expand', 'examples/two-layer.pathsum', ...flags);
    expect(code).toBe(1);
    expect(err).toBe(`pathsum: ${message}\n`);
  });
});

describe('eval --scores', () => {
  it('--json: the contributions add up to the forward score, at the default query and key', async () => {
    const { code, out } = await cli(
      'eval',
      'examples/two-layer.pathsum',
      '--tokens',
      '1,2,3',
      '--scores',
      '1.1',
      '--json',
    );
    expect(code).toBe(0);
    const r = JSON.parse(out) as ScoreJSON;
    expect(r.head).toEqual({ layer: 1, head: 1 });
    expect(r.query).toBe(2);
    expect(r.key).toBeLessThanOrEqual(2);
    const total = r.terms.reduce((s, t) => s + t.contribution, 0);
    const mass = r.terms.reduce((s, t) => s + Math.abs(t.contribution), 0);
    expect(Math.abs(total - r.score)).toBeLessThan(1e-4 * Math.max(1, mass));
    expect(r.maxAbsError).toBeLessThan(1e-3);
    expect(Object.keys(r.terms[0]!)).toEqual(
      expect.arrayContaining(['query', 'key', 'coefficient', 'degree', 'text', 'latex', 'contribution']),
    );
  });

  it('the table ranks terms and sums them by family', async () => {
    const args = [
      'eval',
      'examples/two-layer.pathsum',
      '--tokens',
      '1,2,3',
      '--scores',
      '1.0',
      '--query',
      '2',
      '--key',
      '0',
    ];
    const { code, out } = await cli(...args);
    expect(code).toBe(0);
    expect(out).toMatch(/score of head 1\.0, query position 2 → key position 0/);
    expect(out).toMatch(/K-composition/);
    expect(out).toMatch(/maxAbsError .*: max \|Σ terms − forward scores\| over all 3×3 query and key positions/);
  });

  it.each([
    [['--tokens', '1,2', '--query', '1'], 'eval: --query chooses a position of a score; it needs --scores L.H'],
    [['--tokens', '1,2', '--scores', '1.0', '--key', '2'], "eval: --key must be an integer from 0 to 1, found '2'"],
    [
      ['--tokens', '1,2,3', '--scores', '1.0', '--query', '0', '--key', '1'],
      'eval: --key 1 is after --query 0; a causal head attends to keys ≤ its query',
    ],
    [
      ['--tokens', '1,2', '--scores', '1.0', '--target', '1'],
      'eval: --target chooses a logit; with --scores, --query and --key choose the score',
    ],
  ])('%j is refused in one line', async (flags, message) => {
    const { code, err } = await cli('eval', 'examples/two-layer.pathsum', ...flags);
    expect(code).toBe(1);
    expect(err).toBe(`pathsum: ${message}\n`);
  });
});

describe('circuits', () => {
  it('--json: every head, and composition scores between layers within [0, 1]', async () => {
    const { code, out } = await cli('circuits', 'examples/two-layer.pathsum', '--json');
    expect(code).toBe(0);
    const r = JSON.parse(out) as {
      heads: { layer: number; head: number; ov: { copying: number }; qk: { copying: number } }[];
      composition: { from: unknown; to: unknown; q: number; k: number; v: number }[];
    };
    expect(r.heads.map(h => `${h.layer}.${h.head}`)).toEqual(['0.0', '0.1', '1.0', '1.1']);
    for (const h of r.heads)
      for (const c of [h.ov.copying, h.qk.copying]) expect(Math.abs(c)).toBeLessThanOrEqual(1 + 1e-12);
    expect(r.composition).toHaveLength(4);
    for (const c of r.composition) for (const x of [c.q, c.k, c.v]) expect(x).toBeGreaterThanOrEqual(0);
  });

  it('refuses a model without heads', async () => {
    const { code, err } = await cli('circuits', 'examples/bilinear-only.pathsum');
    expect(code).toBe(1);
    expect(err).toMatch(/^pathsum: circuits: model '.*' has no attention heads\n$/);
  });
});
