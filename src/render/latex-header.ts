// What a LaTeX listing says about itself: which terms it shows, of how many, chosen how, and what they
// add up to. An equation `logits = …` only over the whole sum; a part (a --limit, a filter, the largest
// few) is described as the part it is.
import type { Expr } from '../formula/nodes.js';
import type { Total } from '../model/total.js';

export interface LatexListing {
  readonly model: string;
  readonly title?: string;
  /** simplified: the symmetrized normal form; raw: ordered pairs, unrewritten; factored: folded by --factor. */
  readonly form: 'simplified' | 'raw' | 'factored';
  readonly rows: readonly Expr[];
  /** How many path terms the rows show: one per row, or (factored) the terms they fold. */
  readonly terms: number;
  /** How many terms the filters keep: the sum the rows are a part of. */
  readonly selected: Total;
  /** The model's whole expansion. */
  readonly all: Total;
  /** The filters as given (`--max-degree 2`, `--ablate 0.1`); empty when they remove no term. */
  readonly filters: readonly string[];
  readonly evaluation?: LatexEvaluation;
}

export interface LatexEvaluation {
  readonly tokens: readonly number[];
  /** Where the weights came from: a file, or `random weights (seed 0)`. */
  readonly weights: string;
  readonly token: number;
  readonly position: number;
  /** The target is the model's top prediction at that position. */
  readonly predicted: boolean;
  readonly logit: number;
  /** Σ of the contributions of every selected term, listed or not. */
  readonly sum: number;
  /** max |Σ terms − forward| over every position and token. */
  readonly maxAbsError: number;
  /** Per row, its contribution to the target logit; the rows are ranked by its size. */
  readonly contributions: readonly number[];
}

/** The rows are every term of the model: the listing may say `logits =`. */
export function isWholeSum(l: LatexListing): boolean {
  return l.filters.length === 0 && 'exact' in l.selected && l.selected.exact === BigInt(l.terms);
}

/** The paragraphs before the listing. */
export function summary(l: LatexListing): string[] {
  return [
    isWholeSum(l) ? whole(l) : part(l),
    ...(l.evaluation ? [evaluated(l, l.evaluation)] : []),
    'Each term is $c \\cdot K \\otimes T$: a position kernel $K$ tensored with a feature tensor $T$, read right to ' +
      'left from the tokens to the logits (Elhage et al.\\ 2021; Sharkey 2023).',
  ];
}

/** The sentence after the listing when terms were left out of it, else null. */
export function leftOut(l: LatexListing): string | null {
  const { selected, terms } = l;
  if ('exact' in selected) {
    const rest = selected.exact - BigInt(terms);
    return rest > 0n ? `\\noindent The other ${count(rest)} terms are left out of this listing.` : null;
  }
  return `\\noindent The other terms, ${count(selected)} of them, are left out of this listing.`;
}

function whole(l: LatexListing): string {
  const ranked = l.evaluation ? `, listed by the size of their ${target(l.evaluation)}` : '';
  return `The logits of ${model(l)} are the sum of its ${count(l.selected)} ${kind(l)}${ranked}${folded(l)}.`;
}

function part(l: LatexListing): string {
  const complete = 'exact' in l.selected && l.selected.exact === BigInt(l.terms);
  const n = count(l.terms);
  const some = complete ? `The ${n}` : `The ${l.evaluation ? `${n} largest` : `first ${n}`} of the`;
  const of = complete ? '' : ` ${count(l.selected)}`;
  const kept = l.filters.length ? ` kept by ${l.filters.map(f => `\\texttt{${escapeTex(f)}}`).join(', ')}` : '';
  const all = l.filters.length ? ` (of its ${count(l.all)})` : '';
  const order = l.evaluation ? `, by the size of their ${target(l.evaluation)}` : ', in expansion order';
  const sum = l.evaluation
    ? `; they sum to ${number(shownSum(l.evaluation))} of the logit ${number(l.evaluation.logit)}`
    : '';
  return (
    `${some}${of} ${kind(l)} of ${model(l)}${kept}${all}${order}${folded(l)}${sum}. ` +
    'They are a part of the expansion, not the whole: they do not add up to the logits.'
  );
}

function evaluated(l: LatexListing, e: LatexEvaluation): string {
  const prediction = e.predicted ? " (the model's top prediction)" : '';
  const sum = isWholeSum(l)
    ? `All ${count(l.selected)} terms sum to ${number(e.sum)} there, and the sum of every term's logits differs ` +
      `from the forward pass by at most ${scientific(e.maxAbsError)} over every position and token.`
    : `The ${count(l.selected)} terms ${l.filters.length ? 'kept' : 'of the expansion'} sum to ${number(e.sum)} there.`;
  return (
    `Evaluated on the tokens \\texttt{${e.tokens.join(' ')}} with ${weights(e.weights)}: the logit of token ` +
    `${e.token} at position ${e.position}${prediction} is ${number(e.logit)}. ${sum} ` +
    'Beside each term, its contribution to that logit.'
  );
}

const target = (e: LatexEvaluation) => `contribution to the logit of token ${e.token} at position ${e.position}`;
const model = (l: LatexListing) => `\\texttt{${escapeTex(l.model)}}`;
const shownSum = (e: LatexEvaluation) => e.contributions.reduce((s, c) => s + c, 0);

function kind(l: LatexListing): string {
  return l.form === 'raw'
    ? 'ordered path terms (the raw expansion: both orders of every bilinear pair, formulas unrewritten)'
    : 'path terms';
}

function folded(l: LatexListing): string {
  return l.form === 'factored'
    ? `, written as ${count(l.rows.length)} formulas: the bilinear terms that share an argument are ` +
        'folded, $\\sum_p B(p, q) = B(\\sum_p p, q)$'
    : '';
}

/** A file name breaks after each `/`; `random weights (seed 0)` is said as it is. */
function weights(source: string): string {
  if (source.startsWith('random weights')) return escapeTex(source);
  return `the weights \\texttt{${escapeTex(source).replaceAll('/', '/\\allowbreak{}')}}`;
}

/** A count as words and digits: 53,300, or ≈ 10^{8.6} for a count known by its logarithm. */
export function count(t: Total | bigint | number): string {
  if (typeof t !== 'object') return BigInt(t).toLocaleString('en-US');
  if ('exact' in t) return t.exact.toLocaleString('en-US');
  if ('log10' in t) return `$\\approx 10^{${exponent(t.log10)}}$`;
  return `$\\approx 10^{10^{${exponent(t.log10log10)}}}$`;
}

/** An exponent to a tenth, or to six significant digits past 10^9 (where a double resolves no tenths). */
const exponent = (x: number) => (x < 1e9 ? x.toFixed(1) : scientificBody(x, 6));

const number = (x: number) => `$${x.toFixed(4)}$`;
const scientific = (x: number) => `$${scientificBody(x, 3)}$`;

function scientificBody(x: number, digits: number): string {
  if (!Number.isFinite(x)) return '\\text{NaN}';
  const [mantissa, power] = x.toExponential(digits - 1).split('e');
  return `${mantissa} \\cdot 10^{${Number(power)}}`;
}

export function escapeTex(s: string): string {
  return s.replace(/[\\{}$&#^_%~]/g, c => (c === '\\' ? '\\textbackslash{}' : `\\${c}`));
}
