// The seeded stream lives with the task generators in src/analysis, so the data a model is scored on
// and the data it was trained on come from one implementation.
export { Random } from '../../src/analysis/random.js';
