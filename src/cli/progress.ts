// A progress bar on stderr with rate and ETA, for anything that runs over a second. Drawn only
// when stderr is a terminal and --quiet is off, and only once a second has passed, so quick runs
// and piped output stay clean.
import type { Io } from './io.js';

export interface Progress {
  /** `count` more done; `note` (e.g. the latest loss) is shown after the ETA. */
  tick(count?: number, note?: string): void;
  done(): void;
}

const WIDTH = 24;
const DELAY_MS = 1000;
const REDRAW_MS = 100;

export function progress(io: Io, label: string, total: number, quiet = false): Progress {
  if (quiet || !io.interactive) return { tick: () => {}, done: () => {} };
  const start = Date.now();
  let count = 0;
  let drawnAt = 0;
  let latest = '';
  const draw = () => {
    const elapsed = (Date.now() - start) / 1000;
    const rate = count / Math.max(elapsed, 1e-9);
    const fraction = total > 0 ? Math.min(1, count / total) : 1;
    const filled = Math.round(fraction * WIDTH);
    const eta = rate > 0 ? (total - count) / rate : Infinity;
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}]`;
    io.stderr(`\r${label} ${bar} ${count}/${total} ${formatRate(rate)}/s ETA ${formatSeconds(eta)} ${latest}`);
  };
  return {
    tick(n = 1, note) {
      count += n;
      if (note !== undefined) latest = note;
      const now = Date.now();
      if (now - start >= DELAY_MS && now - drawnAt >= REDRAW_MS) {
        drawnAt = now;
        draw();
      }
    },
    done() {
      if (drawnAt > 0) {
        draw();
        io.stderr('\n');
      }
    },
  };
}

const formatRate = (rate: number) => (rate >= 100 ? rate.toFixed(0) : rate.toFixed(1));

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  return s >= 60 ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.ceil(s)}s`;
}
