import type { Percentiles, RunResult, RunSummary } from './RunResult.js';

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
  const keys = runs.length > 0 ? (Object.keys(runs[0].summary) as (keyof RunSummary)[]) : [];
  for (const k of keys) {
    const v = runs[0].summary[k];
    if (isPercentiles(v)) for (const p of Object.keys(v)) header.push(`${k}_${p}`);
    else header.push(k);
  }
  runs.forEach((r, i) => {
    for (const k of keys) {
      const v = r.summary[k];
      if (isPercentiles(v)) for (const p of Object.keys(v) as (keyof Percentiles)[]) rows[i].push(v[p]);
      else rows[i].push(v);
    }
  });
  return [header, ...rows].map((row) => row.map(cell).join(',')).join('\n') + '\n';
}

/** Columnar arrays (plus scalars such as `stride`, repeated on every row) as CSV rows. */
function columnsCsv(columns: Record<string, unknown>): string {
  const names = Object.keys(columns).filter((k) => Array.isArray(columns[k]));
  const scalars = Object.keys(columns).filter((k) => !Array.isArray(columns[k]));
  const n = names.length > 0 ? (columns[names[0]] as unknown[]).length : 0;
  const lines = [[...names, ...scalars].join(',')];
  for (let i = 0; i < n; i++) {
    const row: unknown[] = names.map((k) => (columns[k] as unknown[])[i]);
    for (const k of scalars) row.push(columns[k]);
    lines.push(row.map(cell).join(','));
  }
  return lines.join('\n') + '\n';
}

function isPercentiles(v: unknown): v is Percentiles {
  return typeof v === 'object' && v !== null && 'p50' in v;
}

/** Numbers as JSON would print them (NaN as empty); strings quoted when they need it. */
function cell(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'number') return Number.isNaN(v) ? '' : String(v);
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '');
}
