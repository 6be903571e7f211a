// The generator of docs/features.md from `pathsum features` on the modular-addition model (examples/modadd);
// features.test.ts checks the committed file against it.
import { pairList } from '../../src/cli/features.js';
import * as tf from '@tensorflow/tfjs-core';
import { bilinearForm } from '../../src/analysis/bilinear.js';
import { analyzeFeatures, type FeatureReport } from '../../src/analysis/features.js';
import { frequencyShares } from '../../src/analysis/fourier.js';
import type { Batch } from '../../src/analysis/inputs.js';
import { interactionMatrix } from '../../src/analysis/interaction.js';
import { apply, column, type Matrix, multiply, row, transpose, zeros } from '../../src/linalg/matrix.js';
import { outputDirection } from '../../src/analysis/direction.js';
import { tokenInputs, type Via } from '../../src/analysis/tokens.js';
import { truncationCurve } from '../../src/analysis/truncation.js';
import { forward } from '../../src/numeric/forward.js';
import { W_E, WeightView } from '../../src/numeric/weight-view.js';
import type { Weights } from '../../src/numeric/weights.js';
import type { Architecture } from '../../src/language/architecture.js';

export const SPEC = 'examples/modadd/modadd.pathsum';
const TOP = 8;
const POSITIONAL_NOTE =
  ' The model has a positional embedding: a is read at position 0 and b at position 1 (`--position 0,1`); ' +
  'a profile at another position differs by a constant, which leaves its Fourier shares unchanged.';
const PAIRS = 20;

/** Every `a b =` → (a + b) mod p; the `=` token is p, the last of the vocabulary. */
export function modularAddition(p: number): Batch {
  const tokens: number[][] = [];
  const targets: number[] = [];
  for (let a = 0; a < p; a++)
    for (let b = 0; b < p; b++) {
      tokens.push([a, b, p]);
      targets.push((a + b) % p);
    }
  return { tokens, targets };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const fixed = (x: number, digits = 3) => (Math.abs(x) < 0.5 * 10 ** -digits ? (0).toFixed(digits) : x.toFixed(digits));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const sum = (xs: Iterable<number>) => [...xs].reduce((s, x) => s + x, 0);

/** a at position 0 and b at position 1 when the model has W_pos (`--position 0,1`). */
const positionsOf = (arch: Architecture) => (arch.positional ? { position: 0, pairPosition: 1 } : {});

/** Share of W_E's Fourier power (rows 0..p-1, summed over the d columns) at each ω = 1..⌊p/2⌋. */
function embeddingSpectrum(arch: Architecture, weights: Weights, p: number): number[] {
  const embed = new WeightView(arch, weights).matrix64(W_E);
  const power = new Array<number>(Math.floor(p / 2)).fill(0);
  for (let i = 0; i < arch.width; i++) {
    const profile = column(embed, i).subarray(0, p);
    const mean = sum(profile) / p;
    const variance = sum(profile.map(x => (x - mean) ** 2));
    frequencyShares(profile, p).forEach((s, w) => {
      power[w]! += s * variance;
    });
  }
  const total = sum(power);
  return power.map(x => x / total);
}

/** The fewest frequencies holding 80% of the spectrum (at most 8), strongest first. */
function keyFrequencies(spectrum: number[], count?: number): number[] {
  const order = spectrum.map((s, w) => ({ w: w + 1, s })).sort((a, b) => b.s - a.s);
  if (count !== undefined) return order.slice(0, count).map(x => x.w);
  const keys: number[] = [];
  let mass = 0;
  for (const { w, s } of order) {
    if (mass >= 0.8 || keys.length === 8) break;
    keys.push(w);
    mass += s;
  }
  return keys;
}

interface Sweep {
  readonly reports: FeatureReport[];
  /** Per token c and top eigenvector: the best single frequency's share of the token profile. */
  readonly best: number[];
  /** The same profiles' share in the key frequencies. */
  readonly key: number[];
  readonly frequencies: Map<number, number>;
}

function sweep(arch: Architecture, weights: Weights, p: number, via: Via, keys: number[]): Sweep {
  const reports = Array.from({ length: p }, (_, c) =>
    analyzeFeatures(arch, weights, {
      layer: 0,
      direction: { kind: 'token', token: c },
      top: TOP,
      tokens: 5,
      pairs: 10,
      pairTokens: p,
      via,
      period: p,
      ...positionsOf(arch),
    }),
  );
  const features = reports.flatMap(r => r.features);
  const frequencies = new Map<number, number>();
  for (const f of features) frequencies.set(f.fourier.frequency, (frequencies.get(f.fourier.frequency) ?? 0) + 1);
  return {
    reports,
    best: features.map(f => f.fourier.share),
    key: features.map(f => {
      const shares = frequencyShares(f.profile, p);
      return sum(keys.map(w => shares[w - 1]!));
    }),
    frequencies,
  };
}

/** Rows x_a for a at position 0 and x_b for b at position 1, under one reading of the heads. */
interface Reading {
  readonly left: Matrix;
  readonly right: Matrix;
}

function reading(arch: Architecture, weights: Weights, via: Via): Reading {
  const form = bilinearForm(arch, weights, 0);
  const { position, pairPosition } = positionsOf(arch);
  return {
    left: tokenInputs(arch, weights, form, { position, via }).matrix,
    right: tokenInputs(arch, weights, form, { position: pairPosition, via }).matrix,
  };
}

/** The attention patterns of every input `a b =` ([p², H, 3, 3]), from the forward pass. */
function patterns(arch: Architecture, weights: Weights, p: number): number[][][][] {
  return tf.tidy(() => {
    const { tokens } = modularAddition(p);
    return forward(
      arch,
      weights,
      tf.tensor2d(tokens.flat(), [tokens.length, 3], 'int32'),
    ).frozen.patterns[0]!.arraySync() as number[][][][];
  });
}

const meanAndSd = (xs: number[]) => {
  const mean = sum(xs) / xs.length;
  return { mean, sd: Math.sqrt(sum(xs.map(x => (x - mean) ** 2)) / xs.length) };
};

/** Per head h, token t at position `at`: t's input to the bilinear block through head h alone (`--via ov:h`). */
function perHead(arch: Architecture, weights: Weights, at: number): Matrix[] {
  const form = bilinearForm(arch, weights, 0);
  const position = arch.positional ? at : undefined;
  return Array.from(
    { length: arch.layers[0]!.attention!.heads },
    (_, h) => tokenInputs(arch, weights, form, { position, via: { kind: 'ov', head: h } }).matrix,
  );
}

/** Σ_h w_h X_h[t]. */
function mix(heads: Matrix[], t: number, w: number[]): Float64Array {
  const out = new Float64Array(heads[0]!.cols);
  heads.forEach((x, h) => {
    row(x, t).forEach((v, i) => {
      out[i]! += w[h]! * v;
    });
  });
  return out;
}

/**
 * Each head weighted by its mean attention from `=` (position 2) to a (position 0) and to b (position 1) over
 * all p² inputs. */
function patternReading(
  arch: Architecture,
  weights: Weights,
  all: number[][][][],
): Reading & { a: { mean: number; sd: number }[]; b: { mean: number; sd: number }[] } {
  const H = arch.layers[0]!.attention!.heads;
  const [a, b] = [0, 1].map(key => Array.from({ length: H }, (_, h) => meanAndSd(all.map(P => P[h]![2]![key]!))));
  const weighted = (at: number, w: number[]) => {
    const heads = perHead(arch, weights, at);
    const out = zeros(arch.vocab, arch.width);
    for (let t = 0; t < arch.vocab; t++) out.data.set(mix(heads, t, w), t * arch.width);
    return out;
  };
  return {
    left: weighted(
      0,
      a!.map(x => x.mean),
    ),
    right: weighted(
      1,
      b!.map(x => x.mean),
    ),
    a: a!,
    b: b!,
  };
}

/** Σ a_i b_i over typed arrays (the generic `dot` is slow in the hot loops below). */
function dot64(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Q's upper triangle row by row, entries off the diagonal doubled: xᵀ Q x = packed · upper(x xᵀ) for symmetric Q. */
function packUpper(q: Matrix): Float64Array {
  const out = new Float64Array((q.rows * (q.rows + 1)) / 2);
  let k = 0;
  for (let i = 0; i < q.rows; i++)
    for (let j = i; j < q.rows; j++) out[k++] = (i === j ? 1 : 2) * q.data[i * q.cols + j]!;
  return out;
}

/** upper(x xᵀ) into `out`, in packUpper's order. */
function outerUpper(x: Float64Array, out: Float64Array): Float64Array {
  let k = 0;
  for (let i = 0; i < x.length; i++) for (let j = i; j < x.length; j++) out[k++] = x[i]! * x[j]!;
  return out;
}

/** The first index of the largest of p logits per input, compared with (a + b) mod p: the share right. */
function accuracy(logits: Float64Array, p: number): number {
  let right = 0;
  for (let i = 0; i < p * p; i++) {
    let best = 0;
    for (let c = 1; c < p; c++) if (logits[i * p + c]! > logits[i * p + best]!) best = c;
    if (best === (Math.floor(i / p) + (i % p)) % p) right++;
  }
  return right / (p * p);
}

type Readout = { readonly u: Float64Array; readonly q: Matrix };
const readouts = new WeakMap<Weights, Readout[]>();

/** Per output token c: u_c and Q_c, computed once per weights (the pair tables and the rebuilt logits share them). */
function readoutsOf(arch: Architecture, weights: Weights, p: number): Readout[] {
  const known = readouts.get(weights);
  if (known) return known;
  const form = bilinearForm(arch, weights, 0);
  const made = Array.from({ length: p }, (_, c) => {
    const { u } = outputDirection(arch, weights, 0, { kind: 'token', token: c });
    return { u: Float64Array.from(u), q: interactionMatrix(form, u) };
  });
  readouts.set(weights, made);
  return made;
}

interface Pieces {
  /** Per key position (a, b, =), per head: every token's input through that head alone. */
  readonly heads: Matrix[][];
  /** The = token's own input, e_=. */
  readonly own: Float64Array;
  readonly readouts: Readout[];
}

/** With each input's own pattern: x per input, and its packed outer product against every packed Q_c. */
function ownPatternLogits({ heads, own, readouts }: Pieces, p: number, all: number[][][][]): Float64Array {
  const packed = readouts.map(r => packUpper(r.q));
  const xx = new Float64Array(packed[0]!.length);
  const logits = new Float64Array(p * p * p);
  for (let i = 0; i < p * p; i++) {
    const w = [0, 1, 2].map(key => all[i]!.map(head => head[2]![key]!));
    const parts = [mix(heads[0]!, Math.floor(i / p), w[0]!), mix(heads[1]!, i % p, w[1]!), mix(heads[2]!, p, w[2]!)];
    const x = own.map((v, j) => v + parts[0]![j]! + parts[1]![j]! + parts[2]![j]!);
    outerUpper(x, xx);
    readouts.forEach(({ u }, c) => {
      logits[i * p + c] = dot64(x, u) + dot64(packed[c]!, xx);
    });
  }
  return logits;
}

/**
 * With one pattern w for every input, x = u_a + β_b (u_a = e_= + x_=^w + x_a^w, β_b = x_b^w), so
 * logit_c = (u_a·u_c + u_aᵀQ_c u_a) + (β_b·u_c + β_bᵀQ_c β_b) + 2 (Q_c u_a)·β_b: p² dot products per c.
 */
function fixedPatternLogits({ heads, own, readouts }: Pieces, p: number, w: number[][]): Float64Array {
  const fixed = mix(heads[2]!, p, w[2]!);
  const ua = Array.from({ length: p }, (_, a) => mix(heads[0]!, a, w[0]!).map((v, j) => own[j]! + fixed[j]! + v));
  const beta = Array.from({ length: p }, (_, b) => mix(heads[1]!, b, w[1]!));
  const logits = new Float64Array(p * p * p);
  readouts.forEach(({ u, q }, c) => {
    const qa = ua.map(x => apply(q, x));
    const ofA = ua.map((x, a) => dot64(x, u) + dot64(x, qa[a]!));
    const ofB = beta.map(x => dot64(x, u) + dot64(x, apply(q, x)));
    for (let a = 0; a < p; a++)
      for (let b = 0; b < p; b++) logits[(a * p + b) * p + c] = ofA[a]! + ofB[b]! + 2 * dot64(qa[a]!, beta[b]!);
  });
  return logits;
}

/**
 * The logit rebuilt from the analysis' pieces: x = e_= + Σ_h (A_h[2,0] x_a^h + A_h[2,1] x_b^h + A_h[2,2] x_=^h)
 * and logit_c = x·u_c + xᵀ Q_c x (the spec has no biases). With each input's own pattern this is the
 * forward pass; with the mean pattern it is the best a fixed attention can do. Returns the accuracies.
 */
function reconstruction(
  arch: Architecture,
  weights: Weights,
  p: number,
  all: number[][][][],
): { exact: number; mean: number } {
  const form = bilinearForm(arch, weights, 0);
  const pieces: Pieces = {
    heads: [0, 1, 2].map(at => perHead(arch, weights, at)),
    own: Float64Array.from(row(tokenInputs(arch, weights, form, arch.positional ? { position: 2 } : {}).matrix, p)),
    readouts: readoutsOf(arch, weights, p),
  };
  const H = pieces.heads[0]!.length;
  const average = [0, 1, 2].map(key =>
    Array.from({ length: H }, (_, h) => sum(all.map(P => P[h]![2]![key]!)) / all.length),
  );
  return {
    exact: accuracy(ownPatternLogits(pieces, p, all), p),
    mean: accuracy(fixedPatternLogits(pieces, p, average), p),
  };
}

interface PairStats {
  /** Share of the top PAIRS pairs of each T_c (a, b < p) with a + b ≡ c (mod p). */
  readonly sumPairs: number;
  /** Share of the p² pairs for which argmax_c T_c[a,b] = (a + b) mod p. */
  readonly predicted: number;
}

/** The `count` largest entries T[a,b] (a, b < p), in the order a stable sort by value lists them. */
function largestPairs(t: Matrix, p: number, count: number): { a: number; b: number }[] {
  const best: { a: number; b: number; v: number }[] = [];
  for (let a = 0; a < p; a++) {
    for (let b = 0; b < p; b++) {
      const v = t.data[a * t.cols + b]!;
      if (best.length === count && !(v > best[count - 1]!.v)) continue;
      let k = best.length; // after every entry ≥ v: those came first
      while (k > 0 && best[k - 1]!.v < v) k--;
      best.splice(k, 0, { a, b, v });
      if (best.length > count) best.pop();
    }
  }
  return best;
}

/** T_c = X_a Q_c X_bᵀ for every c, read for the two statistics. */
function pairStats(arch: Architecture, weights: Weights, p: number, { left, right }: Reading): PairStats {
  const V = arch.vocab;
  // multiply(A, Bᵀ) sums in multiplyTransposed's order, on contiguous rows
  const tables = readoutsOf(arch, weights, p).map(({ q }) => multiply(multiply(left, transpose(q)), transpose(right)));
  let hits = 0;
  tables.forEach((t, c) => {
    hits += largestPairs(t, p, PAIRS).filter(({ a, b }) => (a + b) % p === c).length;
  });
  let correct = 0;
  for (let a = 0; a < p; a++) {
    for (let b = 0; b < p; b++) {
      let best = 0;
      for (let c = 1; c < p; c++) if (tables[c]!.data[a * V + b]! > tables[best]!.data[a * V + b]!) best = c;
      if (best === (a + b) % p) correct++;
    }
  }
  return { sumPairs: hits / (p * PAIRS), predicted: correct / (p * p) };
}

function spectrumTable(reports: FeatureReport[], tokens: number[]): string[] {
  return [
    '| c | λ_1 … λ_8 | top 2 | top 4 | top 8 | top 16 |',
    '| ---: | --- | ---: | ---: | ---: | ---: |',
    ...tokens.map(c => {
      const r = reports[c]!;
      return `| ${c} | ${r.eigenvalues
        .slice(0, 8)
        .map(l => fixed(l, 2))
        .join(', ')} | ${[2, 4, 8, 16].map(k => pct(r.explained[k - 1]!)).join(' | ')} |`;
    }),
  ];
}

function profileTable(report: FeatureReport, p: number, keys: number[]): string[] {
  return [
    `| i | λ_i | share of ‖Q_c‖² | best ω | its share | share in ω ∈ {${keys.join(', ')}} | tokens (+) | tokens (−) |`,
    '| ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |',
    ...report.features.map(f => {
      const shares = frequencyShares(f.profile, p);
      const key = sum(keys.map(w => shares[w - 1]!));
      const tokens = (side: 'top' | 'bottom') => f.tokens[side].map(t => t.token).join(', ');
      return (
        `| ${f.index} | ${fixed(f.eigenvalue, 2)} | ${pct(f.share)} | ${f.fourier.frequency} ` +
        `| ${pct(f.fourier.share)} | ${pct(key)} | ${tokens('top')} | ${tokens('bottom')} |`
      );
    }),
  ];
}

const topFrequencies = (s: Sweep, n = 5) =>
  [...s.frequencies]
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, n)
    .map(([w, k]) => `ω=${w} (${k})`)
    .join(', ');

/** The smallest truncation rank within half a point of the full model's accuracy, and the rank below it. */
function truncationFinding(curve: ReturnType<typeof truncationCurve>): string {
  const enough = curve.points.findIndex(pt => pt.accuracy >= curve.baseline.accuracy - 0.005);
  if (enough < 0) {
    const highest = curve.points.at(-1)!;
    return (
      `- No truncation rank tried reaches the full model's accuracy (${pct(curve.baseline.accuracy)}); ` +
      `the highest, rank ${highest.rank}, gives ${pct(highest.accuracy)}.`
    );
  }
  const at = curve.points[enough]!;
  const below = curve.points[enough - 1];
  const next = below ? `; rank ${below.rank} gives ${pct(below.accuracy)}` : '';
  return (
    `- Truncating every Q_{e_o} to rank ${at.rank} keeps the model (accuracy ${pct(at.accuracy)}, ` +
    `${pct(at.kept)} of the layer's ‖Q‖_F² kept)${next}.`
  );
}

/**
 * The document, from a model's spec and weights; `random` is the same architecture untrained, for contrast.
 * Truncation ranks stop at 16: each rank is a forward pass of a layer d·k wide over all p² inputs, and
 * ranks 32 and 64 (of 64) cost three times the rest together while showing only that the full rank is exact.
 */
export function featuresDocument(
  arch: Architecture,
  weights: Weights,
  random: Weights,
  ranks = [1, 2, 4, 8, 16],
): string {
  const document = featuresStages(arch, weights, random, ranks);
  for (const stage of document.stages) stage();
  return document.text();
}

/** featuresDocument's measurements in stages of a few seconds each (features.test.ts runs one per hook). */
export interface StagedDocument {
  readonly stages: readonly (() => void)[];
  /** The document, once every stage has run. */
  readonly text: () => string;
}

export function featuresStages(
  arch: Architecture,
  weights: Weights,
  random: Weights,
  ranks = [1, 2, 4, 8, 16],
): StagedDocument {
  const p = arch.vocab - 1;
  const spectrum = embeddingSpectrum(arch, weights, p);
  const keys = keyFrequencies(spectrum);
  const randomKeys = keyFrequencies(embeddingSpectrum(arch, random, p), keys.length);
  let ov!: Sweep;
  let embed!: Sweep;
  let baseline!: Sweep;
  let pattern!: ReturnType<typeof patternReading>;
  let rebuilt!: ReturnType<typeof reconstruction>;
  let pairs!: Record<'pattern' | 'ov' | 'embed' | 'random', PairStats>;
  let curve!: ReturnType<typeof truncationCurve>;
  const stages = [
    () => {
      ov = sweep(arch, weights, p, { kind: 'ov' }, keys);
      embed = sweep(arch, weights, p, { kind: 'embed' }, keys);
      baseline = sweep(arch, random, p, { kind: 'ov' }, randomKeys);
    },
    () => {
      const trained = patterns(arch, weights, p);
      pattern = patternReading(arch, weights, trained);
      rebuilt = reconstruction(arch, weights, p, trained);
    },
    () => {
      pairs = {
        pattern: pairStats(arch, weights, p, pattern),
        ov: pairStats(arch, weights, p, reading(arch, weights, { kind: 'ov' })),
        embed: pairStats(arch, weights, p, reading(arch, weights, { kind: 'embed' })),
        random: pairStats(arch, random, p, patternReading(arch, random, patterns(arch, random, p))),
      };
    },
    () => {
      curve = truncationCurve(arch, weights, bilinearForm(arch, weights, 0), ranks, modularAddition(p));
    },
  ];
  const text = () => {
    const headWeights = (w: { mean: number; sd: number }[]) =>
      w.map(x => `${x.mean.toFixed(2)} ± ${x.sd.toFixed(2)}`).join(', ');
    const all = p * TOP;
    const strong = (s: Sweep) => s.best.filter(x => x >= 0.9).length;
    const explained = (s: Sweep, k: number) => sum(s.reports.map(r => r.explained[k - 1]!)) / s.reports.length;
    const example = ov.reports[0]!;
    const positional = arch.positional ? ' --position 0,1' : '';
    const exactness = rebuilt.exact === curve.baseline.accuracy ? ': the decomposition is exact' : '';
    const keyList = keys.map(w => `ω=${w} (${pct(spectrum[w - 1]!)})`).join(', ');
    return [
      '# Feature construction on the modular-addition model',
      '',
      '<!-- generated by test/docs/features.test.ts from `pathsum features` on examples/modadd; `npm run golden` ' +
        'rewrites it -->',
      '',
      `The model in [examples/modadd](../examples/modadd/modadd.pathsum) reads \`a b =\` and ` +
        `predicts (a + b) mod ${p} ` +
        `at the \`=\``,
      `position (token ${p}): one layer with ${arch.layers[0]!.attention?.heads ?? 0} attention heads and a bilinear ` +
        `MLP of hidden width ${arch.layers[0]!.bilinear!.hidden}, residual width ${arch.width}.`,
      'With no blocks after it and no final norm, the logit of token c is, apart from the direct path, the quadratic ' +
        'form',
      "`x̃ᵀ Q_c x̃` of the bilinear layer's input with " +
        '`Q_c = Σ_k (W_out W_U[:,c])_k sym(w_in,k w_gate,kᵀ)` (Sharkey 2023).',
      '`pathsum features` eigendecomposes `Q_c` and reads each eigenvector `v` in token space as the profile',
      "`a ↦ x_a · v`. Two readings of `x_a` are used below: the token's embedding (`--via embed`), and the token as",
      "the layer's heads move it to the `=` position, " +
        '`Σ_h x W_V^h W_O^h` (`--via ov`, each head with attention weight 1)',
      `— the operands only reach the \`=\` position through the heads.${arch.positional ? POSITIONAL_NOTE : ''}`,
      '',
      'Reproduce a row with, e.g.:',
      '',
      '```',
      `pathsum features ${SPEC} --weights examples/modadd --layer 0 --token 0 --via ov${positional} --period ${p} ` +
        `--pair-tokens ${p} --top ${TOP}`,
      '```',
      '',
      '## Findings',
      '',
      `- Q_c's top 2 eigencomponents hold ${pct(explained(ov, 2))} of ‖Q_c‖_F² on average over ` +
        `the ${p} output tokens, ` +
        `the top 8 ${pct(explained(ov, 8))} (random weights: ${pct(explained(baseline, 2))} and ` +
        `${pct(explained(baseline, 8))}).`,
      `- W_E's Fourier power over the tokens 0..${p - 1} sits in ${keyList}: the key frequencies.`,
      `- The top ${TOP} eigenvectors' token profiles through the heads: the best single frequency explains a median ` +
        `${pct(median(ov.best))} of a profile (random weights: ${pct(median(baseline.best))}); the key frequencies ` +
        `together explain ${pct(median(ov.key))} (random weights, its own top ${keys.length}: ` +
        `${pct(median(baseline.key))}).`,
      `- The pair table T_c[a,b] alone (argmax over c) gives (a + b) mod ${p} for ${pct(pairs.pattern.predicted)} of ` +
        `the ${p * p} pairs with the heads weighted by their mean attention, ${pct(pairs.ov.predicted)} with every ` +
        `head at weight 1 (chance ${pct(1 / p)}); the model itself gets ${pct(curve.baseline.accuracy)}. The whole ` +
        `logit rebuilt from Q_c with each input's own attention pattern gets ${pct(rebuilt.exact)}, with the mean ` +
        `pattern ${pct(rebuilt.mean)}.`,
      truncationFinding(curve),
      '',
      '## Spectrum of Q_c',
      '',
      `Eigenvalues (sorted by |λ|) and the share of ‖Q_c‖_F² the top k explain, for a few output ` +
        `tokens c. Mean over all`,
      `${p}: top 2 ${pct(explained(ov, 2))}, top 4 ${pct(explained(ov, 4))}, top 8 ${pct(explained(ov, 8))}, top 16 ` +
        `${pct(explained(ov, 16))}`,
      `(random weights of the same shape: ${pct(explained(baseline, 2))}, ${pct(explained(baseline, 4))}, ` +
        `${pct(explained(baseline, 8))}, ${pct(explained(baseline, 16))}).`,
      '',
      ...spectrumTable(ov.reports, [0, 1, Math.floor(p / 2), p - 1]),
      '',
      '## Token profiles and Fourier frequencies',
      '',
      `For each of the top ${TOP} eigenvectors of every Q_c (${all} profiles; the tool lists every token, \`=\` ` +
        `(${p}) included, and the Fourier shares are over the numbers 0..${p - 1}), the best single`,
      `Fourier frequency ω (the span of cos(2πωa/${p}) and sin(2πωa/${p})) and the share of the ` +
        `profile's variance it ` +
        `explains,`,
      `and the share the key frequencies {${keys.join(', ')}} explain together (for random weights: the top ` +
        `${keys.length} of its own embedding, {${randomKeys.join(', ')}}):`,
      '',
      '| tokens read | median share, best ω | median share, key ω | profiles with best ω ≥ 90% | ' +
        'most frequent best ω ' +
        '(count) |',
      '| --- | ---: | ---: | ---: | --- |',
      `| through the heads (\`--via ov\`) | ${pct(median(ov.best))} | ${pct(median(ov.key))} | ` +
        `${strong(ov)} of ${all} ` +
        `| ${topFrequencies(ov)} |`,
      `| embedding only (\`--via embed\`) | ${pct(median(embed.best))} | ` +
        `${pct(median(embed.key))} | ${strong(embed)} ` +
        `of ${all} | ${topFrequencies(embed)} |`,
      `| random weights, through the heads | ${pct(median(baseline.best))} | ${pct(median(baseline.key))} | ` +
        `${strong(baseline)} of ${all} | ${topFrequencies(baseline)} |`,
      '',
      `Noise spreads its variance over all ${Math.floor(p / 2)} frequencies; the random-weights ` +
        `row is that baseline, ` +
        `measured with the same tool.`,
      'The eigenvectors of Q_0 read through the heads:',
      '',
      ...profileTable(example, p, keys),
      '',
      '## Token pairs: which (a, b) the weights pair with c',
      '',
      `For a one-layer model the table T_c[a,b] = x_aᵀ Q_c x_b answers from the weights (a, b among the numbers ` +
        `0..${p - 1};`,
      '`--pair-tokens`): it is the cross term of the logit of c when a and b reach the `=` position as x_a and x_b. ' +
        'Three',
      `readings of x: each head weighted by its mean attention from \`=\` to a and to b,`,
      'measured by the forward pass over all inputs (the only reading here not from weights alone); every head at ' +
        'weight 1',
      '(`--via ov`); the embedding alone (`--via embed`). Over all output tokens c:',
      '',
      `| tokens read | top ${PAIRS} pairs with a + b ≡ c | pairs where argmax_c T_c[a,b] = a + b mod ${p} |`,
      '| --- | ---: | ---: |',
      `| heads weighted by mean attention | ${pct(pairs.pattern.sumPairs)} | ${pct(pairs.pattern.predicted)} |`,
      `| every head at weight 1 | ${pct(pairs.ov.sumPairs)} | ${pct(pairs.ov.predicted)} |`,
      `| embedding only | ${pct(pairs.embed.sumPairs)} | ${pct(pairs.embed.predicted)} |`,
      `| random weights, heads weighted by mean attention | ${pct(pairs.random.sumPairs)} | ` +
        `${pct(pairs.random.predicted)} |`,
      '',
      `Chance is ${pct(1 / p)}. The attention from \`=\` per head (mean ± sd over the ${p * p} inputs) is ` +
        `${headWeights(pattern.a)} to a`,
      `and ${headWeights(pattern.b)} to b. Rebuilt from the same pieces, x = e_= + Σ_h (A_h[2,0] x_a^h + A_h[2,1] ` +
        `x_b^h + A_h[2,2] x_=^h)`,
      `and logit_c = x·u_c + xᵀ Q_c x pick (a + b) mod ${p} for ${pct(rebuilt.exact)} of the pairs with each input's ` +
        `own attention pattern`,
      `(the forward pass gets ${pct(curve.baseline.accuracy)}${exactness}) and for ${pct(rebuilt.mean)} ` +
        'with the mean pattern in its place: where the',
      'patterns vary with the input, the attention softmax does part of the computation and no fixed reading of the ' +
        'pair table can.',
      '',
      `The tool's own listing for Q_0 (every head at weight 1), its line \`largest:\` of the command above:`,
      '',
      '```',
      `  largest:      ${pairList(example.pairs!.top)}`,
      '```',
      '',
      `Of these, ${listed(example.pairs!.top.filter(t => (t.a + t.b) % p === 0))} have a + b ≡ 0 (mod ${p}).`,
      '',
      '## Truncation of the whole layer',
      '',
      `Every Q_{e_o} (o over the ${arch.width} residual coordinates) replaced by its top-k ` +
        `eigencomponents, scored on ` +
        `all ${p * p}`,
      `pairs (\`--ranks ${ranks.join(',')}\`); "kept" is the share of the layer's total ‖Q‖_F² that survives.`,
      '',
      '| rank | kept | loss | accuracy |',
      '| ---: | ---: | ---: | ---: |',
      `| full | 100.0% | ${fixed(curve.baseline.loss)} | ${pct(curve.baseline.accuracy)} |`,
      ...curve.points.map(pt => `| ${pt.rank} | ${pct(pt.kept)} | ${fixed(pt.loss)} | ${pct(pt.accuracy)} |`),
      '',
    ].join('\n');
  };
  return { stages, text };
}

/** `(17, 42), (16, 43) and (18, 41)`. */
function listed(list: readonly { a: number; b: number }[]): string {
  const names = list.map(t => `(${t.a}, ${t.b})`);
  return names.length < 2 ? (names[0] ?? 'none') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}
