// The shipped models (examples/modadd, examples/induction, examples/hf-induction) against their cards: each
// model is loaded as a user would load it (spec file + weights directory, or the Hugging Face folder as it
// is), its held-out data regenerated
// from the card's seeds with the generators it was trained on, and its accuracy re-measured. The
// counts must equal the card's and meet the task's threshold, so card and weights cannot drift.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/numeric/backend.js';
import { disposeWeights, loadWeights } from '../../src/numeric/weights.js';
import { loadSpec } from '../../src/model/spec.js';
import { loadSpecSource } from '../../src/numeric/spec-source.js';
import { accuracyByGroup, type GroupAccuracy } from '../../examples/train/evaluate.js';
import type { Example } from '../../src/analysis/inputs.js';
import { inductionBatch } from '../../src/analysis/task-induction.js';
import { modaddSplit } from '../../src/analysis/task-modadd.js';

interface CardAccuracy {
  correct: number;
  total: number;
  accuracy: number;
}

/** The fields of examples/<task>/card.json that these tests read. */
interface Card {
  /** The spec file; absent for a Hugging Face folder, which is its own spec. */
  spec?: string;
}

interface ModaddCard extends Card {
  p: number;
  data: { seed: number; trainFraction: number; heldOutSize: number };
  heldOutAccuracy: CardAccuracy;
}

interface InductionCard extends Card {
  vocab: number;
  context: number;
  data: { heldOutSeed: number; heldOutSize: number; minPeriod: number; maxPeriod: number };
  heldOutAccuracy: { repeated: CardAccuracy; fresh: CardAccuracy };
}

type Measured<C extends Card> = ReturnType<typeof measure<C>>;

function measure<C extends Card>(task: string, examples: (card: C) => Example[]) {
  const dir = join('examples', task);
  const card = JSON.parse(readFileSync(join(dir, 'card.json'), 'utf8')) as C;
  const arch = card.spec === undefined ? loadSpecSource(dir) : loadSpec(join(dir, card.spec));
  const { weights, warnings } = loadWeights(arch, dir);
  const measured = accuracyByGroup(arch, weights, examples(card));
  disposeWeights(weights);
  return { card, arch, warnings, measured };
}

function expectMatchesCard(measured: GroupAccuracy | undefined, reported: CardAccuracy) {
  expect(measured).toBeDefined();
  expect({ correct: measured!.correct, total: measured!.total }).toEqual({
    correct: reported.correct,
    total: reported.total,
  });
  expect(Number(measured!.accuracy.toFixed(4))).toBe(reported.accuracy);
}

/** Measured once per model, before its tests (and after the backend is chosen). */
function measuredBeforeAll<C extends Card>(task: string, examples: (card: C) => Example[]): () => Measured<C> {
  let result: Measured<C> | undefined;
  beforeAll(async () => {
    await useBackend('wasm');
    result = measure(task, examples);
  });
  return () => result!;
}

describe('examples/modadd', () => {
  const model = measuredBeforeAll(
    'modadd',
    (c: ModaddCard) => modaddSplit(c.data.seed, { p: c.p, trainFraction: c.data.trainFraction }).heldOut,
  );

  it('is the model the card describes', () => {
    const { card, arch, warnings, measured } = model();
    expect(warnings).toEqual([]);
    expect(arch.vocab).toBe(card.p + 1);
    expect(card.data.heldOutSize).toBe(measured.get('sum')!.total);
  });

  it("reproduces the card's held-out accuracy, at least 99%", () => {
    const { card, measured } = model();
    expectMatchesCard(measured.get('sum'), card.heldOutAccuracy);
    expect(measured.get('sum')!.accuracy).toBeGreaterThanOrEqual(0.99);
  });
});

describe('examples/induction', () => {
  const model = measuredBeforeAll('induction', (c: InductionCard) =>
    inductionBatch(c.data.heldOutSeed, c.data.heldOutSize, {
      vocab: c.vocab,
      context: c.context,
      minPeriod: c.data.minPeriod,
      maxPeriod: c.data.maxPeriod,
    }),
  );

  it('is the model the card describes', () => {
    const { card, arch, warnings } = model();
    expect(warnings).toEqual([]);
    expect([arch.vocab, arch.context, arch.layers.length]).toEqual([card.vocab, card.context, 2]);
  });

  it("reproduces the card's accuracy on the repeated part, at least 90%", () => {
    const { card, measured } = model();
    expectMatchesCard(measured.get('repeated'), card.heldOutAccuracy.repeated);
    expect(measured.get('repeated')!.accuracy).toBeGreaterThanOrEqual(0.9);
  });

  it("reproduces the card's accuracy where nothing repeats, above chance (1/vocab)", () => {
    const { card, arch, measured } = model();
    expectMatchesCard(measured.get('fresh'), card.heldOutAccuracy.fresh);
    expect(measured.get('fresh')!.accuracy).toBeGreaterThan(1 / arch.vocab);
  });
});

describe('examples/hf-induction', () => {
  const model = measuredBeforeAll('hf-induction', (c: InductionCard) =>
    inductionBatch(c.data.heldOutSeed, c.data.heldOutSize, {
      vocab: c.vocab,
      context: c.context,
      minPeriod: c.data.minPeriod,
      maxPeriod: c.data.maxPeriod,
    }),
  );

  it('is the model the card describes, read from its Hugging Face folder', () => {
    const { card, arch, warnings } = model();
    expect(warnings).toEqual([]);
    expect([arch.vocab, arch.context, arch.layers.length]).toEqual([card.vocab, card.context, 3]);
    expect(arch.layers.every(l => l.attention?.rotary && l.attention.norm === 'rms')).toBe(true);
  });

  it("reproduces the card's accuracy on the repeated part, at least 90%", () => {
    const { card, measured } = model();
    expectMatchesCard(measured.get('repeated'), card.heldOutAccuracy.repeated);
    expect(measured.get('repeated')!.accuracy).toBeGreaterThanOrEqual(0.9);
  });

  it("reproduces the card's accuracy where nothing repeats, above chance (1/vocab)", () => {
    const { card, arch, measured } = model();
    expectMatchesCard(measured.get('fresh'), card.heldOutAccuracy.fresh);
    expect(measured.get('fresh')!.accuracy).toBeGreaterThan(1 / arch.vocab);
  });
});
