// docs/walkthrough.md, last part (walkthrough-doc.ts): `pathsum verify` on the induction model, alone
// in its file because one run evaluates all 53,300 terms three ways. The command runs as `run` does
// (src/cli/verify.ts: prepare, each law, finish), one law to a hook so that no hook runs long; the hooks
// are nested, one describe block inside the other, so they run in order and all before the test.
import { beforeAll, describe, expect, it } from 'vitest';
import { hooksInOrder } from '../hooks-in-order.js';
import { memoryIo } from '../../src/cli/io.js';
import { prepare, type Verification } from '../../src/cli/verify.js';
import { useBackend } from '../../src/numeric/backend.js';
import type { LawReport } from '../../src/verify/verify.js';
import { expectPart, inductionVerify, VERIFY_COMMAND } from './walkthrough-doc.js';

/** Σ terms, weight mode, rewrites, Σ score terms, score rewrites. */
const LAWS = 5;

const io = memoryIo();
let verification: Verification;
const reports: LawReport[] = [];

function verificationTest(): void {
  it("the induction model's verification is what `pathsum verify` prints", () => {
    expect(verification.laws).toHaveLength(LAWS);
    expect(verification.finish(reports)).toBe(0);
    expectPart(3, inductionVerify(io.terminal()));
  });
}

describe('docs/walkthrough.md', () => {
  beforeAll(async () => {
    await useBackend('wasm');
    const prepared = await prepare(VERIFY_COMMAND.split(' ').slice(2), io);
    if (typeof prepared === 'number') throw new Error(`${VERIFY_COMMAND} exited ${prepared}: ${io.err()}`);
    verification = prepared;
  });

  hooksInOrder(
    LAWS,
    law => `law ${law + 1} of ${LAWS}`,
    law => reports.push(verification.laws[law]!()),
    verificationTest,
  );
});
