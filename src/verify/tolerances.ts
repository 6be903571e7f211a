// The numbers a verify run is judged by, apart from the laws themselves, so that the CLI can state
// them in its help without loading the numeric layer.

/** float32 arithmetic, with terms that may cancel: bounded relative to Σ|term| per logit. */
export const FLOAT32_TOLERANCE = 1e-4;
/** Both sides in float64 on the same frozen quantities (patterns renormalized: see frozenEnv in laws.ts). */
export const FLOAT64_TOLERANCE = 1e-9;

/**
 * Random maps give attention scores of unit spread, so patterns are close to uniform and a law about
 * patterns is barely exercised: with uniform rows, A^{0.0} and A^{0.1} hardly differ. Scaling W_Q and
 * W_K by 2 multiplies the scores by 4, a spread of several units: rows put most of their mass on a
 * few keys, different for every head, and still leave the rest non-zero.
 */
export const QK_SHARPENING = 2;
