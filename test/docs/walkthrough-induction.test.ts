// docs/walkthrough.md, second part (walkthrough-doc.ts): the induction model over held-out sequences,
// its families' and heads' shares of the correct logit and what its heads attend to. Each held-out
// sequence evaluates all 53,300 terms: two sequences to a hook, so that none runs long. The hooks are
// nested, one describe block inside the other, so they run in order and all before the test.
import { beforeAll, describe, expect, it } from 'vitest';
import { hooksInOrder } from '../hooks-in-order.js';
import { expand, type Term } from '../../src/model/expand.js';
import { useBackend } from '../../src/numeric/backend.js';
import { loadModel, type Model } from '../../src/numeric/model.js';
import { expectPart, heldOutShares, inductionHeldOut, SEQUENCES } from './walkthrough-doc.js';

const PER_HOOK = 2;

let model: Model;
let terms: Term[];
const perSequence: ReturnType<typeof heldOutShares> = [];

const HOOKS = Math.ceil(SEQUENCES / PER_HOOK);
const sequencesOf = (hook: number) => [hook * PER_HOOK, Math.min((hook + 1) * PER_HOOK, SEQUENCES)] as const;

function heldOutTest(): void {
  it('the induction model on held-out sequences is what the tool measures', () => {
    expect(terms).toHaveLength(53_300);
    expectPart(1, inductionHeldOut(model, perSequence));
  });
}

describe('docs/walkthrough.md', () => {
  beforeAll(async () => {
    await useBackend('wasm');
    model = loadModel('examples/induction');
    terms = [...expand(model.arch)];
  });

  hooksInOrder(
    HOOKS,
    hook => `held-out sequences ${sequencesOf(hook)[0] + 1} to ${sequencesOf(hook)[1]}`,
    hook => perSequence.push(...heldOutShares(model, terms, ...sequencesOf(hook))),
    heldOutTest,
  );
});
