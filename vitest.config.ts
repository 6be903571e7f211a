import { defineConfig } from 'vitest/config';

// Every test file runs in seconds (issue 9): a test that needs more than 30 s is a sweep for bench/.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
