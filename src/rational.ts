// Exact coefficients: a rational q (fraction.js, the library mathjs itself uses for fractions) times the
// square root of a square-free integer r ≥ 1, the numbers a block's output scale such as 1/√(2 n_layer)
// makes. Products stay in this form; sums do only of like radicands, which is all the laws on sums
// need (terms of one path went through the same blocks, so they carry the same radicand).
import Fraction from 'fraction.js';

export class Coefficient {
  private constructor(
    readonly rational: Fraction,
    /** Square-free, ≥ 1; 1 for a rational coefficient. */
    readonly radicand: bigint,
  ) {}

  /** q·√r for any rational r > 0 (or q alone), normalised so that r is a square-free integer. */
  static of(q: Fraction, r: Fraction = new Fraction(1)): Coefficient {
    if (r.s <= 0n) throw new RangeError('the radicand of a coefficient must be positive');
    // √(a/b) = √(ab)/b, then the square factors of ab come out
    const { outside, inside } = squareFree(r.n * r.d);
    return new Coefficient(q.mul(new Fraction(outside, r.d)), q.equals(0) ? 1n : inside);
  }

  /** The sign as fraction.js gives it: -1n, 0n or 1n. */
  get s(): bigint {
    return this.rational.equals(0) ? 0n : this.rational.s;
  }
  /** Numerator and denominator of the rational part. */
  get n(): bigint {
    return this.rational.n;
  }
  get d(): bigint {
    return this.rational.d;
  }
  get isRational(): boolean {
    return this.radicand === 1n;
  }

  mul(other: Coefficient | number | bigint): Coefficient {
    const c = coefficientOf(other);
    if (this.radicand === 1n && c.radicand === 1n) return new Coefficient(this.rational.mul(c.rational), 1n);
    // both square-free: √r₁ √r₂ = g √((r₁/g)(r₂/g)) with g = gcd(r₁, r₂), and the rest is square-free
    const g = gcd(this.radicand, c.radicand);
    const radicand = (this.radicand / g) * (c.radicand / g);
    const q = this.rational.mul(c.rational).mul(new Fraction(g));
    return new Coefficient(q, q.equals(0) ? 1n : radicand);
  }

  /** Defined for like radicands (or a zero term); anything else has no q·√r form. */
  add(other: Coefficient | number | bigint): Coefficient {
    const c = coefficientOf(other);
    if (c.s === 0n) return this;
    if (this.s === 0n) return c;
    if (c.radicand !== this.radicand) throw new RangeError(`${this} + ${c} is not of the form q·√r`);
    const q = this.rational.add(c.rational);
    return new Coefficient(q, q.equals(0) ? 1n : this.radicand);
  }

  neg(): Coefficient {
    return new Coefficient(this.rational.neg(), this.radicand);
  }

  equals(other: Coefficient | number | bigint): boolean {
    const c = coefficientOf(other);
    return this.radicand === c.radicand && this.rational.equals(c.rational);
  }

  valueOf(): number {
    return this.radicand === 1n ? this.rational.valueOf() : this.rational.valueOf() * Math.sqrt(Number(this.radicand));
  }

  /** A key equal for equal coefficients. */
  get key(): string {
    return `${this.s * this.n}/${this.d}r${this.radicand}`;
  }

  /** `3/4`, `-2`, or `1/4·√2`. */
  toFraction(): string {
    const q = this.rational.toFraction();
    return this.radicand === 1n ? q : `${q}·√${this.radicand}`;
  }

  toString(): string {
    return this.toFraction();
  }

  /** JSON has no bigint: a coefficient serializes as its `toFraction` text. */
  toJSON(): string {
    return this.toFraction();
  }
}

/** The rational numerator/denominator as an exact coefficient. */
export const rational = (numerator: number | bigint, denominator: number | bigint = 1): Coefficient =>
  Coefficient.of(new Fraction(numerator, denominator));

/** q·√r for rationals q and r > 0 given as fractions of integers. */
export const surd = (q: Fraction, r: Fraction): Coefficient => Coefficient.of(q, r);

export { Fraction };

/** The exact coefficients are the terms' type; the name stays from when they were all rational. */
export type Rational = Coefficient;

function coefficientOf(x: Coefficient | number | bigint): Coefficient {
  return x instanceof Coefficient ? x : rational(x);
}

function gcd(a: bigint, b: bigint): bigint {
  return b === 0n ? a : gcd(b, a % b);
}

/** n = outside² · inside, inside square-free (trial division: only a spec's numbers, which it bounds, come here). */
function squareFree(n: bigint): { outside: bigint; inside: bigint } {
  let [outside, inside] = [1n, n];
  for (let p = 2n; p * p <= inside; p++) {
    while (inside % (p * p) === 0n) {
      inside /= p * p;
      outside *= p;
    }
  }
  return { outside, inside };
}
