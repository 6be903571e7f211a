import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

// The tests `npm run mutate` runs against each mutant (stryker.config.mjs): the in-process tests of the core
// modules. Left out: tests of other layers (analysis, docs, package, architecture), the fuzz suite, and the
// tests that only start the built CLI (dist/), which holds no mutant. (mergeConfig would append to `include`.)
// Stryker's instrumented code runs several times slower, beside other processes, hence its own timeouts; the
// suite itself keeps vitest.config.ts's.
export default defineConfig({
  test: {
    ...base.test,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    include: [
      'test/mutation/**/*.test.ts',
      'test/formula/**/*.test.ts',
      'test/simplify/**/*.test.ts',
      'test/model/**/*.test.ts',
      'test/numeric/**/*.test.ts',
      'test/language/**/*.test.ts',
      'test/verify/**/*.test.ts',
      'test/golden.test.ts',
      'test/cli/{check,expand,eval,eval-batch,check-limits}.test.ts',
    ],
  },
});
