// How sinusoidal a token profile is: on tokens 0..p-1 read as residues mod p (the modular-arithmetic
// view of Nanda et al. 2023), the share of the profile's variance that each frequency ω explains,
// i.e. the squared norm of its projection on span{cos(2πωa/p), sin(2πωa/p)} over its squared norm.

/** shares[ω-1] for ω = 1..⌊p/2⌋; the shares sum to 1 (Parseval) unless the profile is constant. */
export function frequencyShares(profile: ArrayLike<number>, period: number = profile.length): Float64Array {
  const p = Math.min(period, profile.length);
  const f = Float64Array.from({ length: p }, (_, a) => profile[a]!);
  const mean = f.reduce((s, x) => s + x, 0) / p;
  f.forEach((x, a) => {
    f[a] = x - mean;
  });
  const total = f.reduce((s, x) => s + x * x, 0);
  const shares = new Float64Array(Math.floor(p / 2));
  for (let w = 1; w <= shares.length; w++) {
    let c = 0;
    let s = 0;
    for (let a = 0; a < p; a++) {
      const angle = (2 * Math.PI * w * a) / p;
      c += f[a]! * Math.cos(angle);
      s += f[a]! * Math.sin(angle);
    }
    const projected = 2 * w === p ? (c * c) / p : (2 * (c * c + s * s)) / p;
    shares[w - 1] = total === 0 ? 0 : projected / total;
  }
  return shares;
}

export interface Frequency {
  /** ω in 1..⌊p/2⌋, or 0 for a constant profile. */
  readonly frequency: number;
  /** The share of variance that ω alone explains. */
  readonly share: number;
}

export function dominantFrequency(profile: ArrayLike<number>, period?: number): Frequency {
  const shares = frequencyShares(profile, period);
  let best = -1;
  shares.forEach((s, i) => {
    if (best < 0 || s > shares[best]!) best = i;
  });
  return best < 0 || shares[best] === 0 ? { frequency: 0, share: 0 } : { frequency: best + 1, share: shares[best]! };
}
