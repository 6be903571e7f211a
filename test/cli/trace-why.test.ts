// `pathsum trace --why ID`: a head node's score terms, checked against `pathsum eval --scores L.H --query I
// --key J --json` on the same input (an independent route through the CLI), and each bad ID refused in one line.
import { describe, expect, it } from 'vitest';
import { memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';

async function cli(...argv: string[]) {
  const io = memoryIo();
  const code = await main(argv, io);
  return { code, out: io.out(), err: io.err() };
}

interface ScoreTermJSON {
  query: unknown;
  key: unknown;
  coefficient: number;
  degree: number;
  family: string;
  text: string;
  latex: string;
  contribution: number;
}

interface ScoresJSON {
  head: { layer: number; head: number };
  query: number;
  key: number;
  score: number;
  terms: ScoreTermJSON[];
  maxAbsError: number;
}

interface NodeJSON {
  id: number;
  path: { kind?: string; layer?: number; head?: number; source?: number };
  contribution: number;
}

interface TraceJSON {
  target: { token: number; position: number };
  nodes: NodeJSON[];
  why?: ScoresJSON & { node: number };
}

const SPEC = 'examples/two-layer.pathsum';
const INPUT = ['--tokens', '1,2,3', '--backend', 'cpu', '--quiet'];

async function traceJSON(...flags: string[]): Promise<TraceJSON> {
  const { code, out, err } = await cli('trace', SPEC, ...INPUT, '--budget', '4', ...flags, '--json');
  expect(err).toBe('');
  expect(code).toBe(0);
  return JSON.parse(out) as TraceJSON;
}

async function evalScores(layer: number, head: number, query: number, key?: number): Promise<ScoresJSON> {
  const at = [
    '--scores',
    `${layer}.${head}`,
    '--query',
    String(query),
    ...(key === undefined ? [] : ['--key', `${key}`]),
  ];
  const { code, out } = await cli('eval', SPEC, ...INPUT, ...at, '--json');
  expect(code).toBe(0);
  return JSON.parse(out) as ScoresJSON;
}

/** The largest head node of a trace (by |contribution|) that `pick` accepts. */
function headNode(t: TraceJSON, pick: (n: NodeJSON) => boolean = () => true): NodeJSON {
  const heads = t.nodes.filter(n => n.path.kind === 'head' && pick(n));
  expect(heads.length).toBeGreaterThan(0);
  return heads.sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution))[0]!;
}

function expectSameScores(why: ScoresJSON, evaluated: ScoresJSON): void {
  expect({ head: why.head, query: why.query, key: why.key }).toEqual({
    head: evaluated.head,
    query: evaluated.query,
    key: evaluated.key,
  });
  expect(why.score).toBe(evaluated.score);
  expect(why.maxAbsError).toBe(evaluated.maxAbsError);
  expect(why.terms.length).toBe(evaluated.terms.length);
  why.terms.forEach((term, i) => {
    expect(term).toEqual(evaluated.terms[i]);
  });
  // the law itself, independent of both printers: Σ contributions = the forward score (float32 weights, float64
  // sums; eval --scores reports the same bound as maxAbsError)
  const sum = why.terms.reduce((s, t) => s + t.contribution, 0);
  const mass = why.terms.reduce((s, t) => s + Math.abs(t.contribution), 0);
  expect(Math.abs(sum - why.score)).toBeLessThanOrEqual(1e-4 * Math.max(1, mass));
}

describe('pathsum trace --why ID --json', () => {
  it("a head node: its head's terms at the target position and its most-attended key, as eval --scores", async () => {
    const first = await traceJSON();
    const node = headNode(first);
    const t = await traceJSON('--why', String(node.id));
    const why = t.why!;
    expect(why.node).toBe(node.id);
    expect(why.head).toEqual({ layer: node.path.layer, head: node.path.head });
    expect(why.query).toBe(t.target.position);
    // eval's default key is the key the query attends to most
    expectSameScores(why, await evalScores(node.path.layer!, node.path.head!, t.target.position));
  });

  it('a node split by source position: the key is its source, even one the head attends to less', async () => {
    const split = await traceJSON('--split-positions');
    const position = split.target.position;
    const { layer, head } = headNode(split, n => n.path.source !== undefined).path;
    const mostAttended = (await evalScores(layer!, head!, position)).key;
    const node = headNode(
      split,
      n =>
        n.path.layer === layer && n.path.head === head && n.path.source !== undefined && n.path.source !== mostAttended,
    );
    const why = (await traceJSON('--split-positions', '--why', String(node.id))).why!;
    expect(why.key).toBe(node.path.source);
    expectSameScores(why, await evalScores(layer!, head!, position, why.key));
  });

  it('without --why the JSON has no why object', async () => {
    expect((await traceJSON()).why).toBeUndefined();
  });
});

describe('pathsum trace --why ID prints the ranked score terms', () => {
  it('after the frontier: the node, the score, the top terms and the Σ-check error', async () => {
    const node = headNode(await traceJSON());
    const { code, out } = await cli('trace', SPEC, ...INPUT, '--budget', '4', '--top', '3', '--why', `${node.id}`);
    expect(code).toBe(0);
    const evaluated = await evalScores(node.path.layer!, node.path.head!, 2);
    const why = out.slice(out.indexOf(`\nwhy node ${node.id}: `));
    expect(why.length).toBeGreaterThan(1);
    expect(why).toContain(
      `score of head ${node.path.layer}.${node.path.head}, query position 2 → key position ${evaluated.key} `,
    );
    expect(why).toContain(`= ${evaluated.score.toFixed(4)}; Σ of the ${evaluated.terms.length} terms`);
    const rows = why.split('\n').filter(line => /^\s+\d+\s+-?\d+\.\d{4}\s+-?\d+\.\d%\s/.test(line));
    const largest = evaluated.terms
      .map(t => t.contribution)
      .sort((a, b) => Math.abs(b) - Math.abs(a))
      .slice(0, 3);
    expect(rows.map(r => Number(r.trim().split(/\s+/)[1]))).toEqual(largest.map(c => Number(c.toFixed(4))));
    expect(why).toMatch(/^maxAbsError \d\.\d\de[-+]\d+: /m);
  });
});

describe('pathsum trace --why refuses a bad ID with one line', () => {
  it.each([
    [['--why', '999'], 'trace: --why 999: this trace has no node 999 (its ids are 0 to '],
    [['--why', '0'], 'trace: --why 0: node 0 is not a head node (it is (Id ⊗ W_U) R_final)'],
    [['--why', 'x'], "trace: --why must be an integer ≥ 0, found 'x'"],
    [['--why', '-1'], "trace: --why must be an integer ≥ 0, found '-1'"],
  ])('%j', async (flags, message) => {
    const { code, out, err } = await cli('trace', SPEC, ...INPUT, '--budget', '2', ...flags);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toContain(message);
    expect(err.trim().split('\n')).toHaveLength(1);
  });

  it('a split node whose source lies after the target position', async () => {
    const flags = ['--position', '0', '--split-positions', '--budget', '2'];
    const t = JSON.parse((await cli('trace', SPEC, ...INPUT, ...flags, '--json')).out) as TraceJSON;
    const late = t.nodes.find(n => n.path.kind === 'head' && n.path.source === 2)!;
    expect(late).toBeDefined();
    const { code, out, err } = await cli('trace', SPEC, ...INPUT, ...flags, '--why', `${late.id}`);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toContain(`trace: --why ${late.id}: node ${late.id} reads position 2, after the target position 0`);
    expect(err.trim().split('\n')).toHaveLength(1);
  });
});
