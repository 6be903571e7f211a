// pathsum as a library: the stages the CLI runs, for notebooks and other tools
// (docs/architecture.md lists them in order; docs/design.md holds the mathematics and contracts).

// The spec language: text → AST → Architecture.
export type { Architecture } from './language/architecture.js';
export { parse, print, SpecError } from './language/index.js';
export { compile, loadSpec } from './model/spec.js';
export { defaultKey, type Site, site } from './language/site.js';
export { UserError } from './errors.js';

// Paths and their terms.
export { pathFromJSON, pathToJSON, type Path } from './paths/path.js';
export { pathFamily } from './paths/family.js';
export type { Term } from './paths/term.js';

// The model: its blocks and the walks over them.
export type { Block, ExpandOptions, ForwardContext, Readout, WeightSpec } from './model/block.js';
export { assemble, type Blocks, blocksOf } from './model/blocks.js';
export { expand } from './model/expand.js';
export { countTerms, formatTotal } from './model/count.js';
export { lower, readout } from './model/lower.js';
export { formatTerm, formula, rawFormula, termToJSON } from './model/term-formula.js';
export { requiredWeights, parameterCount } from './model/weights.js';
// a head's attention scores as (query path, key path) terms
export {
  expandScores,
  formatScoreTerm,
  rawScoreFormula,
  type ScoreTarget,
  type ScoreTerm,
  scoreFamily,
  scoreFormula,
  scoreTermToJSON,
} from './model/scores.js';

// Formulas: the expression IR, its printers and parser, the rewrite rules.
export type { Expr } from './formula/nodes.js';
export { printExpr, type Style } from './formula/print.js';
export { FormulaError, parseFormula } from './formula/parse-formula.js';
export { Rewriter, simplifyWithTrace } from './simplify/rewrite.js';
export { rules } from './simplify/rules.js';
// the laws on sums: an ordered expansion (or any list of terms) collected and symmetrized exactly
export { simplifySum, sumRules } from './simplify/sum.js';

// Numbers: weights, the forward pass, every term's contribution.
export { useBackend, type BackendChoice } from './numeric/backend.js';
export { readSafetensors, WeightsError } from './numeric/safetensors.js';
export { loadWeights, randomWeights, type Weights } from './numeric/weights.js';
export { loadCheckpointWeights, loadModel, type Model } from './numeric/model.js';
// Hugging Face folders (config.json + a checkpoint, one file or shards) as specs
export { readCheckpoint } from './numeric/checkpoint.js';
export { readHuggingfaceFolder } from './numeric/huggingface-folder.js';
export { loadSpecSource, readSpecSource } from './numeric/spec-source.js';
export { forward, forwardOne } from './numeric/forward.js';
export { byFamily, byHead, byMagnitude, evaluateSequence } from './numeric/attribution.js';
export { virtualTable, VirtualWeights } from './numeric/virtual.js';
export { evaluateScores, type ScoreValues } from './numeric/scores.js';

// Verification and analysis.
export { verifyModel } from './verify/verify.js';
export { analyzeFeatures } from './analysis/features.js';
export { type Circuits, circuits } from './analysis/circuits.js';
export { evaluateBatch } from './analysis/batch-attribution.js';
export { tasks } from './analysis/tasks.js';
export { type Trace, type TraceNode, type TraceOptions, trace } from './analysis/trace.js';
export { type Partial, partialToJSON } from './analysis/partial-path.js';
export { formatPartial } from './analysis/trace-format.js';

// Documents.
export { type LatexEvaluation, type LatexListing, latexDocument } from './render/latex-document.js';
