import { closeSync, existsSync, fsyncSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs';
import type { SweepRow } from './SweepRow.js';

/**
 * The rows finished so far, one JSON line each, in the order they finished. Only whole lines count: a
 * process killed mid-write leaves a partial last line, which is cut off before the next append.
 */
export function readJournal(path: string): SweepRow[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, 'utf8');
  const end = text.lastIndexOf('\n') + 1;
  if (end < text.length) truncateSync(path, Buffer.byteLength(text.slice(0, end)));
  const rows: SweepRow[] = [];
  for (const line of text.slice(0, end).split('\n')) {
    if (line === '') continue;
    try {
      rows.push(JSON.parse(line) as SweepRow);
    } catch {
      // A line torn by a crash of the file system rather than of kvsim: that run is simply redone.
    }
  }
  return rows;
}

/** Appends rows durably: one write and one fsync per row, so a finished run survives a kill or power cut. */
export class Journal {
  private readonly fd: number;
  constructor(path: string) {
    this.fd = openSync(path, 'a');
  }
  append(row: SweepRow): void {
    writeSync(this.fd, `${JSON.stringify(row)}\n`);
    fsyncSync(this.fd);
  }
  close(): void {
    closeSync(this.fd);
  }
}
