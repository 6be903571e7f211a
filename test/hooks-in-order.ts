import { beforeAll, describe } from 'vitest';

/**
 * Runs `run(0)`, …, `run(count − 1)` each in its own beforeAll, in order, then registers `tests` after the last:
 * a long set-up split so that no hook runs long. Each step has its own describe block (a block holds one
 * beforeAll), nested one inside the other so that they keep their order under --sequence.shuffle.
 */
export function hooksInOrder(
  count: number,
  title: (step: number) => string,
  run: (step: number) => unknown,
  tests: () => void,
  step = 0,
): void {
  describe(title(step), () => {
    beforeAll(async () => {
      await run(step);
    });
    if (step + 1 < count) hooksInOrder(count, title, run, tests, step + 1);
    else tests();
  });
}
