// What each shipped model is trained on and with: the data, the seeds, the hyper-parameters.
// `npm run train -- TASK` runs a recipe; flags override its fields for tuning runs.
import { inductionDefaults, type InductionConfig, modaddDefaults, type ModaddConfig } from './tasks.js';
import type { Hyperparameters } from './trainer.js';

export interface ModaddRecipe {
  readonly task: 'modadd';
  readonly seed: number;
  readonly data: ModaddConfig;
  readonly hyper: Hyperparameters;
}

export interface InductionRecipe {
  readonly task: 'induction';
  readonly seed: number;
  /** The held-out sequences are inductionBatch(heldOutSeed, heldOutSize). */
  readonly heldOutSeed: number;
  readonly heldOutSize: number;
  readonly data: InductionConfig;
  readonly hyper: Hyperparameters;
}

export type Recipe = ModaddRecipe | InductionRecipe;

export const recipes: { modadd: ModaddRecipe; induction: InductionRecipe } = {
  modadd: {
    task: 'modadd',
    seed: 1,
    data: modaddDefaults,
    hyper: {
      steps: 1500,
      learningRate: 3e-3,
      warmupSteps: 50,
      weightDecay: 2.5,
      beta1: 0.9,
      beta2: 0.98,
      batchSize: 0,
      embeddingStd: 1,
      schedule: 'constant',
      slowGradientGain: 0,
      slowGradientMomentum: 0.98,
    },
  },
  induction: {
    task: 'induction',
    seed: 1,
    heldOutSeed: 1001,
    heldOutSize: 2000,
    data: inductionDefaults,
    hyper: {
      steps: 2000,
      learningRate: 2e-3,
      warmupSteps: 100,
      weightDecay: 0.01,
      beta1: 0.9,
      beta2: 0.98,
      batchSize: 64,
      embeddingStd: 1,
      schedule: 'constant',
      slowGradientGain: 0,
      slowGradientMomentum: 0.98,
    },
  },
};
