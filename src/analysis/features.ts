// Feature construction (Sharkey 2023 §4; Pearce et al. 2024): one bilinear layer read along one
// output direction, as eigenvectors of its interaction matrix, each read in token space. The entry
// point of src/analysis; the CLI only formats what this returns.
import type { Architecture } from '../language/architecture.js';
import type { Weights } from '../numeric/weights.js';
import { bilinearForm, formDimension } from './bilinear.js';
import { eigenDecomposition, explainedShares } from './eigen.js';
import { dominantFrequency, type Frequency } from './fourier.js';
import { interactionMatrix, outputOffset } from './interaction.js';
import { frobeniusSquared } from '../linalg/matrix.js';
import { type DirectionChoice, type OutputDirection, outputDirection } from './direction.js';
import {
  extremeTokens,
  PAIR_TABLE_LIMIT,
  tokenInputs,
  tokenPairs,
  tokenProfile,
  type TokenPair,
  type TokenValue,
  type Via,
} from './tokens.js';

export interface FeatureOptions {
  readonly layer: number;
  readonly direction: DirectionChoice;
  /** How many eigenvectors to describe. */
  readonly top: number;
  /** Tokens listed per eigenvector and sign. */
  readonly tokens: number;
  /** Token pairs listed (one-layer models). */
  readonly pairs: number;
  /** Add W_pos[position] to every token's embedding. */
  readonly position?: number;
  /** For token pairs: b at this position (a at `position`); the pairs are then ordered. */
  readonly pairPosition?: number;
  /** Token pairs among tokens 0..pairTokens-1 only. */
  readonly pairTokens?: number;
  /** Read tokens through the embedding (default) or through the layer's heads. */
  readonly via?: Via;
  /** Fourier analysis over tokens 0..period-1 (default: the vocabulary). */
  readonly period?: number;
}

export interface Feature {
  readonly index: number;
  readonly eigenvalue: number;
  /** λ_i² / ‖Q_u‖_F². */
  readonly share: number;
  readonly vector: number[];
  /** x̃_a · v for every token a. */
  readonly profile: number[];
  readonly tokens: { top: TokenValue[]; bottom: TokenValue[] };
  readonly fourier: Frequency;
}

export interface FeatureReport {
  readonly model: string;
  readonly layer: number;
  /** The output direction (named `readout` in the JSON of `pathsum features`). */
  readonly readout: Omit<OutputDirection, 'u'> & { u: number[] };
  /** u · b_out, the constant outside the quadratic form. */
  readonly offset: number;
  readonly homogeneous: boolean;
  readonly dimension: number;
  readonly frobeniusSquared: number;
  /** Every eigenvalue, sorted by |λ|. */
  readonly eigenvalues: number[];
  /** explained[k-1] = Σ_{i≤k} λ_i² / Σ λ_i². */
  readonly explained: number[];
  readonly inputs: { position: number | null; pairPosition: number | null; via: string; notes: readonly string[] };
  readonly features: Feature[];
  readonly pairs: { top: TokenPair[]; topAbs: TokenPair[] } | null;
  /** Why pairs is null. */
  readonly pairsNote?: string;
}

export function analyzeFeatures(arch: Architecture, weights: Weights, options: FeatureOptions): FeatureReport {
  const form = bilinearForm(arch, weights, options.layer);
  const r = outputDirection(arch, weights, options.layer, options.direction);
  const q = interactionMatrix(form, r.u);
  const eigen = eigenDecomposition(q);
  const total = frobeniusSquared(q);
  const explained = explainedShares(eigen.values);
  const inputs = tokenInputs(arch, weights, form, { position: options.position, via: options.via });
  const features = eigen.vectors.slice(0, options.top).map((v, i): Feature => {
    const profile = tokenProfile(inputs, v);
    const lambda = eigen.values[i]!;
    return {
      index: i + 1,
      eigenvalue: lambda,
      share: total === 0 ? 0 : (lambda * lambda) / total,
      vector: [...v],
      profile: [...profile],
      tokens: extremeTokens(profile, options.tokens),
      fourier: dominantFrequency(profile, options.period),
    };
  });
  const pairRight = () =>
    options.pairPosition === undefined
      ? undefined
      : tokenInputs(arch, weights, form, { position: options.pairPosition, via: options.via });
  const oneLayer = arch.layers.length === 1;
  const small = arch.vocab <= PAIR_TABLE_LIMIT;
  return {
    model: arch.name,
    layer: options.layer,
    readout: { ...r, u: [...r.u] },
    offset: outputOffset(form, r.u),
    homogeneous: form.homogeneous,
    dimension: formDimension(form),
    frobeniusSquared: total,
    eigenvalues: [...eigen.values],
    explained: [...explained],
    inputs: {
      position: options.position ?? null,
      pairPosition: options.pairPosition ?? null,
      via: viaName(options.via),
      notes: inputs.notes,
    },
    features,
    pairs:
      oneLayer && small
        ? tokenPairs(inputs, q, options.pairs, { right: pairRight(), among: options.pairTokens })
        : null,
    ...(oneLayer && small
      ? {}
      : {
          pairsNote: oneLayer
            ? `the vocabulary exceeds ${PAIR_TABLE_LIMIT} tokens`
            : 'token pairs are tabled for one-layer models only',
        }),
  };
}

export const viaName = (via: Via | undefined): string =>
  via?.kind === 'ov' ? `ov${via.head === undefined ? '' : `:${via.head}`}` : 'embed';
