// The generator of docs/walkthrough.md from the tool's own output on the shipped models: every
// command shown is run, every number in the prose computed. The document has three parts, each
// checked by its own test file so that none runs long: the check, modadd and the induction model's
// terms (walkthrough.test.ts); the induction model over held-out sequences
// (walkthrough-induction.test.ts); its verification (walkthrough-verify.test.ts).
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { expand, type Term } from '../../src/model/expand.js';
import { pathFamily } from '../../src/paths/family.js';
import { formatTerm } from '../../src/model/term-formula.js';
import { memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { argmax, byFamily, byHead, evaluateSequence } from '../../src/numeric/attribution.js';
import { disposeFrozen, forward, forwardOne } from '../../src/numeric/forward.js';
import { loadModel, type Model } from '../../src/numeric/model.js';
import { inductionBatch } from '../../src/analysis/task-induction.js';
import { inductionConfig } from '../../src/analysis/tasks.js';
import { expandScores, scoreFamily } from '../../src/model/scores.js';
import { evaluateScores } from '../../src/numeric/scores.js';
import { expectGoldenPart } from '../golden.js';
import { REPORT_ANCHOR } from '../report/walkthrough-part.js';
import { HF_ANCHOR } from './walkthrough-hf.js';
import { TRACE_ANCHOR } from './walkthrough-trace.js';

const TOUR_INPUT = '3,17,8,21,5,11,14,2,3,17,8,21,5,11,14';
/** Held-out induction sequences the shares and the heads' roles are measured on. */
export const SEQUENCES = 8;
/** The modadd shares are measured on every STRIDE-th pair `a b`, in the order a·p + b. */
const STRIDE = 7;

export const DOC = 'docs/walkthrough.md';
/** The first line of each part. */
export const ANCHORS = [
  '# Walkthrough: three trained models, term by term',
  `The families do. The mean share of the correct logit over ${SEQUENCES} held-out sequences, at the last`,
  'Which key a head matches is decided before its pattern is frozen, by its pre-softmax scores, and those',
  'The expansion is exact: `verify` checks the laws on random token sequences, here on one',
  REPORT_ANCHOR,
  HF_ANCHOR,
  TRACE_ANCHOR,
];
export const expectPart = (part: number, text: string) => expectGoldenPart(DOC, ANCHORS, part, text);

async function run(command: string): Promise<string> {
  const io = memoryIo();
  const code = await main(command.split(' ').slice(1), io);
  if (code !== 0) throw new Error(`${command} exited ${code}: ${io.err()}`);
  // what the terminal shows, stderr lines (the backend, a --limit's count) included
  return io.terminal();
}

const block = (command: string, out: string) => ['```', `$ ${command}`, out.trimEnd(), '```'].join('\n');
const shell = async (command: string) => block(command, await run(command));

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

interface Accuracy {
  accuracy: number;
  total: number;
}
interface Card {
  /** One figure (modadd), or one per group of targets (induction: repeated, fresh). */
  heldOutAccuracy: Accuracy & Record<string, Accuracy>;
  steps: number;
  wallTimeSeconds: number;
}
const card = (dir: string) => JSON.parse(readFileSync(`${dir}/card.json`, 'utf8')) as Card;

const heldOut = (model: Model) => inductionBatch(4242, SEQUENCES, inductionConfig(model.arch));

/** One held-out sequence at its last position: each family's and head's share of the correct logit. */
interface SequenceShares {
  readonly families: ReadonlyMap<string, number>;
  readonly heads: ReadonlyMap<string, number>;
  readonly correct: boolean;
}

/** The held-out sequences `from`..`to − 1`, each evaluated on all of `terms`. */
export function heldOutShares(model: Model, terms: readonly Term[], from: number, to: number): SequenceShares[] {
  return heldOut(model)
    .slice(from, to)
    .map(({ tokens, targets }) => {
      const last = targets[targets.length - 1]!;
      const input = tokens.slice(0, last.position + 1);
      const r = evaluateSequence(model, input, terms, { token: last.token, position: last.position, check: false });
      const total = r.attributions.reduce((s, a) => s + a.contribution, 0);
      const shares = (groups: { group: string; contribution: number }[]) =>
        new Map(groups.map(g => [g.group, g.contribution / total]));
      return {
        families: shares(byFamily(r.attributions)),
        heads: shares(byHead(r.attributions)),
        correct: argmax(r.logits[last.position]!) === last.token,
      };
    });
}

/** Mean share of the correct logit, per family and per head, over the held-out sequences (all SEQUENCES of them). */
function inductionShares(perSequence: readonly SequenceShares[]) {
  if (perSequence.length !== SEQUENCES) throw new Error(`${perSequence.length} of ${SEQUENCES} sequences evaluated`);
  const families = new Map<string, number>();
  const heads = new Map<string, number>();
  for (const s of perSequence) {
    for (const [f, v] of s.families) families.set(f, (families.get(f) ?? 0) + v / SEQUENCES);
    for (const [h, v] of s.heads) heads.set(h, (heads.get(h) ?? 0) + v / SEQUENCES);
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]));
  const correct = perSequence.filter(s => s.correct).length;
  return { families: sorted(families), heads: sorted(heads), correct };
}

interface Role {
  readonly head: string;
  /** Mean attention on the position just after the previous occurrence of the current token. */
  readonly induction: number;
  /** Mean attention on the position just before. */
  readonly previous: number;
}

/**
 * What each head's frozen pattern does on the held-out sequences, at positions whose token
 * occurred before: the mean attention on the position just after the previous occurrence
 * (induction), and on the position just before (previous token). One forward pass per sequence.
 */
function attentionRoles(model: Model): Role[] {
  const layers = model.arch.layers.map(l => l.attention!.heads);
  const sums = layers.map(heads => Array.from({ length: heads }, () => ({ induction: 0, previous: 0 })));
  let count = 0;
  for (const { tokens } of heldOut(model)) {
    const { logits, frozen } = forwardOne(model.arch, model.weights, tokens);
    const n = tokens.length;
    const patterns = frozen.patterns.map(p => p!.dataSync());
    for (let t = 1; t < n; t++) {
      const before = tokens.lastIndexOf(tokens[t]!, t - 1);
      if (before < 0) continue;
      count++;
      sums.forEach((heads, layer) => {
        heads.forEach((sum, head) => {
          sum.induction += patterns[layer]![(head * n + t) * n + before + 1]!;
          sum.previous += patterns[layer]![(head * n + t) * n + t - 1]!;
        });
      });
    }
    disposeFrozen(frozen);
    logits.dispose();
  }
  return sums.flatMap((heads, layer) =>
    heads.map((s, head) => ({
      head: `${layer}.${head}`,
      induction: s.induction / count,
      previous: s.previous / count,
    })),
  );
}

/** The rank-1 row of an `eval` table: the largest term and its share. */
function largestTerm(evalOutput: string): { term: string; share: string } {
  const row = /^ +1 +-?[\d.]+ +(-?[\d.]+%) +\d+ {2}(.+)$/m.exec(evalOutput);
  if (!row) throw new Error(`no rank-1 row in the eval output:\n${evalOutput}`);
  return { term: row[2]!, share: row[1]! };
}

/** The induction model, its expansion and its terms on the tour's input. */
export async function inductionTerms(): Promise<string> {
  const { heldOutAccuracy, steps, wallTimeSeconds } = card('examples/induction');
  const tour = `pathsum eval examples/induction --tokens ${TOUR_INPUT} --by-family --top 8`;
  const tourOutput = await run(tour);
  const best = largestTerm(tourOutput);
  return [
    '## Induction (`examples/induction`)',
    '',
    `Two layers of four heads and a bilinear MLP, trained for ${steps} steps (${wallTimeSeconds} s) on sequences whose`,
    'second part repeats the first. On held-out sequences it completes a repeat',
    `${pct(heldOutAccuracy.repeated!.accuracy)} of the time (${heldOutAccuracy.repeated!.total} targets) and guesses ` +
      `a fresh token ${pct(heldOutAccuracy.fresh!.accuracy)}`,
    'of the time (chance is 1/24 = 4.2%). Its expansion has 53,300 terms, too many to read; the first of them:',
    '',
    await shell('pathsum expand examples/induction/induction.pathsum --limit 12'),
    '',
    "`eval` weighs every one of them against the forward pass on the tour's input, eight tokens and then the",
    'first seven again:',
    '',
    block(tour, tourOutput),
    '',
    `No single term carries the answer: the largest, \`${best.term}\`, holds`,
    `${best.share} of the logit.`,
    '',
    '',
  ].join('\n');
}

/**
 * The induction model's families, heads and attention patterns over held-out sequences, from the shares of
 * every held-out sequence in order (heldOutShares: the test evaluates them a few at a time).
 */
export function inductionHeldOut(model: Model, perSequence: readonly SequenceShares[]): string {
  const shares = inductionShares(perSequence);
  const [topHead, secondHead] = shares.heads;
  const roles = attentionRoles(model);
  const inductionHeads = roles.filter(r => r.head.startsWith('1.') && r.induction > 0.5);
  const inductionHead = roles.filter(r => r.head.startsWith('1.')).sort((a, b) => b.induction - a.induction)[0]!;
  const previousHead = roles.filter(r => r.head.startsWith('0.')).sort((a, b) => b.previous - a.previous)[0]!;
  const layer1Pairs = shares.families.filter(([f]) => f.startsWith('pair L1')).reduce((s, [, v]) => s + v, 0);
  const virtual = shares.families.filter(([f]) => f.includes('virtual head')).reduce((s, [, v]) => s + v, 0);
  return [
    ANCHORS[1],
    `position of each (${shares.correct} of them predicted correctly):`,
    '',
    '| family | mean share |',
    '| --- | --- |',
    ...shares.families.slice(0, 8).map(([f, v]) => `| ${f} | ${pct(v)} |`),
    '',
    `Layer-1 bilinear pairs carry ${pct(layer1Pairs)} between them, and terms with a virtual head (a layer-1 head`,
    `reading a layer-0 head's output: V-composition) ${pct(virtual)}. By head, the terms through`,
    `head ${topHead![0]} carry ${pct(topHead![1])} of the logit and those through head ${secondHead![0]} ` +
      `${pct(secondHead![1])} (a term through both counts for`,
    'both):',
    '',
    '| head | mean share of the terms through it |',
    '| --- | --- |',
    ...shares.heads.map(([h, v]) => `| ${h} | ${pct(v)} |`),
    '',
    'Their frozen patterns say what the heads do. At positions whose token occurred before, the mean',
    'attention each head puts on the position just after the earlier occurrence (where an induction head',
    'looks) and on the position just before the current one (where a previous-token head looks):',
    '',
    '| head | after the earlier occurrence | previous position |',
    '| --- | --- | --- |',
    ...roles.map(r => `| ${r.head} | ${pct(r.induction)} | ${pct(r.previous)} |`),
    '',
    inductionHeads.length > 1
      ? `Heads ${inductionHeads.map(r => r.head).join(', ')} attend like induction heads (over half their attention ` +
        `on the token to copy); the terms through ${topHead![0]} carry the most of the answer.`
      : `Head ${inductionHead.head} is the induction head ` +
        `(${pct(inductionHead.induction)} of its attention on the token to copy).`,
    previousHead.previous >= 0.5
      ? `Head ${previousHead.head} is a previous-token head (${pct(previousHead.previous)}), ` +
        "the K-composition partner of the induction heads' keys."
      : 'No layer-0 head is a clean previous-token head: ' +
        `the most, head ${previousHead.head}, puts ${pct(previousHead.previous)} of its attention there.`,
    'These terms show the value side: which paths carry the copied token, and how the layer-1 MLP',
    'multiplies it with the other paths (the `pair L1` families), with every pattern frozen.',
    '',
    '',
  ].join('\n');
}

/** Why the induction head attends where it does (docs/walkthrough.md's part on score terms). */
export async function inductionScoresPart(): Promise<string> {
  const model = loadModel('examples/induction');
  const roles = attentionRoles(model);
  const head = roles.filter(r => r.head.startsWith('1.')).sort((a, b) => b.induction - a.induction)[0]!.head;
  return [...(await inductionScores(model, head)), '', ''].join('\n');
}

/**
 * Why the induction head attends where it does: its score terms (docs/design.md §1), on the tour's input and,
 * over the held-out sequences, each family's share of the margin by which the key after the earlier occurrence
 * out-scores the mean of the other keys.
 */
async function inductionScores(model: Model, head: string): Promise<string[]> {
  const command = `pathsum eval examples/induction --tokens ${TOUR_INPUT} --scores ${head} --top 6`;
  const target = { layer: Number(head.split('.')[0]), head: Number(head.split('.')[1]) };
  const terms = expandScores(model.arch, target);
  const margins = new Map<string, number>();
  let total = 0;
  let positions = 0;
  for (const { tokens } of heldOut(model)) {
    const values = evaluateScores(model.arch, model.weights, tokens, target, terms);
    for (let t = 1; t < tokens.length; t++) {
      const before = tokens.lastIndexOf(tokens[t]!, t - 1);
      if (before < 0 || before + 1 > t) continue;
      positions++;
      // the key after the earlier occurrence, minus the mean of the other keys the query may attend to
      const weights = Float64Array.from({ length: tokens.length }, (_, j) =>
        j > t ? 0 : j === before + 1 ? 1 : -1 / t,
      );
      const perTerm = values.at(t, weights);
      terms.forEach((term, i) => {
        const margin = perTerm[i]!;
        margins.set(scoreFamily(term), (margins.get(scoreFamily(term)) ?? 0) + margin);
        total += margin;
      });
    }
  }
  const families = [...margins].sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]));
  const share = (v: number) => pct(v / total);
  const sum = (keep: (family: string) => boolean) => families.filter(([f]) => keep(f)).reduce((x, [, v]) => x + v, 0);
  const keySide = sum(f => f.includes('K-composition'));
  const queryOnly = sum(f => f.startsWith('Q-composition'));
  const tour = TOUR_INPUT.split(',');
  const earlier = tour.lastIndexOf(tour[tour.length - 1]!, tour.length - 2);
  return [
    ANCHORS[2],
    `expand too (\`--scores\`): one term per pair of a query path and a key path. Head ${head} at the last`,
    `position of the tour, whose token occurred at position ${earlier}, and the key it attends to most:`,
    '',
    block(command, await run(command)),
    '',
    `Over the ${SEQUENCES} held-out sequences, at the ${positions} positions whose token occurred before, the`,
    `score of head ${head} for the key just after the earlier occurrence exceeds the mean score of the other keys`,
    `by ${(total / positions).toFixed(2)} on average. The families' shares of that margin:`,
    '',
    '| family | share of the margin |',
    '| --- | --- |',
    ...families.map(([f, v]) => `| ${f} | ${share(v)} |`),
    '',
    `The terms whose key side went through layer 0 (the K-composition families, with or without the query side,`,
    `directly or through the bilinear MLP) carry ${share(keySide)} of it; those where only the query side did`,
    `${share(queryOnly)}, the direct terms ${share(sum(f => f === 'direct'))}. The key after the earlier occurrence`,
    keySide > 0.5
      ? 'wins because of what layer 0 wrote at that key position: K-composition, as in an induction head.'
      : 'is not chosen by what layer 0 wrote at the key alone.',
  ];
}

/** The command the verification part shows: one run is already 53,300 terms evaluated three ways. */
export const VERIFY_COMMAND = 'pathsum verify examples/induction --runs 1 --seed 1';

/** `verify` on the induction model, from what VERIFY_COMMAND printed (the test runs it a law at a time). */
export function inductionVerify(printed: string): string {
  return [ANCHORS[3], '(every run evaluates all 53,300 terms):', '', block(VERIFY_COMMAND, printed), ''].join('\n');
}

/** Whether the model gets `a b =` right, for every pair: one batched forward pass. */
function modaddCorrect(model: Model, p: number): number {
  return tf.tidy(() => {
    const inputs = Array.from({ length: p * p }, (_, i) => [Math.floor(i / p), i % p, p]);
    const { logits } = forward(model.arch, model.weights, tf.tensor2d(inputs.flat(), [p * p, 3], 'int32'));
    const predicted = tf.argMax(tf.squeeze(tf.slice(logits, [0, 2, 0], [-1, 1, -1]), [1]), 1).dataSync();
    return inputs.filter(([a, b], i) => predicted[i] === (a! + b!) % p).length;
  });
}

/** Over every STRIDE-th `a b =`: each term's mean share of the answer's logit, and how often it is the largest. */
function modaddShares(model: Model, terms: readonly Term[], p: number) {
  const share = new Float64Array(terms.length);
  const largest = new Float64Array(terms.length);
  const inputs = Array.from({ length: Math.ceil((p * p) / STRIDE) }, (_, k) => k * STRIDE);
  for (const i of inputs) {
    const [a, b] = [Math.floor(i / p), i % p];
    const r = evaluateSequence(model, [a, b, p], terms, { token: (a + b) % p, position: 2, check: false });
    const total = r.attributions.reduce((s, x) => s + x.contribution, 0);
    r.attributions.forEach((x, j) => {
      share[j]! += x.contribution / total / inputs.length;
    });
    const top = r.attributions.reduce(
      (best, x, j) => (x.contribution > r.attributions[best]!.contribution ? j : best),
      0,
    );
    largest[top]! += 1;
  }
  const order = [...terms.keys()].sort((i, j) => Math.abs(share[j]!) - Math.abs(share[i]!));
  return { order, share, largest, sampled: inputs.length };
}

export async function modadd(): Promise<string> {
  const model = loadModel('examples/modadd');
  const p = model.arch.vocab - 1;
  const terms = [...expand(model.arch)];
  const { heldOutAccuracy, steps, wallTimeSeconds } = card('examples/modadd');
  const correct = modaddCorrect(model, p);
  const { order, share, largest, sampled } = modaddShares(model, terms, p);
  const text = (i: number) => formatTerm(terms[i]!, model.arch, 'text');
  const top = order[0]!;
  const pairs = order.filter(i => terms[i]!.path.kind === 'bilinear');
  const pairShare = pairs.reduce((s, i) => s + share[i]!, 0);
  const headPairs = order
    .filter(i => pathFamily(terms[i]!.path) === 'pair L0: head L0 × head L0')
    .reduce((s, i) => s + share[i]!, 0);
  return [
    '## Modular addition (`examples/modadd`)',
    '',
    `One layer of four heads and a bilinear MLP, no positional embedding, trained for ${steps} steps ` +
      `(${wallTimeSeconds} s) on`,
    `part of the pairs \`a b =\` → \`(a + b) mod ${p}\`; on the held-out pairs it is right ` +
      `${pct(heldOutAccuracy.accuracy)} of the time`,
    `(${heldOutAccuracy.total} pairs), and right on ${correct} of all ${p * p} pairs. Its expansion is small enough ` +
      `to read whole:`,
    '',
    await shell('pathsum expand examples/modadd/modadd.pathsum'),
    '',
    `Which of these terms computes the sum? On \`17 25 =\` (the answer is ${(17 + 25) % p}):`,
    '',
    await shell(`pathsum eval examples/modadd --tokens 17,25,${p} --by-family`),
    '',
    `Over ${sampled} of the ${p * p} inputs (every ${STRIDE}th pair in the order \`a · ${p} + b\`), the mean share ` +
      `of the correct`,
    `answer's logit, per term (the largest ${Math.min(6, terms.length)}):`,
    '',
    '| term | mean share | largest term on |',
    '| --- | --- | --- |',
    ...order.slice(0, 6).map(i => `| \`${text(i)}\` | ${pct(share[i]!)} | ${largest[i]} of ${sampled} inputs |`),
    '',
    `The bilinear pair terms together carry ${pct(pairShare)} of the answer's logit. The one that carries most is`,
    `\`${text(pairs[0]!)}\` (${pct(share[pairs[0]!]!)}${pairs[0] === top ? ', the largest of all terms' : ''}).`,
    `The pairs of two heads' outputs (\`pair L0: head L0 × head L0\`) carry ${pct(headPairs)} of it on average.`,
    ...(headPairs > 0.9
      ? [
          'That product is where the operands meet: each head moves a weighted average of the embeddings of',
          '`a`, `b` and `=` to the `=` position, which is linear in the inputs, while `(a + b) mod p` is not; the',
          "product of two heads' outputs has degree 2 and holds the cross terms of `a` with `b`.",
        ]
      : []),
    '[features.md](features.md) opens the bilinear layer up into the input directions it multiplies.',
    '',
    await shell('pathsum verify examples/modadd --runs 20 --seed 1'),
    '',
  ].join('\n');
}

/**
 * The title, the check of both models, modadd, and the induction model's terms (the last two from modadd()
 * and inductionTerms(), which walkthrough.test.ts runs in hooks of their own).
 */
export async function introAndTerms(modaddPart: string, inductionPart: string): Promise<string> {
  return [
    ANCHORS[0],
    '',
    "<!-- generated by test/docs/walkthrough*.test.ts from the tool's output; `npm run golden` rewrites it -->",
    '',
    'pathsum ships three small bilinear transformers it trained itself (`npm run train`, `examples/train/`),',
    'each a directory with its weights (`model.safetensors`), a `card.json` of how it was trained and either',
    "a spec (modadd, induction) or a Hugging Face `config.json` (hf-induction, the published models' layout).",
    'Every command below takes such a directory, or a spec plus `--weights FILE`; every output is the',
    "tool's own.",
    '',
    '## Check',
    '',
    await shell('pathsum check examples/modadd/modadd.pathsum examples/induction/induction.pathsum'),
    '',
    modaddPart,
    inductionPart,
  ].join('\n');
}
