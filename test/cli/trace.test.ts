// pathsum trace end to end in-process: the JSON contract of docs/design.md §3 (partial paths), the human
// table, and each user error as one line.
import { describe, expect, it } from 'vitest';
import { memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { pathFromJSON, pathToJSON } from '../../src/paths/path.js';

async function cli(...argv: string[]) {
  const io = memoryIo();
  const code = await main(argv, io);
  return { code, out: io.out(), err: io.err() };
}

interface TraceJSON {
  logit: number;
  target: { token: number; position: number };
  nodes: { id: number; parent: number | null; path: unknown; contribution: number; expanded: boolean }[];
  frontier: number[];
}

const hasPlaceholder = (json: unknown): boolean =>
  typeof json === 'object' &&
  json !== null &&
  (Object.hasOwn(json, 'residual') || Object.values(json).some(hasPlaceholder));

describe('pathsum trace --json follows docs/design.md §3', () => {
  it.each(['two-layer', 'full', 'attn1'])('%s: a tree whose frontier adds up to the logit eval reports', async stem => {
    const file = `examples/${stem}.pathsum`;
    const args = ['--tokens', '1,2,3', '--backend', 'cpu'];
    const { code, out } = await cli('trace', file, ...args, '--budget', '12', '--json');
    expect(code).toBe(0);
    const t = JSON.parse(out) as TraceJSON;
    const evaluated = JSON.parse((await cli('eval', file, ...args, '--json')).out) as { logits: number[][] };
    expect(t.target.position).toBe(2);
    expect(t.logit).toBeCloseTo(evaluated.logits[2]![t.target.token]!, 4);
    expect(t.nodes[0]).toMatchObject({ id: 0, parent: null, path: { residual: { site: 'final' } }, expanded: true });
    t.nodes.forEach((n, i) => {
      expect(n.id).toBe(i);
      if (n.parent !== null) expect(t.nodes[n.parent]!.expanded).toBe(true);
      // a node without placeholders is a PATH of eval and expand, in the canonical JSON
      if (!hasPlaceholder(n.path) && !JSON.stringify(n.path).includes('"source"'))
        expect(pathToJSON(pathFromJSON(n.path))).toEqual(n.path);
    });
    expect(t.nodes.filter(n => n.expanded).length).toBeLessThanOrEqual(12);
    expect([...t.frontier].sort((a, b) => a - b)).toEqual(t.nodes.filter(n => !n.expanded).map(n => n.id));
    const sum = t.frontier.reduce((s, id) => s + t.nodes[id]!.contribution, 0);
    const mass = t.frontier.reduce((s, id) => s + Math.abs(t.nodes[id]!.contribution), 0);
    // float64 sums of float32 products: rounding scales with the mass Σ|node| (test/analysis/trace.test.ts)
    expect(Math.abs(sum - t.logit)).toBeLessThanOrEqual(1e-4 * Math.max(1, mass));
  });

  it('--split-positions gives head nodes a source column within the tokens', async () => {
    const { code, out } = await cli(
      'trace',
      'examples/attn1.pathsum',
      '--tokens',
      '1,2,3',
      '--split-positions',
      '--json',
    );
    expect(code).toBe(0);
    const sources = [...out.matchAll(/"source":(\d+)/g)].map(m => Number(m[1]));
    expect(sources.length).toBeGreaterThan(0);
    for (const s of sources) expect(s).toBeLessThan(3);
  });
});

describe('pathsum trace prints the frontier', () => {
  it('ranked by |contribution|, with the rest and the line that they add up to the logit', async () => {
    const { code, out } = await cli(
      'trace',
      'examples/two-layer.pathsum',
      '--tokens',
      '1,2,3',
      '--budget',
      '20',
      '--top',
      '5',
    );
    expect(code).toBe(0);
    const json = JSON.parse(
      (await cli('trace', 'examples/two-layer.pathsum', '--tokens', '1,2,3', '--budget', '20', '--json')).out,
    ) as TraceJSON;
    const rows = out.split('\n').filter(line => /^\s+\d+\s+-?\d+\.\d{4}\s/.test(line));
    expect(rows).toHaveLength(5);
    // each row starts with its node's id, the one --why and the JSON use
    expect(rows.map(r => Number(r.trim().split(/\s+/)[0]))).toEqual(json.frontier.slice(0, 5));
    const listed = rows.map(r => Number(r.trim().split(/\s+/)[1]));
    const expected = json.frontier.slice(0, 5).map(id => json.nodes[id]!.contribution);
    listed.forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i]!, 3);
    });
    for (let i = 1; i < listed.length; i++) expect(Math.abs(listed[i]!)).toBeLessThanOrEqual(Math.abs(listed[i - 1]!));
    expect(out).toContain(`the other ${json.frontier.length - 5} frontier nodes`);
    expect(out).toMatch(
      new RegExp(
        `the ${json.frontier.length} frontier nodes add up to -?\\d+\\.\\d{4}, the logit ${json.logit.toFixed(4)}`,
      ),
    );
    expect(out).toMatch(/R_(attn|mlp)\^\{\d\}/);
  });

  it('--budget 0: the root alone, in the singular', async () => {
    const { code, out } = await cli('trace', 'examples/attn1.pathsum', '--tokens', '1,2', '--budget', '0');
    expect(code).toBe(0);
    expect(out).toContain('trace: 0 expansions (budget 0), 1 node; frontier 1 node, 1 still holding a placeholder R');
    expect(out).toMatch(/^ {5}0 +-?\d+\.\d{4} +100\.0% {2}\(Id ⊗ W_U\) R_final$/m);
    expect(out).toMatch(/^the frontier node is (-?\d+\.\d{4}), the logit \1 /m);
  });
});

describe('pathsum trace refuses bad input with one line', () => {
  it.each([
    [['--tokens', '1,2', '--budget', '-1'], "trace: --budget must be an integer ≥ 0, found '-1'"],
    [['--tokens', '1,2', '--threshold', 'x'], "trace: --threshold must be a non-negative number, found 'x'"],
    [['--tokens', '1,2', '--threshold', '-0.5'], "trace: --threshold must be a non-negative number, found '-0.5'"],
    [['--tokens', '1,2', '--target', '99'], 'trace: --target 99 is not a token of this model (vocab 32)'],
    [['--tokens', '1,2', '--position', '2'], 'trace: --position 2 is past the last of the 2 tokens'],
    [['--tokens', '1,2', '--target', '1', '--target-next'], 'trace: --target and --target-next both choose the target'],
    [['--tokens', '1,99'], 'trace: --tokens: token 99 (item 2) is outside the vocabulary of 32'],
    [[], 'trace: --tokens is required'],
    [['--tokens', '1', '--top', '0'], "trace: --top must be an integer ≥ 1, found '0'"],
  ])('%j', async (flags, message) => {
    const { code, out, err } = await cli('trace', 'examples/two-layer.pathsum', ...flags);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toContain(message);
    expect(err.trim().split('\n')).toHaveLength(1);
  });
});
