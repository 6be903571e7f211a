// The progress bar: silent for quick work, piped stderr or --quiet; past a second, a bar with
// count, rate and ETA that ends with a newline.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { memoryIo, type Io } from '../../src/cli/io.js';
import { progress } from '../../src/cli/progress.js';

const terminal = () => {
  const io = memoryIo();
  return Object.assign({}, io, { interactive: true }) as Io & { err: () => string };
};

describe('progress', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('draws count, rate and ETA once a second has passed, and ends the line', () => {
    vi.useFakeTimers();
    const io = terminal();
    const bar = progress(io, 'work', 10);
    bar.tick();
    expect(io.err()).toBe('');
    vi.advanceTimersByTime(2000);
    bar.tick(4);
    expect(io.err()).toBe('\rwork [############............] 5/10 2.5/s ETA 2s ');
    bar.done();
    expect(io.err().endsWith('\n')).toBe(true);
  });

  it('stays silent when stderr is not a terminal, or with --quiet', () => {
    vi.useFakeTimers();
    for (const [io, quiet] of [
      [memoryIo(), false],
      [terminal(), true],
    ] as const) {
      const bar = progress(io, 'work', 3, quiet);
      vi.advanceTimersByTime(5000);
      bar.tick(3);
      bar.done();
      expect(io.err()).toBe('');
    }
  });
});
