/** Reports sweep progress on stderr: a redrawn line with rate and ETA on a terminal, a plain line per tenth otherwise. */
export class SweepProgress {
  private readonly startMs = Date.now();
  private lastTenth = 0;
  constructor(
    private readonly total: number,
    private readonly tty: boolean,
    private readonly write: (s: string) => void = (s) => process.stderr.write(s),
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** After each finished run: `done` of `total` (this process's share, resumed runs excluded). */
  update(done: number, failed: number): void {
    const line = progressText(done, this.total, failed, this.nowMs() - this.startMs);
    if (this.tty) {
      const width = Math.max(20, (process.stderr.columns || 100) - 1);
      this.write(`\r${line.slice(0, width).padEnd(width)}`);
      if (done === this.total) this.write('\n');
      return;
    }
    const tenth = this.total === 0 ? 10 : Math.floor((done * 10) / this.total);
    if (tenth > this.lastTenth || done === this.total) {
      this.lastTenth = tenth;
      this.write(`${line}\n`);
    }
  }
}

/** `412/1000 runs, 3.1 runs/s, ETA 3m10s` (rate and ETA from wall time so far). */
export function progressText(done: number, total: number, failed: number, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  const eta = rate > 0 ? formatDuration(((total - done) / rate) * 1000) : '?';
  const fails = failed > 0 ? `, ${failed} failed` : '';
  return `kvsim sweep: ${done}/${total} runs${fails}, ${rate.toFixed(rate < 10 ? 2 : 1)} runs/s, ${done === total ? `took ${formatDuration(elapsedMs)}` : `ETA ${eta}`}`;
}

/** `45s`, `3m10s`, `2h05m`. */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
