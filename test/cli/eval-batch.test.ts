// `pathsum eval --inputs FILE | --task NAME`: the averaged table and JSON against the mean of single-
// sequence evals (`eval --tokens … --json`, whose term logits come by another route than the batch's
// readout), the note a filtered expansion prints, and --json's streaming to a slow reader.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Io, memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';

async function cli(...argv: string[]) {
  const io = memoryIo();
  const code = await main([...argv, '--backend', 'cpu'], io);
  return { code, out: io.out(), err: io.err() };
}

const SPEC = 'examples/full.pathsum'; // 46 terms of degrees 0 to 2, vocab 16, context 6
const SEQUENCES = [
  [1, 2, 3],
  [4, 5, 6, 7, 8],
  [9, 0],
  [15, 15, 3, 2, 1, 0],
];
const NEXT = [5, 9, 1, 3];

function inputsFile(lines: readonly (readonly number[])[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'pathsum-eval-batch-'));
  const path = join(dir, 'inputs.txt');
  writeFileSync(path, `# tokens, then the next token\n${lines.map(l => l.join(',')).join('\n')}\n`);
  return path;
}
const INPUTS = inputsFile(SEQUENCES.map((s, i) => [...s, NEXT[i]!]));

interface SingleJSON {
  logits: number[][];
  terms: { text: string; logits: number[][] }[];
  maxAbsError: number;
}

interface BatchJSON {
  sequences: number;
  source: string;
  target: { token: number | null; position: number | null };
  meanLogit: number;
  meanSum: number;
  nextTokenPredicted: number | null;
  maxAbsError: number;
  terms: { text: string; meanContribution: number; meanShare: number; largestOn: number }[];
  families: { family: string; terms: number; meanContribution: number; meanShare: number }[];
}

const argmax = (row: readonly number[]) => row.indexOf(Math.max(...row));
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** What the batch should print, from one `eval --tokens … --json` per sequence. */
async function expectedMeans(flags: { target?: number; position?: number }) {
  const singles = await Promise.all(
    SEQUENCES.map(
      async s => JSON.parse((await cli('eval', SPEC, '--tokens', s.join(','), '--json')).out) as SingleJSON,
    ),
  );
  const perSequence = singles.map(single => {
    const position = flags.position ?? single.logits.length - 1;
    const token = flags.target ?? argmax(single.logits[position]!);
    const contributions = single.terms.map(t => t.logits[position]![token]!);
    const total = contributions.reduce((a, b) => a + b, 0);
    const largest = contributions.map(Math.abs).indexOf(Math.max(...contributions.map(Math.abs)));
    return { logit: single.logits[position]![token]!, contributions, total, largest, single };
  });
  const terms = singles[0]!.terms.map((t, i) => ({
    text: t.text,
    meanContribution: mean(perSequence.map(s => s.contributions[i]!)),
    meanShare: mean(perSequence.map(s => s.contributions[i]! / s.total)),
    largestOn: perSequence.filter(s => s.largest === i).length,
  }));
  const predicted = perSequence.filter((s, k) => argmax(s.single.logits[s.single.logits.length - 1]!) === NEXT[k]);
  return {
    meanLogit: mean(perSequence.map(s => s.logit)),
    terms,
    predicted: predicted.length,
    maxAbsError: Math.max(...singles.map(s => s.maxAbsError)),
  };
}

const close = (actual: number, expected: number, scale = 1) =>
  expect(Math.abs(actual - expected)).toBeLessThan(1e-4 * Math.max(1, Math.abs(scale)));

describe('eval --inputs FILE --json: the mean of single-sequence evals', () => {
  it.each([{}, { target: 7 }, { target: 2, position: 1 }])('%j', async flags => {
    const extra = [
      ...(flags.target === undefined ? [] : ['--target', String(flags.target)]),
      ...(flags.position === undefined ? [] : ['--position', String(flags.position)]),
    ];
    const { code, out, err } = await cli('eval', SPEC, '--inputs', INPUTS, '--json', ...extra);
    expect(err).toBe('');
    expect(code).toBe(0);
    const json = JSON.parse(out) as BatchJSON;
    const expected = await expectedMeans(flags);
    expect(json.sequences).toBe(SEQUENCES.length);
    expect(json.source).toBe(INPUTS);
    expect(json.target).toEqual({ token: flags.target ?? null, position: flags.position ?? null });
    close(json.meanLogit, expected.meanLogit, expected.meanLogit);
    close(json.meanSum, json.meanLogit, json.meanLogit); // no filter: the terms add up to the logit
    expect(json.nextTokenPredicted).toBe(flags.position === undefined ? expected.predicted : null);
    expect(json.maxAbsError).toBeLessThan(1e-3);
    expect(json.terms.map(t => t.text)).toEqual(expected.terms.map(t => t.text));
    json.terms.forEach((t, i) => {
      close(t.meanContribution, expected.terms[i]!.meanContribution, expected.meanLogit);
      close(t.meanShare, expected.terms[i]!.meanShare);
    });
    expect(json.terms.map(t => t.largestOn)).toEqual(expected.terms.map(t => t.largestOn));
    // laws of the means: shares add up to 1, families partition the terms and their contributions
    close(
      json.terms.reduce((s, t) => s + t.meanShare, 0),
      1,
    );
    expect(json.families.reduce((s, f) => s + f.terms, 0)).toBe(json.terms.length);
    close(
      json.families.reduce((s, f) => s + f.meanContribution, 0),
      json.meanSum,
      json.meanSum,
    );
  });
});

describe('eval --inputs FILE (table)', () => {
  it('the mean target logit, the ranked mean contributions, the families, the honest maxAbsError', async () => {
    const { code, out } = await cli('eval', SPEC, '--inputs', INPUTS, '--top', '5', '--by-family');
    expect(code).toBe(0);
    const json = JSON.parse((await cli('eval', SPEC, '--inputs', INPUTS, '--json')).out) as BatchJSON;
    const lines = out.split('\n');
    expect(lines[0]).toBe('model full · random weights (seed 0)');
    expect(lines[1]).toBe(
      `sequences: 4 (${INPUTS}); the top prediction is the given next token on ${json.nextTokenPredicted} of 4`,
    );
    expect(lines[2]).toBe(
      `target: logit of each sequence's top prediction at its last position, mean ${json.meanLogit.toFixed(4)}; ` +
        `mean Σ of the 46 terms = ${json.meanSum.toFixed(4)}`,
    );
    const ranked = [...json.terms].sort((a, b) => Math.abs(b.meanContribution) - Math.abs(a.meanContribution));
    const rows = lines.filter(l => /^\s+\d+\s+-?\d+\.\d{4}\s/.test(l));
    expect(rows).toHaveLength(5);
    rows.forEach((row, i) => {
      expect(row.endsWith(`  ${ranked[i]!.text}`)).toBe(true);
      expect(row.trim().split(/\s+/)[1]).toBe(ranked[i]!.meanContribution.toFixed(4));
    });
    expect(out).toMatch(/\n\s+-?\d+\.\d{4}\s+-?\d+\.\d%\s+\d+ {10}the other 41 terms\n/);
    expect(out).toMatch(
      /\nmaxAbsError \d\.\d\de-\d+: max \|Σ terms − forward logits\| over every logit of the 4 sequences\n/,
    );
    expect(out).not.toContain('note:');
    const family = lines.slice(lines.indexOf(lines.find(l => l.endsWith('  family'))!) + 1).filter(l => l !== '');
    expect(family.map(l => l.trim().split(/\s+/).slice(3).join(' '))).toEqual([
      ...json.families.slice(0, 5).map(f => f.family),
      `the other ${json.families.length - 5} families`,
    ]);
  });

  it('--task makes the sequences: induction on a random model, the count and seed as given', async () => {
    const { code, out } = await cli(
      'eval',
      'examples/two-layer.pathsum',
      '--task',
      'induction',
      '--count',
      '2',
      '--seed',
      '9',
    );
    expect(code).toBe(0);
    expect(out).toContain('sequences: 2 (task induction, seed 9); the top prediction is the given next token on ');
  });

  it.each([
    [
      ['--tokens', '1,2', '--inputs', INPUTS],
      'eval: give --tokens for one sequence, or --inputs FILE or --task NAME for many, not both',
    ],
    [['--inputs', INPUTS, '--task', 'modadd'], 'eval: give --inputs FILE or --task NAME, not both'],
    [['--task', 'nope'], "eval: no task named 'nope' (registered: modadd, induction)"],
    [['--inputs', INPUTS, '--count', '2'], 'eval: --count N chooses how many sequences --task NAME makes; give --task'],
    [
      ['--inputs', INPUTS, '--position', '2'],
      `eval: --position 2 is past the last token of sequence 3 of ${INPUTS} (2 tokens)`,
    ],
  ])('%j → one-line error', async (args, message) => {
    const { code, out, err } = await cli('eval', SPEC, ...args);
    expect([code, out, err]).toEqual([1, '', `pathsum: ${message}\n`]);
  });
});

describe('a filtered eval says that its terms do not add up to the logits', () => {
  const note = (flags: string) =>
    `note: the listed terms are a filtered subset (${flags}): they do not add up to the logits, ` +
    'so Σ terms − forward is not an error bound\n';

  it.each([
    [['--max-degree', '1'], '--max-degree 1'],
    [['--ablate', '0.1'], '--ablate 0.1'],
    [['--max-degree', '0', '--ablate', '0.mlp'], '--max-degree 0 --ablate 0.mlp'],
  ])('%j: the note under maxAbsError, which stays as computed', async (flags, text) => {
    const single = await cli('eval', SPEC, '--tokens', '1,2,3', ...flags);
    expect(single.code).toBe(0);
    const error = Number(/\nmaxAbsError (\S+): .*\n(.*\n)/.exec(single.out)![1]);
    expect(error).toBeGreaterThan(1e-3); // what the filter left out
    expect(single.out).toMatch(new RegExp(`\\nmaxAbsError \\S+: [^\\n]*\\n${literal(note(text))}`));
    const many = await cli('eval', SPEC, '--inputs', INPUTS, ...flags);
    expect(many.out).toContain(`over every logit of the 4 sequences\n${note(text)}`);
  });

  it('no note when nothing is filtered out: every layer kept, a degree cap at the highest degree', async () => {
    for (const flags of [['--layers', '0'], ['--max-degree', '2'], []]) {
      const { code, out } = await cli('eval', SPEC, '--tokens', '1,2,3', ...flags);
      expect(code).toBe(0);
      expect(out).not.toContain('note:');
      expect(Number(/\nmaxAbsError (\S+):/.exec(out)![1])).toBeLessThan(1e-3);
    }
  });
});

/** An Io whose reader takes what was written only when asked to drain: `most` is the most it ever held. */
function slowReaderIo(): Io & { most: () => number; total: () => number; out: () => string } {
  let held = 0;
  let most = 0;
  let text = '';
  return {
    ...memoryIo(),
    stdout: chunk => {
      text += chunk;
      held += chunk.length;
      most = Math.max(most, held);
    },
    drained: async () => {
      held = 0;
    },
    most: () => most,
    total: () => text.length,
    out: () => text,
  };
}

describe('eval --json waits for a slow reader', () => {
  it.each([
    [['--tokens', '1,2,3,4,5,6']],
    [['--task', 'induction', '--count', '3']],
  ])('%j: at most one buffer and one line held', async args => {
    const io = slowReaderIo();
    expect(await main(['eval', 'examples/two-layer.pathsum', ...args, '--json', '--backend', 'cpu'], io)).toBe(0);
    const longest = Math.max(
      ...io
        .out()
        .split('\n')
        .map(l => l.length + 1),
    );
    expect(io.total()).toBeGreaterThan((1 << 16) + longest); // enough output that holding it all would show
    expect(io.most()).toBeLessThanOrEqual((1 << 16) + longest);
    expect(() => JSON.parse(io.out())).not.toThrow();
  });
});

const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
