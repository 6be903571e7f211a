// Term counts as numbers that stay honest at any size (docs/design.md §1). A count is an exact
// BigInt while it has at most EXACT_BITS bits (2,466 digits); past that only its log10 x is kept,
// and once x itself passes LOG10_LIMIT, only y = log10 x. Every form is finite: squaring a count
// 10,000 times (10,000 bilinear layers) only adds 10,000·log10 2 to y.
// Counts only grow along the walk that builds them, so the forms are ordered (up to a halving):
// exact < 2^EXACT_BITS ≤ 10^x ≤ 10^LOG10_LIMIT < 10^(10^y).

export type Total = { readonly exact: bigint } | { readonly log10: number } | { readonly log10log10: number };

// The walk multiplies its counts a few times per layer: at 8,192 bits a product costs a few µs,
// so 10,000 layers stay well under a second; at 65,536 bits (19,700 digits) they took 20 s.
export const EXACT_BITS = 8192;
/** Past 10^15, a double no longer resolves x to a tenth: keep y = log10 x instead. */
export const LOG10_LIMIT = 1e15;

const EXACT_LIMIT = 1n << BigInt(EXACT_BITS);
const HALF_LIMIT = 1n << BigInt(EXACT_BITS / 2);
const LOG10_2 = Math.log10(2);

export const ZERO: Total = { exact: 0n };
const TWO: Total = { exact: 2n };

/** A count from a non-negative integer; past EXACT_BITS it keeps only its logarithm. */
export function total(n: bigint | number): Total {
  const value = BigInt(n);
  return value < EXACT_LIMIT ? { exact: value } : { log10: bigLog10(value) };
}

/** x = log10 of a count's value: -Infinity for 0, Infinity only once y passes ~308. */
export function log10(t: Total): number {
  // Stryker disable next-line ConditionalExpression: a shortcut, bigLog10(0n) is Math.log10(0) = -Infinity as well
  if ('exact' in t) return t.exact === 0n ? -Infinity : bigLog10(t.exact);
  return 'log10' in t ? t.log10 : 10 ** t.log10log10;
}

/** y = log10 log10 of a count's value: finite for every count above 1, -Infinity for 0 and 1. */
export function log10log10(t: Total): number {
  if ('log10log10' in t) return t.log10log10;
  const x = log10(t);
  // Stryker disable next-line EqualityOperator: x = 0 (a count of 1) gives Math.log10(0) = -Infinity alike
  return x > 0 ? Math.log10(x) : -Infinity;
}

export function add(a: Total, b: Total): Total {
  // Stryker disable next-line ConditionalExpression: speed only, the general case adds 0 (log10 -∞) alike
  if (isZero(b)) return a;
  // Stryker disable next-line ConditionalExpression: speed only, as above
  if (isZero(a)) return b;
  if ('exact' in a && 'exact' in b) return total(a.exact + b.exact);
  // 10^(10^y) dwarfs every count of the other forms: adding one changes x by at most log10 2,
  // below the resolution of x > LOG10_LIMIT.
  if ('log10log10' in a || 'log10log10' in b) return { log10log10: Math.max(log10log10(a), log10log10(b)) };
  return fromLog10(logSum(log10(a), log10(b)));
}

export function multiply(a: Total, b: Total): Total {
  if (isZero(a) || isZero(b)) return ZERO;
  // Stryker disable next-line ConditionalExpression: speed only, the general case multiplies by 1 (log10 0) alike
  if (isOne(b)) return a;
  // Stryker disable next-line ConditionalExpression: speed only, as above
  if (isOne(a)) return b;
  if ('exact' in a && 'exact' in b && fitsProduct(a.exact, b.exact)) return total(a.exact * b.exact);
  if ('log10log10' in a || 'log10log10' in b) return { log10log10: logSum(log10log10(a), log10log10(b)) };
  return fromLog10(log10(a) + log10(b));
}

/** t / 2, for counts known to be even while exact (unordered pairs: (n² + n) / 2). */
export function halve(t: Total): Total {
  if ('exact' in t) return { exact: t.exact / 2n };
  return 'log10' in t ? { log10: t.log10 - LOG10_2 } : t;
}

/** The product of two polynomials in degree, truncated at the length of `a`. */
export function convolve(a: readonly Total[], b: readonly Total[]): Total[] {
  // Stryker disable next-line ConditionalExpression: a square is a product; squareCoefficient only halves the work
  return a.map((_, k) => (a === b ? squareCoefficient(a, k) : productCoefficient(a, b, k)));
}

function productCoefficient(a: readonly Total[], b: readonly Total[], k: number): Total {
  let c = ZERO;
  for (let i = 0; i <= k; i++) c = add(c, multiply(a[i]!, b[k - i]!));
  return c;
}

// Σ_{i+j=k} a_i a_j = 2 Σ_{i<j} a_i a_j + a_{k/2}²: half the products of the general case.
function squareCoefficient(a: readonly Total[], k: number): Total {
  let cross = ZERO;
  for (let i = 0; 2 * i < k; i++) cross = add(cross, multiply(a[i]!, a[k - i]!));
  const middle = k % 2 === 0 ? multiply(a[k / 2]!, a[k / 2]!) : ZERO;
  return add(multiply(cross, TWO), middle);
}

/** Whether a and b are in order (-1, 0, 1), by value. */
export function compare(a: Total, b: Total): number {
  if ('exact' in a && 'exact' in b) return a.exact < b.exact ? -1 : a.exact > b.exact ? 1 : 0;
  // Stryker disable next-line LogicalOperator,StringLiteral: the forms are ordered (see the header), so against
  // another form a count 10^(10^y) is the larger by x as by y; only the last bit of a double at 10^15 can differ
  const [p, q] = 'log10log10' in a || 'log10log10' in b ? [log10log10(a), log10log10(b)] : [log10(a), log10(b)];
  return Math.sign(p - q);
}

/** `118827`, `≈ 10^123456.7`, `≈ 10^(7.75438e+14)`, or `≈ 10^(10^3010.211)` past LOG10_LIMIT. */
export function formatTotal(t: Total): string {
  if ('exact' in t) return t.exact.toString();
  if ('log10log10' in t) return `≈ 10^(10^${t.log10log10.toPrecision(7)})`;
  // a double resolves x to a tenth below 10^9; above, six significant digits are what it holds
  return t.log10 < 1e9 ? `≈ 10^${t.log10.toFixed(1)}` : `≈ 10^(${t.log10.toPrecision(6)})`;
}

function isZero(t: Total): boolean {
  return 'exact' in t && t.exact === 0n;
}

function isOne(t: Total): boolean {
  // Stryker disable next-line ConditionalExpression: isOne only guards multiply's shortcuts, which are speed only
  return 'exact' in t && t.exact === 1n;
}

function fromLog10(x: number): Total {
  return x <= LOG10_LIMIT ? { log10: x } : { log10log10: Math.log10(x) };
}

/** log10(10^p + 10^q), without overflow. */
function logSum(p: number, q: number): number {
  // Stryker disable next-line EqualityOperator: for p = q either order gives the same pair
  const [hi, lo] = p >= q ? [p, q] : [q, p];
  return lo === -Infinity ? hi : hi + Math.log10(1 + 10 ** (lo - hi));
}

// Whether a·b may stay exact, from word counts alone; total() settles the few borderline products.
// Saying yes past the limit only makes total() take the log of the exact product instead of summing the
// factors' logs: the same x to the last bit or two.
function fitsProduct(a: bigint, b: bigint): boolean {
  // Stryker disable next-line all: speed only, below 2^4096 both have at most 64 words: the count below says yes
  if (a < HALF_LIMIT && b < HALF_LIMIT) return true;
  // Stryker disable next-line ConditionalExpression,EqualityOperator,ArithmeticOperator: `true`, `<=`, `64 /` and
  // `words(a) - words(b)` only say yes more often (see above); `false`, `>=` and `+ 2` are killed by 2^4096 · 2^4000
  return 64 * (words(a) + words(b) - 2) < EXACT_BITS;
}

/** 2^(64j) for j up to twice the exact range: comparing with them costs O(1) when lengths differ. */
const WORD_POWERS = Array.from({ length: (2 * EXACT_BITS) / 64 + 2 }, (_, j) => 1n << BigInt(64 * j));

/** The number of 64-bit words of n > 0: the least j with n < 2^(64j), by binary search. */
function words(n: bigint): number {
  // Stryker disable next-line ConditionalExpression,EqualityOperator,UnaryOperator: the hex length counts words
  // exactly at any size (`true`, `.at(+1)`); at n = 2^(64·257) the search says 257 words, which only keeps 64 more
  // bits in bigLog10 (`>`). Its `false` and `<` mutants are killed (count-survivors.test.ts: 10^20000).
  if (n >= WORD_POWERS.at(-1)!) return Math.ceil(n.toString(16).length / 16);
  // Stryker disable next-line ArithmeticOperator: a search up to length + 1 never reads past the table for n below it
  let [lo, hi] = [0, WORD_POWERS.length - 1];
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (n < WORD_POWERS[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

// The top 64 to 128 bits carry all a double can hold; the rest is a power of two.
function bigLog10(n: bigint): number {
  const shift = Math.max(0, 64 * (words(n) - 2));
  return Math.log10(Number(n >> BigInt(shift))) + shift * LOG10_2;
}
