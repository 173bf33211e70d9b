import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SWEEP_COLUMNS, type SweepRow } from './SweepRow.js';

/** The files a finished sweep (or shard, or merge) leaves in its directory. */
export const RESULTS_JSONL = 'results.jsonl';
export const RESULTS_CSV = 'results.csv';

/**
 * Writes the rows in sweep order as results.jsonl and results.csv (every column, in SWEEP_COLUMNS order):
 * same spec, same bytes, whatever the worker count or sharding. Each file is written whole and renamed
 * into place, so a reader never sees half a file.
 */
export function writeResults(dir: string, rows: readonly SweepRow[]): void {
  const jsonl = rows.map((r) => `${JSON.stringify(ordered(r))}\n`).join('');
  const csv = [SWEEP_COLUMNS.map((c) => c.name).join(','), ...rows.map((r) => SWEEP_COLUMNS.map((c) => csvCell(r[c.name] ?? null)).join(','))].join('\n') + '\n';
  atomicWrite(join(dir, RESULTS_JSONL), jsonl);
  atomicWrite(join(dir, RESULTS_CSV), csv);
}

/** A row with every column, in column order (JSON key order is insertion order). */
export function ordered(row: SweepRow): SweepRow {
  const out: SweepRow = {};
  for (const c of SWEEP_COLUMNS) out[c.name] = row[c.name] ?? null;
  return out;
}

function csvCell(v: string | number | boolean | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function atomicWrite(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}
