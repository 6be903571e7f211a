// Exact rational coefficients (fraction.js, the library mathjs itself uses for fractions): loading
// it alone keeps the start-up of every command small.
import Fraction from 'fraction.js';

export type Rational = Fraction;

export const rational = (numerator: number | bigint, denominator: number | bigint = 1): Rational =>
  new Fraction(numerator, denominator);
