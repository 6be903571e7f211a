// Architecture → lazy sum of path terms (docs/design.md §1). The residual stream after each block is a
// sum of paths; a head maps every input path p to head(l,h,p), a bilinear block maps every pair
// of input paths to bilinear(l,p,q). Enumeration is lazy: the first term comes out before the
// last one is built, and only the inputs of a bilinear block are ever held in memory.
import { type Rational, rational } from '../rational.js';
import type { Architecture } from '../language/architecture.js';
import { ONE, bias, bilinear, degree, embed, head, pos, type Path } from '../paths/path.js';

export interface Term {
  readonly path: Path;
  /** Exact; for symmetrized terms the number of ordered terms it stands for. */
  readonly coefficient: Rational;
  readonly degree: number;
}

export interface ExpandOptions {
  /** One symmetrized term per unordered bilinear pair (default), or both ordered pairs. */
  readonly symmetrize?: boolean;
  /** Drop every path of higher degree (degree only grows along a path, so pruning is exact). */
  readonly maxDegree?: number;
  /** Heads `"l.h"` whose paths are removed (ablation). */
  readonly ablateHeads?: ReadonlySet<string>;
  /** Layers whose bilinear block is removed (ablation). */
  readonly ablateBilinear?: ReadonlySet<number>;
}

type Stream = () => Iterable<Term>;

const ONE_COEFFICIENT = rational(1);
const TWO = rational(2);

function leaf(path: Path): Term {
  return { path, coefficient: ONE_COEFFICIENT, degree: degree(path) };
}

/** The terms whose sum is the logits, lazily. Re-iterable: each call walks the expansion anew. */
export function expand(arch: Architecture, options: ExpandOptions = {}): Iterable<Term> {
  const maxDegree = options.maxDegree ?? Infinity;
  let stream: Stream = () => (arch.positional ? [leaf(embed()), leaf(pos())] : [leaf(embed())]);
  arch.layers.forEach((layer, l) => {
    if (layer.attention) {
      const attn = layer.attention;
      const inputs = withExtras(stream, attn.norm === 'layer' ? [bias(`blocks.${l}.ln1.b`)] : []);
      const heads = range(attn.heads).filter(h => !options.ablateHeads?.has(`${l}.${h}`));
      const outputBias = attn.bias ? [bias(`blocks.${l}.attn.b_O`)] : [];
      stream = attentionStream(stream, inputs, l, heads, outputBias);
    }
    if (layer.bilinear && !options.ablateBilinear?.has(l)) {
      const mlp = layer.bilinear;
      const extras = [...(mlp.norm === 'layer' ? [bias(`blocks.${l}.ln2.b`)] : []), ...(mlp.bias ? [bias(ONE)] : [])];
      const inputs = withExtras(stream, extras);
      const outputBias = mlp.bias ? [bias(`blocks.${l}.mlp.b_out`)] : [];
      stream = bilinearStream(stream, inputs, l, options.symmetrize ?? true, maxDegree, outputBias);
    }
  });
  const extras = [
    ...(arch.unembed.norm === 'layer' ? [bias('ln_final.b')] : []),
    ...(arch.unembed.bias ? [bias('unembed.b_U')] : []),
  ];
  const final = withExtras(stream, extras);
  return { [Symbol.iterator]: () => filterDegree(final(), maxDegree)[Symbol.iterator]() };
}

function* filterDegree(terms: Iterable<Term>, maxDegree: number): Iterable<Term> {
  for (const t of terms) if (t.degree <= maxDegree) yield t;
}

function withExtras(stream: Stream, extras: Path[]): Stream {
  return function* () {
    yield* stream();
    for (const p of extras) yield leaf(p);
  };
}

function attentionStream(residual: Stream, inputs: Stream, layer: number, heads: number[], outputBias: Path[]): Stream {
  return function* () {
    yield* residual();
    for (const h of heads) {
      for (const t of inputs()) yield { ...t, path: head(layer, h, t.path) };
    }
    for (const p of outputBias) yield leaf(p);
  };
}

function bilinearStream(
  residual: Stream,
  inputs: Stream,
  layer: number,
  symmetrize: boolean,
  maxDegree: number,
  outputBias: Path[],
): Stream {
  return function* () {
    yield* residual();
    const list = [...inputs()].filter(t => t.degree <= maxDegree);
    for (let i = 0; i < list.length; i++) {
      for (let j = symmetrize ? i : 0; j < list.length; j++) {
        const p = list[i]!;
        const q = list[j]!;
        if (p.degree + q.degree > maxDegree) continue;
        yield pair(layer, p, q, symmetrize, i === j);
      }
    }
    for (const b of outputBias) yield leaf(b);
  };
}

// docs/design.md §3: coefficients multiply along a path; an off-diagonal symmetrized pair stands for two ordered ones.
function pair(layer: number, p: Term, q: Term, symmetrize: boolean, diagonal: boolean): Term {
  const twice = symmetrize && !diagonal;
  return {
    path: bilinear(layer, p.path, q.path, symmetrize),
    coefficient: product(p.coefficient, q.coefficient, twice),
    degree: p.degree + q.degree,
  };
}

// Most coefficients are 1 or 2; exact fraction arithmetic for those was a tenth of a 100,000-term expansion.
function product(a: Rational, b: Rational, twice: boolean): Rational {
  if (a === ONE_COEFFICIENT && b === ONE_COEFFICIENT) return twice ? TWO : ONE_COEFFICIENT;
  const c = a.mul(b);
  return twice ? c.mul(TWO) : c;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
