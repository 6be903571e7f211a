// @ts-check
// `npm run mutate` (docs/architecture.md, "Mutation testing"): StrykerJS on the core modules, tested by the
// in-process tests of vitest.stryker.config.ts, one mutant at a time (the machine is shared).
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.stryker.config.ts', related: true },
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  mutate: [
    'src/model/expand.ts',
    'src/model/count.ts',
    'src/model/total.ts',
    'src/model/blocks/*.ts',
    'src/formula/*.ts',
    'src/simplify/*.ts',
    'src/model/forward.ts',
    'src/numeric/forward.ts',
    'src/numeric/evaluate.ts',
    'src/numeric/contributions.ts',
    'src/numeric/pair-batches.ts',
    'src/numeric/safetensors.ts',
    'src/language/check.ts',
    'src/paths/*.ts',
  ],
  // Code a test file runs at import or in beforeAll is "static" coverage: such mutants run every related test
  // (ignoreStatic would skip them, and the tables of rules, notation and blocks are all static).
  coverageAnalysis: 'perTest',
  ignoreStatic: false,
  // A rerun tests only the mutants of changed code and changed tests; the file stays out of git (reports/).
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  concurrency: 1,
  timeoutMS: 20_000,
  // The first run of every related test, with coverage, beside other work on 2 cores.
  dryRunTimeoutMinutes: 30,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 90, low: 80, break: null },
  // Other runs' sandboxes (`--tempDirName`) are not part of the project.
  ignorePatterns: ['reports', 'pathsum-tour.tex', '.vitest-report.json', '.stryker-tmp*'],
  cleanTempDir: 'always',
};
