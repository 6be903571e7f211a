// A one-line progress bar on stderr: steps, rate, ETA and the latest metrics. Silent when stderr
// is not a terminal, so logs of background runs stay clean.

export class ProgressBar {
  private readonly started = Date.now();
  private lastDraw = 0;
  private readonly enabled = Boolean(process.stderr.isTTY);

  constructor(
    private readonly label: string,
    private readonly total: number,
  ) {}

  /** Redraws at most ten times a second, and always on the last step. */
  update(done: number, metrics = ''): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.lastDraw < 100 && done < this.total) return;
    this.lastDraw = now;
    const seconds = (now - this.started) / 1000;
    const rate = done / Math.max(seconds, 1e-9);
    const eta = rate > 0 ? (this.total - done) / rate : Infinity;
    const width = 24;
    const filled = Math.round((width * done) / this.total);
    const bar = '█'.repeat(filled) + '·'.repeat(width - filled);
    process.stderr.write(`\r${this.label} ${bar} ${done}/${this.total} ${rate.toFixed(1)} steps/s ETA ${clock(eta)} ${metrics}\x1b[K`);
    if (done >= this.total) process.stderr.write('\n');
  }
}

function clock(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
