// A path term: a path with its exact coefficient (docs/design.md §3: for a symmetrized term, the
// number of ordered terms it stands for) and its degree in the one-hot inputs.
import { type Rational, rational } from '../rational.js';
import { degree, type Path } from './path.js';

export interface Term {
  readonly path: Path;
  readonly coefficient: Rational;
  readonly degree: number;
}

const ONE = rational(1);
const TWO = rational(2);

/** A path with coefficient 1. */
export function leaf(path: Path): Term {
  return { path, coefficient: ONE, degree: degree(path) };
}

/**
 * The product of two coefficients, doubled for an off-diagonal symmetrized pair (docs/design.md §3).
 * Most coefficients are 1 or 2: exact fraction arithmetic for those was a tenth of a 100,000-term expansion.
 */
export function pairCoefficient(a: Rational, b: Rational, twice: boolean): Rational {
  // Stryker disable next-line ConditionalExpression: a shortcut, the general product has the same value
  if (a === ONE && b === ONE) return twice ? TWO : ONE;
  const c = a.mul(b);
  return twice ? c.mul(TWO) : c;
}

/** A term through a block whose output is scaled by `scale` (absent: 1). */
export function scaled(term: Term, scale: Rational | undefined): Term {
  return scale === undefined ? term : { ...term, coefficient: term.coefficient.mul(scale) };
}
