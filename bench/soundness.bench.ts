// Issue 9's exhaustive sweeps of the rewrite rules, moved out of the test suite (which checks a sample
// per rule and shape of redex, test/simplify/soundness.test.ts): every step of every trace of the
// all-features model and of random models, the memoized formulas on every term, and the symmetrized
// sum against the ordered one on models of any size. Each check throws on a violation.
import fc from 'fast-check';
import { DenseEvaluator } from '../src/formula/evaluate-dense.js';
import type { Architecture } from '../src/language/architecture.js';
import { maxAbsDifference } from '../src/linalg/matrix.js';
import { expand } from '../src/model/expand.js';
import { compile } from '../src/model/spec.js';
import { formula, rawFormula } from '../src/model/term-formula.js';
import * as N from '../src/formula/nodes.js';
import { Rewriter, type Step } from '../src/simplify/rewrite.js';
import { randomDenseEnv, smallArchitecture } from '../test/arbitraries.js';

const TOLERANCE = 1e-9;
const SEED = 2024;
const ALL_FEATURES = compile(
  'model all { vocab 4; context 3; width 3; embed positional\n' +
    ' layers 2 { norm layer; attention heads 2 size 2 bias; norm layer; bilinear hidden 3 bias }\n' +
    ' norm layer; unembed bias }\n',
)[0]!;

const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(1);

function fail(what: string): never {
  throw new Error(`soundness bench: ${what}`);
}

/** Every distinct step of every term's trace (one rewriter, so a shared sub-formula's steps once). */
function replay(arch: Architecture, symmetrize: boolean, seed: number): { terms: number; steps: number } {
  const evaluator = new DenseEvaluator(randomDenseEnv(arch, seed));
  const trace: Step[] = [];
  const rewriter = new Rewriter(undefined, trace);
  let terms = 0;
  for (const term of expand(arch, { symmetrize, maxDegree: 2 })) {
    const raw = rawFormula(term, arch);
    if (maxAbsDifference(evaluator.value(raw), evaluator.value(rewriter.simplify(raw))) >= TOLERANCE)
      fail(`a term of ${arch.name} changes value when simplified`);
    terms++;
  }
  for (const step of trace)
    if (maxAbsDifference(evaluator.value(step.before), evaluator.value(step.after)) >= TOLERANCE)
      fail(`${step.rule} changes the value of a step on ${arch.name}`);
  return { terms, steps: trace.length };
}

function everyStep(): void {
  const start = performance.now();
  let terms = 0;
  let steps = 0;
  const add = (r: { terms: number; steps: number }) => {
    terms += r.terms;
    steps += r.steps;
  };
  add(replay(ALL_FEATURES, true, 1));
  add(replay(ALL_FEATURES, false, 2));
  fc.assert(
    fc.property(smallArchitecture(2), fc.boolean(), fc.integer(), (arch, symmetrize, seed) => {
      add(replay(arch, symmetrize, seed));
    }),
    { numRuns: 12, seed: SEED },
  );
  const models = 'the all-features model and 12 random ones';
  console.log(
    `every step of every trace: ${steps} distinct steps on ${terms} terms of ${models}, sound: ${seconds(start)} s`,
  );
}

function memoizedFormulas(): void {
  const start = performance.now();
  let terms = 0;
  fc.assert(
    fc.property(smallArchitecture(2), fc.boolean(), (arch, symmetrize) => {
      const rewriter = new Rewriter();
      for (const term of expand(arch, { symmetrize, maxDegree: 3 })) {
        const once = formula(term, arch);
        if (once !== rewriter.simplify(rawFormula(term, arch)))
          fail('a memoized formula is not the simplified raw one');
        if (rewriter.simplify(once) !== once) fail('simplification is not idempotent');
        terms++;
      }
    }),
    { numRuns: 40, seed: SEED },
  );
  console.log(
    `memoized formula = simplified raw formula, idempotent, on all ${terms} terms of 40 models: ${seconds(start)} s`,
  );
}

function symmetrizedSums(): void {
  const start = performance.now();
  let terms = 0;
  fc.assert(
    fc.property(smallArchitecture(2), fc.integer(), (arch, seed) => {
      const evaluator = new DenseEvaluator(randomDenseEnv(arch, seed));
      const ordered = [...expand(arch, { symmetrize: false, maxDegree: 2 })];
      terms += ordered.length;
      const before = evaluator.value(N.sum(ordered.map(t => rawFormula(t, arch))));
      const after = evaluator.value(N.sum([...expand(arch, { maxDegree: 2 })].map(t => formula(t, arch))));
      if (maxAbsDifference(before, after) >= 1e-8) fail('the symmetrized sum differs from the ordered sum');
    }),
    { numRuns: 30, seed: SEED },
  );
  console.log(`symmetrized sum = ordered sum on 30 models of any size (${terms} ordered terms): ${seconds(start)} s`);
}

export default function soundness(): void {
  everyStep();
  memoizedFormulas();
  symmetrizedSums();
}
