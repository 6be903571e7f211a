// The attention scores of one head as a sum of (query path, key path) terms (docs/design.md §1, "Score
// terms"): s_ij = (W_Q y_i + b_Q)ᵀ R_{j−i} (W_K y_j + b_K) / √d_head, with y the normed residual stream
// entering the head's layer. Expanding y on both sides into the path terms of the residual stream (patterns
// of earlier layers and norm scales frozen, as everywhere) gives one term per ordered pair of sides.
import { OptionError } from '../errors.js';
import * as N from '../formula/nodes.js';
import type { Expr } from '../formula/nodes.js';
import { printExpr, type Style } from '../formula/print.js';
import type { Architecture, AttentionBlock } from '../language/architecture.js';
import { site } from '../language/site.js';
import { bias, type Path, pathToJSON } from '../paths/path.js';
import { leaf, type Term } from '../paths/term.js';
import type { Rational } from '../rational.js';
import { Rewriter } from '../simplify/rewrite.js';
import type { Block, ExpandOptions, Stream } from './block.js';
import { type Blocks, blocksOf } from './blocks.js';
import { countPairsEntering, type Total } from './count.js';
import { append } from './stream.js';
import { normed } from './blocks/attention.js';
import { lower } from './lower.js';

/** Head h of layer l, the target of a score expansion. */
export interface ScoreTarget {
  readonly layer: number;
  readonly head: number;
}

/** One score term: the path read by W_Q, the path read by W_K, and the product of their coefficients. */
export interface ScoreTerm {
  readonly query: Path;
  readonly key: Path;
  readonly coefficient: Rational;
  readonly degree: number;
}

/** The query and key biases of a head with biases, as side paths (`blocks.{l}.attn.b_Q`, `b_K`). */
export const queryBias = (layer: number): Path => bias(site('attn', layer, 'b_Q'));
export const keyBias = (layer: number): Path => bias(site('attn', layer, 'b_K'));

/** The attention block of a target head; an OptionError `scores` when the model has no such head. */
export function attentionOf(arch: Architecture, target: ScoreTarget): AttentionBlock {
  const { layer, head } = target;
  const spec = arch.layers[layer]?.attention;
  const fail = (reason: string) => new OptionError('scores', `${layer}.${head}`, reason);
  if (layer >= arch.layers.length)
    throw fail(`model '${arch.name}' has layers 0 to ${arch.layers.length - 1}, and no layer ${layer}`);
  if (!spec) throw fail(`layer ${layer} of model '${arch.name}' has no attention`);
  if (head >= spec.heads) throw fail(`layer ${layer} has heads 0 to ${spec.heads - 1}, and no head ${head}`);
  return spec;
}

/** The attention block of `layer` among the model's blocks. */
function attentionBlock(arch: Architecture, layer: number): { blocks: Blocks; block: Block } {
  const blocks = blocksOf(arch);
  const block = blocks.writers.find(b => b.kind === 'attention' && b.layer === layer);
  if (!block) throw new Error(`model '${arch.name}' has no attention block in layer ${layer}`);
  return { blocks, block };
}

/** The residual stream's terms entering the target's layer, with the LayerNorm bias of its pre-norm: re-runnable. */
function sideStream(arch: Architecture, layer: number, options: ExpandOptions): Stream {
  const { blocks, block } = attentionBlock(arch, layer);
  let stream: Stream = () => [];
  for (const writer of blocks.writers.slice(0, blocks.writers.indexOf(block))) stream = writer.expand(stream, options);
  const extras = (block.norm?.extras() ?? []).map(leaf);
  const before = stream;
  return () => append(before(), extras);
}

/** The residual stream's terms entering the target's layer, with the LayerNorm bias of its pre-norm. */
export const sideTerms = (arch: Architecture, layer: number, options: ExpandOptions = {}): Term[] => [
  ...sideStream(arch, layer, options)(),
];

/**
 * Every score term of the target head, query side major, one at a time: the key side is expanded again for
 * each query, so memory stays that of the expansion, whatever the number of terms. `maxDegree` bounds the
 * sum of both sides' degrees.
 */
export function* scoreTerms(
  arch: Architecture,
  target: ScoreTarget,
  options: ExpandOptions = {},
): Generator<ScoreTerm> {
  const spec = attentionOf(arch, target);
  const residual = sideStream(arch, target.layer, options);
  const side = (b: Path) => (spec.bias ? append(residual(), [leaf(b)]) : residual());
  const maxDegree = options.maxDegree ?? Infinity;
  for (const q of side(queryBias(target.layer)))
    for (const k of side(keyBias(target.layer))) {
      const d = q.degree + k.degree;
      if (d <= maxDegree)
        yield { query: q.path, key: k.path, coefficient: q.coefficient.mul(k.coefficient), degree: d };
    }
}

/** Every score term of the target head, query side major (scoreTerms, held in a list). */
export const expandScores = (arch: Architecture, target: ScoreTarget, options: ExpandOptions = {}): ScoreTerm[] => [
  ...scoreTerms(arch, target, options),
];

/** How many terms scoreTerms gives, counted in closed form (model/count.ts) without expanding them. */
export function countScoreTerms(arch: Architecture, target: ScoreTarget, options: ExpandOptions = {}): Total {
  const spec = attentionOf(arch, target);
  const { blocks, block } = attentionBlock(arch, target.layer);
  const constants = (block.norm?.extras().length ?? 0) + (spec.bias ? 1 : 0);
  return countPairsEntering(blocks, block, constants, options);
}

/** The raw formula of a score term: `c · (q)ᵀ W_Qᵀ R W_K (k) / √d_head`, the sides as the head reads them. */
export function rawScoreFormula(term: ScoreTerm, arch: Architecture, target: ScoreTarget): Expr {
  const spec = attentionOf(arch, target);
  const { layer, head } = target;
  const norm = blocksOf(arch).normAt('ln1', layer);
  const [queryIsBias, keyIsBias] = [term.query === queryBias(layer), term.key === keyBias(layer)];
  const side = (path: Path, isBias: boolean, name: 'b_Q' | 'b_K') =>
    isBias ? N.kron(N.ones(), N.qkSymbol(name, layer, head)) : normed(norm, path, lower(path, arch));
  const middle = [
    ...(queryIsBias ? [] : [N.transpose(N.weight('W_Q', layer, head))]),
    ...(spec.rotary ? [N.qkSymbol('R', layer, head)] : []),
    ...(keyIsBias ? [] : [N.weight('W_K', layer, head)]),
  ];
  const shape = N.headScore(layer, head, spec.headSize, spec.rotary?.base ?? null);
  const body = N.score(
    shape,
    side(term.query, queryIsBias, 'b_Q'),
    middle.length === 0 ? null : N.fprod(middle),
    side(term.key, keyIsBias, 'b_K'),
  );
  return term.coefficient.equals(1) ? body : N.term(term.coefficient, body);
}

const shared = new Rewriter();

/** The simplified formula: `c · 1/√d_head · K_q ⊗ K_k ⊗ T_qᵀ W_QK T_k` (Elhage et al. 2021's three-factor form). */
export function scoreFormula(term: ScoreTerm, arch: Architecture, target: ScoreTarget): Expr {
  return shared.simplify(rawScoreFormula(term, arch, target));
}

export function formatScoreTerm(
  term: ScoreTerm,
  arch: Architecture,
  target: ScoreTarget,
  style: Style,
  options: { simplify?: boolean } = {},
): string {
  const e = options.simplify === false ? rawScoreFormula(term, arch, target) : scoreFormula(term, arch, target);
  return printExpr(e, style);
}

export interface ScoreTermJSON {
  readonly query: unknown;
  readonly key: unknown;
  readonly coefficient: number;
  readonly degree: number;
  readonly family: string;
  readonly text: string;
  readonly latex: string;
}

export function scoreTermToJSON(
  term: ScoreTerm,
  arch: Architecture,
  target: ScoreTarget,
  options: { simplify?: boolean } = {},
): ScoreTermJSON {
  return {
    query: pathToJSON(term.query),
    key: pathToJSON(term.key),
    coefficient: term.coefficient.valueOf(),
    degree: term.degree,
    family: scoreFamily(term),
    text: formatScoreTerm(term, arch, target, 'text', options),
    latex: formatScoreTerm(term, arch, target, 'latex', options),
  };
}

/**
 * The family of a score term in Elhage et al. 2021's words: `direct` when both sides come straight from the
 * embeddings (or a bias), `Q-composition` when the query side went through an earlier head or MLP,
 * `K-composition` when the key side did, `Q- and K-composition` when both did; `(via MLP)` when a side
 * passed through a bilinear MLP.
 */
export function scoreFamily(term: ScoreTerm): string {
  const [q, k] = [composes(term.query), composes(term.key)];
  const family = q && k ? 'Q- and K-composition' : q ? 'Q-composition' : k ? 'K-composition' : 'direct';
  return throughMLP(term.query) || throughMLP(term.key) ? `${family} (via MLP)` : family;
}

const composes = (p: Path): boolean => p.kind === 'head' || p.kind === 'bilinear';

function throughMLP(p: Path): boolean {
  if (p.kind === 'bilinear') return true;
  return p.kind === 'head' ? throughMLP(p.of) : false;
}
