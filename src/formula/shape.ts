// Shapes of formulas (docs/design.md §1): a type checker over the IR, run on a user's formula before
// anything is evaluated, so an ill-shaped product is one sentence naming the factor that does not fit
// instead of a failed matrix product inside the evaluator. The rules are the dense evaluator's
// (src/formula/evaluate-dense.ts) with sizes kept as symbols — d, V, n, one space per head — so a
// product is rejected even in a model where two sizes happen to be equal.
import { match } from 'ts-pattern';
import { UserError } from '../errors.js';
import * as N from './nodes.js';
import type { Expr, Kind } from './nodes.js';
import { printExpr } from './print.js';

/** A feature space: the residual stream, the vocabulary (logits), or one head's query/key/value space. */
export type Space = 'd' | 'V' | `d_head^{${number}.${number}}`;

/** One source position of a term (docs/design.md §1): read through its token (W_E) or as itself (W_pos). */
export type Slot = 'V' | 'n';

export type Shape =
  /** n × n^inputs */
  | { readonly kind: 'kernel'; readonly inputs: number }
  /** rows × (V or n)^k: a feature tensor, one slot per input */
  | { readonly kind: 'tensor'; readonly rows: Space; readonly inputs: readonly Slot[] }
  | { readonly kind: 'map'; readonly rows: Space; readonly cols: Space }
  /** the homogeneous coordinate 1 of a bilinear block with biases (docs/design.md §1) */
  | { readonly kind: 'coordinate' }
  /** a term's value, n × cols */
  | { readonly kind: 'term'; readonly cols: Space };

export type KernelShape = Extract<Shape, { kind: 'kernel' }>;
export type FeatureShape = Extract<Shape, { kind: 'tensor' | 'map' | 'coordinate' }>;
export type TermShape = Extract<Shape, { kind: 'term' }>;

export class ShapeError extends UserError {}

type Role = 'kernel' | 'feature' | 'term';

const roles: Record<Kind, Role> = {
  id: 'kernel',
  ones: 'kernel',
  pattern: 'kernel',
  scale: 'kernel',
  kprod: 'kernel',
  face: 'kernel',
  weight: 'feature',
  vector: 'feature',
  transpose: 'feature',
  fprod: 'feature',
  bilinear: 'feature',
  kron: 'term',
  apply: 'term',
  pair: 'term',
  term: 'term',
  sum: 'term',
  qkSymbol: 'feature',
  score: 'term',
  qkron: 'term',
};

const roleNames: Record<Role, string> = {
  kernel: 'a position kernel',
  feature: 'a feature tensor or map',
  term: 'a term',
};

const memo = N.nodeCache<Shape>();

/** The shape of any node; a ShapeError names the first part that does not fit. */
export function shapeOf(e: Expr): Shape {
  let s = memo.get(e);
  // Stryker disable next-line ConditionalExpression: a cache, shapes are recomputed alike
  if (!s) {
    s = roles[e.kind] === 'kernel' ? kernelOf(e) : roles[e.kind] === 'feature' ? featureOf(e) : termOf(e);
    memo.set(e, s);
  }
  return s;
}

/** The space of a term's value (n × space); a ShapeError when `e` is not a well-shaped term. */
export function termSpace(e: Expr): Space {
  return asTerm(e).cols;
}

/** The largest number of inputs of any kernel a well-shaped term evaluates: its columns are n^that. */
export function maxInputs(e: Expr): number {
  return match(e)
    .with({ kind: 'kron' }, k => kernel(k.kernel).inputs)
    .with({ kind: 'apply' }, a => Math.max(1, maxInputs(a.arg)))
    .with({ kind: 'pair' }, p => Math.max(maxInputs(p.left), maxInputs(p.right)))
    .with({ kind: 'term' }, t => maxInputs(t.body))
    .with({ kind: 'sum' }, s => Math.max(0, ...s.terms.map(maxInputs)))
    .otherwise(() => 0);
}

export function printShape(s: Shape): string {
  return (
    match(s)
      .with({ kind: 'kernel' }, k => `n×${power('n', k.inputs)}`)
      .with({ kind: 'tensor' }, t => `${t.rows}×${slots(t.inputs)}`)
      .with({ kind: 'map' }, m => `${m.rows}×${m.cols}`)
      .with({ kind: 'coordinate' }, () => 'the homogeneous coordinate')
      // Stryker disable next-line ObjectLiteral: the last case, only terms are left to match
      .with({ kind: 'term' }, t => `n×${t.cols}`)
      .exhaustive()
  );
}

// ---------------------------------------------------------------- kernels: n × n^k

function kernelOf(e: Expr): KernelShape {
  return match(e)
    .with({ kind: 'id' }, { kind: 'pattern' }, { kind: 'scale' }, () => kernelShape(1))
    .with({ kind: 'ones' }, () => kernelShape(0))
    .with({ kind: 'face' }, f => kernelShape(kernel(f.left).inputs + kernel(f.right).inputs))
    .with({ kind: 'kprod' }, p => product(p, p.factors, kernel, N.kprod))
    .otherwise(() => misplaced(e, 'kernel'));
}

const kernelShape = (inputs: number): KernelShape => ({ kind: 'kernel', inputs });

// ---------------------------------------------------------------- features: maps and tensors

const residual = (inputs: readonly Slot[]): FeatureShape => ({ kind: 'tensor', rows: 'd', inputs });
const map = (rows: Space, cols: Space): FeatureShape => ({ kind: 'map', rows, cols });
const headSpace = (w: { layer: number | null; head: number | null }) => `d_head^{${w.layer}.${w.head}}` as Space;

function featureOf(e: Expr): FeatureShape {
  return match(e)
    .with({ kind: 'weight' }, w => weightShape(w.name, headSpace(w)))
    .with(
      { kind: 'vector' },
      (v): FeatureShape =>
        v.name === 'one' ? { kind: 'coordinate' } : { kind: 'tensor', rows: vectorRows(v), inputs: [] },
    )
    .with({ kind: 'transpose' }, t => {
      const s = feature(t.of);
      if (s.kind !== 'map')
        fail(`${printExpr(t)}: ${printExpr(t.of)} is ${described(s)}; only a map such as W_Q or W_U has a transpose`);
      return map(s.cols, s.rows);
    })
    .with({ kind: 'fprod' }, p => product(p, p.factors, feature, N.fprod))
    .with({ kind: 'qkSymbol' }, q => fail(`${printExpr(q)} occurs only in score terms, which identities do not state`))
    .with({ kind: 'bilinear' }, b => residual([...argumentSlots(b, b.left), ...argumentSlots(b, b.right)]))
    .otherwise(() => misplaced(e, 'feature'));
}

const vectorRows = (v: Extract<Expr, { kind: 'vector' }>): Space => (v.name === 'b_U' ? 'V' : 'd');

// docs/design.md §1: W_E d×V, W_pos d×n, W_U V×d, W_Q, W_K, W_V d_head×d, W_O d×d_head; circuits and norms d×d.
function weightShape(name: Extract<Expr, { kind: 'weight' }>['name'], head: Space): FeatureShape {
  switch (name) {
    case 'W_E':
      return residual(['V']);
    case 'W_pos':
      return residual(['n']);
    case 'W_U':
      return map('V', 'd');
    case 'W_Q':
    case 'W_K':
    case 'W_V':
      return map(head, 'd');
    case 'W_O':
      return map('d', head);
    case 'W_OV':
    case 'W_QK':
    case 'G':
    case 'C':
    case 'I':
      return map('d', 'd');
  }
}

/** An argument of B^l(T₁, T₂): a feature tensor of the residual stream, or the coordinate 1. */
function argumentSlots(b: Extract<Expr, { kind: 'bilinear' }>, arg: Expr): readonly Slot[] {
  const s = feature(arg);
  if (s.kind === 'coordinate') return [];
  if (s.kind !== 'tensor' || s.rows !== 'd')
    fail(
      `${printExpr(b)}: the arguments of B^{${b.layer}} are feature tensors of the residual stream (d×V^k) or 1, ` +
        `and ${printExpr(arg)} is ${described(s)}`,
    );
  return s.inputs;
}

// ---------------------------------------------------------------- terms: values n × space

const termShape = (cols: Space): TermShape => ({ kind: 'term', cols });

function termOf(e: Expr): TermShape {
  return match(e)
    .with({ kind: 'kron' }, k => termShape(kronSpace(k)))
    .with({ kind: 'apply' }, a => termShape(applySpace(a)))
    .with({ kind: 'pair' }, p => {
      pairArgument(p, p.left);
      pairArgument(p, p.right);
      return termShape('d');
    })
    .with({ kind: 'term' }, t => asTerm(t.body))
    .with({ kind: 'sum' }, s => sumShape(s))
    .otherwise(() => misplaced(e, 'term'));
}

function kronSpace(e: Extract<Expr, { kind: 'kron' }>): Space {
  const k = kernel(e.kernel);
  const t = feature(e.feature);
  if (t.kind === 'coordinate') coordinateOutside(e);
  if (t.kind === 'map')
    fail(
      `${printExpr(e)}: ${printExpr(e.feature)} is a map (${printShape(t)}), not a feature tensor; ` +
        'a term K ⊗ T needs T such as W_E, W_OV W_E or b_O (d×V^k)',
    );
  if (k.inputs !== t.inputs.length)
    fail(
      `${printExpr(e)}: the kernel ${printExpr(e.kernel)} is ${printShape(k)} (${inputs(k.inputs)}) ` +
        `but the feature tensor ${printExpr(e.feature)} is ${printShape(t)} (${inputs(t.inputs.length)})`,
    );
  return t.rows;
}

// evaluate-dense.ts applies only `K ⊗ M` with K n×n and M a map: (K ⊗ M) x = K x Mᵀ.
function applySpace(e: Extract<Expr, { kind: 'apply' }>): Space {
  const op = e.op;
  if (op.kind !== 'kron')
    fail(`${printExpr(e)}: only a single operator K ⊗ M (no coefficient, no sum) can be applied to a term`);
  const k = kernel(op.kernel);
  if (k.inputs !== 1)
    fail(`${printExpr(e)}: the operator's kernel ${printExpr(op.kernel)} is ${printShape(k)}; an operator's is n×n`);
  const m = feature(op.feature);
  if (m.kind !== 'map')
    fail(
      `${printExpr(e)}: the operator's feature side ${printExpr(op.feature)} is ${described(m)}; ` +
        'an operator applies a map such as W_OV or W_U',
    );
  const x = asTerm(e.arg);
  if (m.cols !== x.cols)
    fail(
      `${printExpr(e)}: ${printExpr(op.feature)} is ${printShape(m)} and cannot apply to ${printExpr(e.arg)} ` +
        `(${printShape(x)})`,
    );
  return m.rows;
}

/** An argument of a bilinear pair: a term of the residual stream, or `1 ⊗ 1` (the coordinate, no input). */
function pairArgument(p: Extract<Expr, { kind: 'pair' }>, x: Expr): void {
  if (x.kind === 'sum') {
    for (const t of x.terms) pairArgument(p, t);
    return;
  }
  if (x.kind === 'term') {
    pairArgument(p, x.body);
    return;
  }
  if (x.kind === 'kron' && feature(x.feature).kind === 'coordinate') {
    const k = kernel(x.kernel);
    if (k.inputs !== 0)
      fail(
        `${printExpr(p)}: the coordinate 1 starts no input, so its kernel is n×1, ` +
          `and ${printExpr(x.kernel)} is ${printShape(k)}`,
      );
    return;
  }
  const s = asTerm(x);
  if (s.cols !== 'd')
    fail(
      `${printExpr(p)}: the arguments of B^{${p.layer}} are terms of the residual stream (n×d), ` +
        `and ${printExpr(x)} is ${printShape(s)}`,
    );
}

function sumShape(e: Extract<Expr, { kind: 'sum' }>): TermShape {
  const [first, ...rest] = e.terms.map(asTerm);
  const i = rest.findIndex(s => s.cols !== first!.cols);
  if (i >= 0)
    fail(
      `${printExpr(e)}: ${printExpr(e.terms[i + 1]!)} is ${printShape(rest[i]!)} but ${printExpr(e.terms[0]!)} ` +
        `is ${printShape(first!)}; the terms of a sum have one shape`,
    );
  return first!;
}

// ---------------------------------------------------------------- shared

// shapeOf dispatches on the role, so a node of role r has a shape of r's kind
function kernel(e: Expr): KernelShape {
  if (roles[e.kind] !== 'kernel') return misplaced(e, 'kernel');
  return shapeOf(e) as KernelShape;
}

function feature(e: Expr): FeatureShape {
  if (roles[e.kind] !== 'feature') return misplaced(e, 'feature');
  return shapeOf(e) as FeatureShape;
}

function asTerm(e: Expr): TermShape {
  if (roles[e.kind] !== 'term') return misplaced(e, 'term');
  return shapeOf(e) as TermShape;
}

/**
 * A matrix product, read right to left: each factor's columns must be the rows of the product of the
 * factors to its right. Kernels all have n rows, so every kernel but the last must be n×n.
 */
function product<S extends Shape>(
  whole: Expr,
  factors: readonly Expr[],
  shapeOfFactor: (e: Expr) => S,
  rebuild: (fs: readonly Expr[]) => Expr,
): S {
  let right = shapeOfFactor(factors[factors.length - 1]!);
  if (right.kind === 'coordinate') coordinateOutside(whole);
  for (let i = factors.length - 2; i >= 0; i--) {
    const left = shapeOfFactor(factors[i]!);
    if (left.kind === 'coordinate') coordinateOutside(whole);
    const composed = compose(left, right);
    if (!composed)
      fail(
        `${printExpr(whole)}: ${printExpr(factors[i]!)} is ${printShape(left)} and cannot follow ` +
          `${printExpr(rebuild(factors.slice(i + 1)))} (${printShape(right)})`,
      );
    right = composed as S;
  }
  return right;
}

/** `left right` as matrices, or undefined when left's columns are not right's rows. */
function compose(left: Shape, right: Shape): Shape | undefined {
  // a product's factors share a role: kernels compose only with kernels
  if (left.kind === 'kernel') return left.inputs === 1 ? right : undefined;
  if (left.kind !== 'map' || (right.kind !== 'map' && right.kind !== 'tensor')) return undefined;
  if (left.cols !== right.rows) return undefined;
  return right.kind === 'map' ? map(left.rows, right.cols) : { ...right, rows: left.rows };
}

function coordinateOutside(e: Expr): never {
  return fail(
    `${printExpr(e)}: the homogeneous coordinate 1 is a feature only inside a bilinear block, ` +
      'as an argument of B^{l}(…, …) or as the term 1 ⊗ 1 of a pair',
  );
}

function misplaced(e: Expr, expected: Role): never {
  return fail(`${printExpr(e)} is ${roleNames[roles[e.kind]]} where ${roleNames[expected]} belongs`);
}

const described = (s: Shape): string =>
  s.kind === 'tensor'
    ? `a feature tensor (${printShape(s)})`
    : s.kind === 'map'
      ? `a map (${printShape(s)})`
      : printShape(s);

const inputs = (k: number) => `${k} input${k === 1 ? '' : 's'}`;

function fail(message: string): never {
  throw new ShapeError(message);
}

const superscripts = '⁰¹²³⁴⁵⁶⁷⁸⁹';
const sup = (k: number) => [...String(k)].map(c => superscripts[Number(c)]).join('');
const power = (base: string, k: number) => (k === 0 ? '1' : k === 1 ? base : `${base}${sup(k)}`);

/** `V²·n` for slots V, V, n; `1` for none. */
function slots(s: readonly Slot[]): string {
  if (s.length === 0) return '1';
  const runs: string[] = [];
  for (let i = 0; i < s.length; ) {
    let j = i;
    while (s[j] === s[i]) j++;
    runs.push(power(s[i]!, j - i));
    i = j;
  }
  return runs.join('·');
}
