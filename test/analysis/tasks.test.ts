// The task generators in src/analysis (moved there from examples/train): the same seeds still give the
// same sequences the shipped models were trained and scored on, and the registry behind `--task`
// sizes them for the model it is given.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { batchOfExamples, checkBatch } from '../../src/analysis/inputs.js';
import { inductionBatch } from '../../src/analysis/task-induction.js';
import { modaddSplit } from '../../src/analysis/task-modadd.js';
import { inductionConfig, tasks } from '../../src/analysis/tasks.js';
import { UserError } from '../../src/errors.js';
import { loadSpec } from '../../src/model/spec.js';
import { cli } from './model-files.js';

describe('the generators reproduce the data of examples/train/tasks.ts before the move', () => {
  it('modaddSplit and inductionBatch hash as they did (seeds 0, 1, 2, 7, 1001, 4242, 2³² − 1)', () => {
    const hash = createHash('sha256');
    for (const seed of [0, 1, 2, 7, 1001, 4242, 2 ** 32 - 1]) {
      for (const p of [5, 59, 113])
        for (const trainFraction of [0.3, 0.6]) hash.update(JSON.stringify(modaddSplit(seed, { p, trainFraction })));
      hash.update(JSON.stringify(modaddSplit(seed, { p: 59, trainFraction: 0.6 })));
      hash.update(JSON.stringify(inductionBatch(seed, 50, { vocab: 24, context: 24, minPeriod: 6, maxPeriod: 16 })));
      hash.update(JSON.stringify(inductionBatch(seed, 30, { vocab: 10, context: 20, minPeriod: 2, maxPeriod: 10 })));
    }
    // computed with the generators as they were in examples/train/tasks.ts (commit ffed8a8)
    expect(hash.digest('hex')).toBe('c0bbb5193202791e0be6fcf1eb33ab53356f272a43515ae372f8952acd41923b');
  });

  it("the registry's induction periods are those examples/induction was trained on", () => {
    const arch = loadSpec('examples/induction/induction.pathsum');
    const card = JSON.parse(readFileSync('examples/induction/card.json', 'utf8')) as {
      data: { vocab: number; context: number; minPeriod: number; maxPeriod: number };
    };
    const { vocab, context, minPeriod, maxPeriod } = card.data;
    expect(inductionConfig(arch)).toEqual({ vocab, context, minPeriod, maxPeriod });
  });
});

describe('the task registry', () => {
  const modadd = loadSpec('examples/modadd/modadd.pathsum');
  const induction = loadSpec('examples/induction/induction.pathsum');

  it('modadd: every pair a b = once, the target (a + b) mod p; the seed orders them, a count cuts a prefix', () => {
    const p = modadd.vocab - 1;
    const all = tasks.modadd!.batch(modadd, 3);
    expect(all.tokens).toHaveLength(p * p);
    const seen = new Set(all.tokens.map(t => t.join(',')));
    expect(seen.size).toBe(p * p);
    all.tokens.forEach((t, i) => {
      expect(t[2]).toBe(p);
      expect(all.targets[i]).toBe((t[0]! + t[1]!) % p);
    });
    const other = tasks.modadd!.batch(modadd, 4);
    expect(new Set(other.tokens.map(t => t.join(',')))).toEqual(seen);
    expect(other.tokens).not.toEqual(all.tokens);
    expect(tasks.modadd!.batch(modadd, 3, 10)).toEqual({
      tokens: all.tokens.slice(0, 10),
      targets: all.targets.slice(0, 10),
    });
    expect(() => tasks.modadd!.batch(modadd, 3, p * p + 1)).toThrow(UserError);
  });

  it('induction: sequences cut before their last token, which is their target; the same seed, the same batch', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 1, max: 8 }), (seed, count) => {
        const batch = tasks.induction!.batch(induction, seed, count);
        const full = inductionBatch(seed, count, inductionConfig(induction));
        expect(batch.tokens).toEqual(full.map(e => e.tokens.slice(0, -1)));
        expect(batch.targets).toEqual(full.map(e => e.tokens[e.tokens.length - 1]));
        expect(tasks.induction!.batch(induction, seed, count)).toEqual(batch);
        expect(checkBatch(batch, induction, 'task induction')).toBe(batch);
      }),
      { numRuns: 30 },
    );
    expect(tasks.induction!.batch(induction, 0).tokens).toHaveLength(tasks.induction!.defaultCount!);
  });

  it('sizes its sequences for any model: they fit its vocabulary and context', () => {
    for (const stem of ['attn1', 'seed1', 'two-layer', 'full']) {
      const arch = loadSpec(`examples/${stem}.pathsum`);
      for (const task of Object.values(tasks)) {
        if (arch.context < 3 && task === tasks.modadd) continue;
        expect(() => checkBatch(task.batch(arch, 1, 5), arch, stem)).not.toThrow();
      }
    }
  });

  it('batchOfExamples keeps each example up to its last target', () => {
    const batch = batchOfExamples([
      { tokens: [4, 5, 6, 7], targets: [{ position: 1, token: 6, group: 'g' }] },
      {
        tokens: [1, 2, 3],
        targets: [
          { position: 2, token: 9, group: 'g' },
          { position: 0, token: 2, group: 'g' },
        ],
      },
    ]);
    expect(batch).toEqual({
      tokens: [
        [4, 5],
        [1, 2, 3],
      ],
      targets: [6, 9],
    });
  });
});

describe('--task through the CLI', () => {
  it('features examples/modadd --task modadd scores the truncation on the pairs', async () => {
    const { code, out, err } = await cli(
      'features',
      'examples/modadd',
      '--layer',
      '0',
      '--token',
      '3',
      '--task',
      'modadd',
      '--count',
      '40',
      '--seed',
      '5',
      '--ranks',
      '2',
      '--json',
    );
    expect(err).toBe('');
    expect(code).toBe(0);
    const { truncation } = JSON.parse(out) as { truncation: { sequences: number; baseline: { accuracy: number } } };
    expect(truncation.sequences).toBe(40);
    expect(truncation.baseline.accuracy).toBe(1); // the card's held-out accuracy is 100%
  });

  it.each([
    [['--task', 'nope'], "features: no task named 'nope' (registered: modadd, induction)"],
    [['--count', '3'], 'features: --count N chooses how many sequences --task NAME makes; give --task'],
    [['--seed', '3'], 'features: --seed S seeds the sequences of --task NAME; give --task'],
    [['--task', 'modadd', '--count', '0'], "features: --count must be an integer ≥ 1, found '0'"],
    [['--task', 'modadd', '--count', '3482'], /^task modadd: model 'modadd' has 3481 pairs a b = \(p = 59\)/],
  ] as [string[], string | RegExp][])('%j → one line', async (args, message) => {
    const { code, err } = await cli('features', 'examples/modadd', '--layer', '0', '--token', '3', ...args);
    expect(code).toBe(1);
    expect(err.split('\n')).toHaveLength(2);
    expect(err.replace(/^pathsum: /, '').trimEnd()).toMatch(
      typeof message === 'string' ? new RegExp(`^${literal(message)}$`) : message,
    );
  });
});

const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
