// The formula grammar's actions: tokens → interned IR nodes, names looked up in the notation
// table. Actions return thunks: nearley runs actions on partial parses too, so a name is judged
// (and a FormulaError raised at its column) only once the whole formula has parsed.
import type { Token } from 'moo';
import { Fraction, type Rational, rational, surd } from '../rational.js';
import { UserError } from '../errors.js';
import * as N from './nodes.js';
import type { Expr } from './nodes.js';
import { bilinearSymbols, symbolsNamed } from './notation.js';

export class FormulaError extends UserError {
  constructor(
    readonly reason: string,
    readonly col: number,
  ) {
    super(`column ${col}: ${reason}`);
  }
}

export type Lazy = () => Expr;
const force = (xs: Lazy[]) => xs.map(x => x());

export const sum =
  (terms: Lazy[]): Lazy =>
  () =>
    N.sum(force(terms));
export const negate =
  (e: Lazy): Lazy =>
  () =>
    N.term(rational(-1), e());
export const term =
  (c: () => Rational, body: Lazy): Lazy =>
  () =>
    N.term(c(), body());
export const kron =
  (k: Lazy, t: Lazy): Lazy =>
  () =>
    N.kron(k(), t());
export const face =
  (l: Lazy, r: Lazy): Lazy =>
  () =>
    N.face(l(), r());
export const kprod =
  (factors: Lazy[]): Lazy =>
  () =>
    N.kprod(force(factors));
export const fprod =
  (factors: Lazy[]): Lazy =>
  () =>
    N.fprod(force(factors));
export const transpose =
  (of: Lazy): Lazy =>
  () =>
    N.transpose(of());

/** (X)(Y)(Z) = X applied to (Y applied to Z). */
export const chain =
  (groups: Lazy[]): Lazy =>
  () =>
    force(groups).reduceRight((arg, op) => N.apply(op, arg));

export const coefficient = (numerator: Token, denominator: Token | null) => (): Rational => {
  const d = denominator ? BigInt(integerOf(denominator)) : 1n;
  if (d === 0n) throw new FormulaError('a coefficient cannot have denominator 0', denominator!.col);
  return rational(BigInt(integerOf(numerator)), d);
};

/** `a√r/b` (a, b optional), or `a/√r` when `underRoot`: the radicand divides. */
export const surdCoefficient =
  (numerator: Token | null, radicand: Token, denominator: Token | null, underRoot: boolean) => (): Rational => {
    const a = numerator ? BigInt(integerOf(numerator)) : 1n;
    const r = BigInt(integerOf(radicand));
    const b = denominator ? BigInt(integerOf(denominator)) : 1n;
    if (r === 0n) throw new FormulaError('a coefficient cannot take the root of 0', radicand.col);
    if (b === 0n) throw new FormulaError('a coefficient cannot have denominator 0', denominator!.col);
    if (r > ROOT_LIMIT)
      throw new FormulaError(`a coefficient takes roots of numbers up to ${ROOT_LIMIT}`, radicand.col);
    return surd(new Fraction(a, b), underRoot ? new Fraction(1n, r) : new Fraction(r));
  };

/** Roots are normalised by trial division: this keeps that instant. */
const ROOT_LIMIT = 1_000_000_000_000n;

function integerOf(token: Token): string {
  if (!/^[0-9]+$/.test(token.value))
    throw new FormulaError(`expected an integer coefficient, found '${token.value}'`, token.col);
  return token.value;
}

export const kernelSymbol =
  (word: Token, index: Token | null): Lazy =>
  () =>
    symbol(word, index, 'kernel');
export const featureSymbol =
  (word: Token, index: Token | null): Lazy =>
  () =>
    symbol(word, index, 'feature');

function symbol(word: Token, index: Token | null, side: 'kernel' | 'feature'): Expr {
  const entry = symbolsNamed(word.value, side);
  if (!entry)
    throw new FormulaError(
      `'${word.value}' is not a ${side === 'kernel' ? 'position kernel' : 'feature tensor'} (see docs/notation.md)`,
      word.col,
    );
  if (entry.indexing === 'none') {
    if (index) throw new FormulaError(`'${word.value}' takes no index`, index.col);
    return entry.make(0, 0);
  }
  const form = entry.indexing === 'head' ? 'layer.head, e.g. ^{0.1}' : 'a layer, e.g. ^{0}';
  if (!index) throw new FormulaError(`'${word.value}' needs an index: ${form}`, word.col + word.text.length);
  const parts = index.value.split('.').map(Number);
  if (parts.length !== (entry.indexing === 'head' ? 2 : 1))
    throw new FormulaError(`'${word.value}' is indexed by ${form}`, index.col);
  return entry.make(parts[0]!, parts[1] ?? 0);
}

function bilinearName(word: Token): boolean {
  if (word.value === bilinearSymbols.plain.text) return false;
  if (word.value === bilinearSymbols.symmetrized.text) return true;
  throw new FormulaError(`'${word.value}' takes no arguments; only B and B_sym do`, word.col);
}

function layerOf(index: Token): number {
  if (!/^[0-9]+$/.test(index.value))
    throw new FormulaError('a bilinear map is indexed by its layer, e.g. ^{0}', index.col);
  return Number(index.value);
}

export const bilinear =
  (word: Token, index: Token, left: Lazy, right: Lazy): Lazy =>
  () => {
    const symmetrized = bilinearName(word);
    return N.bilinearOf(layerOf(index), symmetrized, left(), right());
  };
export const pair =
  (word: Token, index: Token, left: Lazy, right: Lazy): Lazy =>
  () => {
    const symmetrized = bilinearName(word);
    return N.pair(layerOf(index), symmetrized, left(), right());
  };
