import { UserError } from '../../../errors.js';
import { quantileSorted } from '../../stats/quantile.js';
import type { CalibrationProfile, Table1D, Table2D } from './CalibrationProfile.js';
import { shapeDifference } from './ModelShape.js';
import { is2D, profileTables } from './profileTables.js';

/** The error of one row of tables: |predicted - measured| / measured over the cells both grids have. */
export interface ProfileErrorRow {
  /** e.g. `decodeAttention.paged (block 8..256)`, `enactment.paged (kept from the source card)`. */
  row: string;
  cells: number;
  /** Nearest-rank median, p95 and max of the relative error; NaN when no cell is shared. */
  median: number;
  p95: number;
  max: number;
  /** Why a row has no cells (the measured profile lacks the table, or the grids share no point). */
  note?: string;
}

/**
 * How far a predicted profile (`kvsim calibrate scale`) is from a profile measured on the card it
 * predicts: per table row (paged tables of every block size pooled, as in
 * profiles/h100-sxm-80gb/repeat-2026-12-06/README.md), the relative error of every cell at a grid
 * point both tables have; then each policy's enactment fit, which the prediction keeps from the source
 * card. Fails in one line when the two are for different cards or shapes, or `measured` is itself
 * predicted.
 */
export function compareProfiles(predicted: CalibrationProfile, measured: CalibrationProfile, measuredPath: string): ProfileErrorRow[] {
  const fail = (what: string): never => {
    throw new UserError('PROFILE_COMPARE', `calibrate scale --compare: ${measuredPath}: ${what}`);
  };
  if (measured.derivedFrom) fail(`is itself predicted (from ${measured.derivedFrom.profile}), not a measurement`);
  if (measured.gpu !== predicted.gpu) fail(`measured on ${measured.gpu}, but the prediction is for ${predicted.gpu}`);
  if (predicted.shape && measured.shape) {
    const diff = shapeDifference(predicted.shape, measured.shape);
    if (diff) fail(`measured for another shape: ${diff}`);
  }
  const have = new Map(profileTables(measured).map((t) => [t.name, t.table]));
  const rows = new Map<string, { blocks: string[]; errors: number[]; missing: string[] }>();
  for (const { name, row, table } of profileTables(predicted)) {
    const r = rows.get(row) ?? { blocks: [], errors: [], missing: [] };
    rows.set(row, r);
    if (name !== row) r.blocks.push(name.slice(row.length + 1));
    const m = have.get(name);
    if (!m) r.missing.push(name);
    else r.errors.push(...cellErrors(table, m));
  }
  const out: ProfileErrorRow[] = [];
  for (const [row, r] of rows) {
    const label = r.blocks.length > 1 ? `${row} (block ${r.blocks[0]}..${r.blocks[r.blocks.length - 1]})` : r.blocks.length === 1 ? `${row}.${r.blocks[0]}` : row;
    const note = r.errors.length > 0 ? (r.missing.length > 0 ? `not in the measured profile: ${r.missing.join(', ')}` : undefined) : r.missing.length > 0 ? 'not in the measured profile' : 'no grid point in common';
    out.push(summarize(label, r.errors, note));
  }
  for (const [policy, fit] of Object.entries(predicted.enactment ?? {})) {
    const m = measured.enactment?.[policy];
    const label = `enactment.${policy} (kept from the source card)`;
    if (!m) {
      out.push(summarize(label, [], 'not in the measured profile'));
      continue;
    }
    const errors: number[] = [];
    for (const f of ['iterationS', 'perPrefillTokenS', 'perPrefillRequestS', 'allocIterationS', 'perAllocOpS', 'harnessIterationS', 'harnessPerOpS'] as const) {
      const p = fit[f];
      const v = m[f];
      // A fit term that is zero on the measured card has no relative error to speak of.
      if (p !== undefined && v !== undefined && v > 0) errors.push(Math.abs(p - v) / v);
    }
    out.push(summarize(label, errors, errors.length === 0 ? 'no non-zero fit term' : undefined));
  }
  return out;
}

/** Relative errors at the grid points both tables share (axes matched by value). */
function cellErrors(p: Table1D | Table2D, m: Table1D | Table2D): number[] {
  const rel = (x: number, y: number) => (y > 0 ? Math.abs(x - y) / y : x === y ? 0 : Number.POSITIVE_INFINITY);
  const errors: number[] = [];
  if (is2D(p) && is2D(m)) {
    p.a.forEach((a, i) => {
      const mi = m.a.indexOf(a);
      if (mi < 0) return;
      p.b.forEach((b, j) => {
        const mj = m.b.indexOf(b);
        if (mj >= 0) errors.push(rel(p.timeS[i][j], m.timeS[mi][mj]));
      });
    });
  } else if (!is2D(p) && !is2D(m)) {
    p.x.forEach((x, i) => {
      const mi = m.x.indexOf(x);
      if (mi >= 0) errors.push(rel(p.timeS[i], m.timeS[mi]));
    });
  }
  return errors;
}

function summarize(row: string, errors: number[], note?: string): ProfileErrorRow {
  const sorted = Float64Array.from(errors).sort();
  return { row, cells: errors.length, median: quantileSorted(sorted, 0.5), p95: quantileSorted(sorted, 0.95), max: sorted.length > 0 ? sorted[sorted.length - 1] : Number.NaN, ...(note ? { note } : {}) };
}

/** The rows as a Markdown table (percentages), like the repeatability READMEs. */
export function formatProfileErrors(rows: ProfileErrorRow[]): string {
  const pct = (x: number) => (Number.isNaN(x) ? '-' : `${(x * 100).toFixed(x < 0.1 ? 2 : 1)}%`);
  const lines = ['| table | cells | median | p95 | max |', '| --- | --- | --- | --- | --- |'];
  for (const r of rows) lines.push(`| ${r.row} | ${r.cells} | ${pct(r.median)} | ${pct(r.p95)} | ${pct(r.max)} |${r.note ? ` ${r.note}` : ''}`);
  return `${lines.join('\n')}\n`;
}
