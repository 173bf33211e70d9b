import type { CalibrationProfile, Table1D, Table2D } from './CalibrationProfile.js';

/** One kernel-time table of a profile, by its field path. */
export interface ProfileTable {
  /** Field path, e.g. `layerGemm.attention`, `decodeAttention.paged.16`. */
  name: string;
  /** The row it is reported in when tables are pooled (paged tables of every block size in one). */
  row: string;
  table: Table1D | Table2D;
}

/**
 * Every kernel-time table of a profile in a fixed order (GEMMs, LM head, attention, recurrent,
 * all-reduce): what `kvsim calibrate scale` rescales and `--compare` reports. The host-side fields
 * (enactment, iterationOverheadS, vmm) are not kernel tables and are not listed.
 */
export function profileTables(p: CalibrationProfile): ProfileTable[] {
  const out: ProfileTable[] = [];
  for (const [k, t] of Object.entries(p.layerGemm ?? {})) if (t) out.push({ name: `layerGemm.${k}`, row: `layerGemm.${k}`, table: t });
  if (p.lmHead) out.push({ name: 'lmHead', row: 'lmHead', table: p.lmHead });
  for (const part of ['decodeAttention', 'prefillAttention'] as const) {
    const a = p[part];
    if (!a) continue;
    if (a.contiguous) out.push({ name: `${part}.contiguous`, row: `${part}.contiguous`, table: a.contiguous });
    for (const layout of ['paged', 'pagedAscending'] as const) {
      const byBlock = a[layout] ?? {};
      for (const block of Object.keys(byBlock).sort((x, y) => Number(x) - Number(y))) out.push({ name: `${part}.${layout}.${block}`, row: `${part}.${layout}`, table: byBlock[block] });
    }
  }
  if (p.recurrentStep) out.push({ name: 'recurrentStep', row: 'recurrentStep', table: p.recurrentStep });
  if (p.recurrentPrefill) out.push({ name: 'recurrentPrefill', row: 'recurrentPrefill', table: p.recurrentPrefill });
  if (p.slstmStep) out.push({ name: 'slstmStep', row: 'slstmStep', table: p.slstmStep });
  if (p.slstmPrefill) out.push({ name: 'slstmPrefill', row: 'slstmPrefill', table: p.slstmPrefill });
  if (p.allReduce) out.push({ name: 'allReduce', row: 'allReduce', table: p.allReduce });
  return out;
}

/** Whether a table is two-dimensional. */
export function is2D(t: Table1D | Table2D): t is Table2D {
  return 'a' in t;
}
