import { csvFormatRows } from 'd3';
import type { RunResult } from './RunResult.js';

/** One CSV file's name and text. */
export interface CsvFile {
  name: string;
  text: string;
}

/**
 * CSV views of runs: `summary.csv` (one row per run, percentiles flattened as ttftS_p50, ...), and per
 * run `<n>-<policy>.requests.csv` and `<n>-<policy>.iterations.csv` (the columnar arrays as rows).
 */
export function runsToCsv(runs: readonly RunResult[]): CsvFile[] {
  const files: CsvFile[] = [{ name: 'summary.csv', text: summaryCsv(runs) }];
  runs.forEach((run, i) => {
    const base = `${i + 1}-${slug(run.config.model)}-${slug(run.config.policy)}`;
    files.push({ name: `${base}.requests.csv`, text: columnsCsv(run.requests as unknown as Record<string, unknown>) });
    files.push({ name: `${base}.iterations.csv`, text: columnsCsv(run.iterations as unknown as Record<string, unknown>) });
  });
  return files;
}

function summaryCsv(runs: readonly RunResult[]): string {
  const header = ['trace', 'model', 'gpu', 'tp', 'policy', 'scheduler', 'backend', 'executor', 'seed'];
  const rows = runs.map((r) => {
    const c = r.config;
    return [c.trace, c.model, c.gpu, c.tp, c.policy, c.scheduler, c.backend, c.executor, c.seed] as unknown[];
  });
  // Columns from every run (a field only some runs have, e.g. dropped, still gets its column); nested
  // objects (percentiles, dropReasons) flattened as <field>_<key>, never written as "[object Object]".
  const columns: [key: string, sub: string | undefined][] = [];
  const seen = new Set<string>();
  for (const r of runs) {
    for (const [k, v] of Object.entries(r.summary)) {
      const subs = v !== null && typeof v === 'object' ? Object.keys(v) : [undefined];
      for (const sub of subs) {
        const name = sub === undefined ? k : `${k}_${sub}`;
        if (seen.has(name)) continue;
        seen.add(name);
        columns.push([k, sub]);
        header.push(name);
      }
    }
  }
  runs.forEach((r, i) => {
    for (const [k, sub] of columns) {
      const v = (r.summary as unknown as Record<string, unknown>)[k];
      rows[i].push(sub === undefined ? v : v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[sub] : undefined);
    }
  });
  return csvText([header, ...rows]);
}

/** Columnar arrays (plus scalars such as `stride`, repeated on every row) as CSV rows. */
function columnsCsv(columns: Record<string, unknown>): string {
  const names = Object.keys(columns).filter((k) => Array.isArray(columns[k]));
  const scalars = Object.keys(columns).filter((k) => !Array.isArray(columns[k]));
  const n = names.length > 0 ? (columns[names[0]] as unknown[]).length : 0;
  const rows: unknown[][] = [[...names, ...scalars]];
  for (let i = 0; i < n; i++) {
    const row: unknown[] = names.map((k) => (columns[k] as unknown[])[i]);
    for (const k of scalars) row.push(columns[k]);
    rows.push(row);
  }
  return csvText(rows);
}

/**
 * RFC 4180 CSV through d3-dsv's formatter (fields with commas, quotes or line breaks quoted). Numbers as
 * JSON prints them; NaN ("never happened") and missing values as empty fields.
 */
function csvText(rows: unknown[][]): string {
  const clean = rows.map((row) => row.map((v) => (v === undefined || v === null || (typeof v === 'number' && Number.isNaN(v)) ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v))));
  return `${csvFormatRows(clean)}\n`;
}

function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '');
}
