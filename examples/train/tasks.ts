// The trainer's view of the tasks. The generators live in src/analysis (task-modadd.ts,
// task-induction.ts), so `pathsum features --task` and `pathsum eval --task` draw exactly the data the
// models were trained on; what each shipped model was trained with is in ./recipes.ts.
export type { Example, Target } from '../../src/analysis/inputs.js';
