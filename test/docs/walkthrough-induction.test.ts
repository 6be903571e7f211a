// docs/walkthrough.md, second part (walkthrough-doc.ts): the induction model over held-out sequences,
// its families' and heads' shares of the correct logit and what its heads attend to. Each held-out
// sequence evaluates all 53,300 terms: two sequences to a hook, so that none runs long. The hooks are
// nested, one describe block inside the other, so they run in order and all before the test.
import { beforeAll, describe, expect, it } from 'vitest';
import { expand, type Term } from '../../src/model/expand.js';
import { useBackend } from '../../src/numeric/backend.js';
import { loadModel, type Model } from '../../src/numeric/model.js';
import { expectPart, heldOutShares, inductionHeldOut, SEQUENCES } from './walkthrough-doc.js';

const PER_HOOK = 2;

let model: Model;
let terms: Term[];
const perSequence: ReturnType<typeof heldOutShares> = [];

function evaluateFrom(from: number): void {
  const to = Math.min(from + PER_HOOK, SEQUENCES);
  describe(`held-out sequences ${from + 1} to ${to}`, () => {
    beforeAll(() => {
      perSequence.push(...heldOutShares(model, terms, from, to));
    });
    if (to < SEQUENCES) evaluateFrom(to);
    else
      it('the induction model on held-out sequences is what the tool measures', () => {
        expect(terms).toHaveLength(53_300);
        expectPart(1, inductionHeldOut(model, perSequence));
      });
  });
}

describe('docs/walkthrough.md', () => {
  beforeAll(async () => {
    await useBackend('wasm');
    model = loadModel('examples/induction');
    terms = [...expand(model.arch)];
  });

  evaluateFrom(0);
});
