import { readFileSync } from 'node:fs';
import { ProfileError } from '../calibrated/ProfileError.js';
import type { AttentionKernelProfile, KernelProvenance, KernelShape, MeasuredTable, PublishedRatio } from './AttentionKernelProfile.js';

/**
 * One timing of the bring-your-own format (`kvsim.attention-timings/1`, JSON rows or CSV columns in
 * snake_case). Times are seconds for ONE layer. Decode rows have queryTokens 1 (one new token per
 * request); prefill rows time ONE request (batch 1): queryTokens new tokens over contextTokens cached.
 */
export interface AttentionTiming {
  kind: 'decode' | 'prefill';
  layout: 'contiguous' | 'paged';
  batch: number;
  queryTokens: number;
  contextTokens: number;
  /** Tokens per block for paged rows; 0 for contiguous. */
  blockSize: number;
  numQHeads: number;
  numKvHeads: number;
  headDim: number;
  dtype: string;
  timeS: number;
}

export const TIMING_CSV_COLUMNS = ['kind', 'layout', 'batch', 'query_tokens', 'context_tokens', 'block_size', 'num_q_heads', 'num_kv_heads', 'head_dim', 'dtype', 'time_s'] as const;

/**
 * Reads an attention-kernel profile: a `kvsim.attention/1` JSON (published ratios or measured tables),
 * or measured timings in the bring-your-own format (`kvsim.attention-timings/1` JSON, or CSV with
 * `# key: value` provenance lines then the {@link TIMING_CSV_COLUMNS} header). Errors name file and field.
 */
export function readAttentionKernels(path: string): AttentionKernelProfile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ProfileError(`${path}: cannot read attention-kernel profile (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  if (path.toLowerCase().endsWith('.csv')) return parseTimingCsv(text, path);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ProfileError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  const schema = (json as { schema?: unknown } | null)?.schema;
  if (schema === 'kvsim.attention-timings/1') {
    const j = json as { kernel?: unknown; provenance?: unknown; rows?: unknown };
    if (!Array.isArray(j.rows)) throw new ProfileError(`${path}: rows: expected an array of timings`);
    const rows = j.rows.map((r, i) => checkTiming(r as Record<string, unknown>, `${path}: rows[${i}]`));
    return timingsToProfile(str(j.kernel, `${path}: kernel`), checkMeasuredProvenance(j.provenance, `${path}: provenance`), rows, path);
  }
  if (schema === 'kvsim.attention/1') return checkProfile(json as Record<string, unknown>, path);
  throw new ProfileError(`${path}: schema: expected "kvsim.attention/1" or "kvsim.attention-timings/1"`);
}

/** Parses the CSV form; `# kernel:`, `# card:`, `# driver:`, `# date:`, `# command:` lines carry provenance. */
export function parseTimingCsv(text: string, path: string): AttentionKernelProfile {
  const meta: Record<string, string> = {};
  const rows: AttentionTiming[] = [];
  let header: string[] | undefined;
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const where = `${path}:${i + 1}`;
    if (line.startsWith('#')) {
      const m = /^#\s*([a-z_]+)\s*:\s*(.*)$/i.exec(line);
      if (m) meta[m[1].toLowerCase()] = m[2].trim();
      return;
    }
    const cells = line.split(',').map((c) => c.trim());
    if (!header) {
      header = cells;
      const missing = TIMING_CSV_COLUMNS.filter((c) => !cells.includes(c));
      if (missing.length > 0) throw new ProfileError(`${where}: header: expected columns ${TIMING_CSV_COLUMNS.join(',')} (missing ${missing.join(', ')})`);
      return;
    }
    if (cells.length !== header.length) throw new ProfileError(`${where}: expected ${header.length} comma-separated values, got ${cells.length}`);
    const get = (c: string) => cells[header!.indexOf(c)];
    const num = (c: string) => (get(c) === '' ? Number.NaN : Number(get(c)));
    rows.push(
      checkTiming(
        { kind: get('kind'), layout: get('layout'), batch: num('batch'), queryTokens: num('query_tokens'), contextTokens: num('context_tokens'), blockSize: num('block_size'), numQHeads: num('num_q_heads'), numKvHeads: num('num_kv_heads'), headDim: num('head_dim'), dtype: get('dtype'), timeS: num('time_s') },
        where,
      ),
    );
  });
  if (!header) throw new ProfileError(`${path}: expected a header line ${TIMING_CSV_COLUMNS.join(',')}`);
  const provenance = checkMeasuredProvenance({ kind: 'measured', card: meta.card, driver: meta.driver, date: meta.date, command: meta.command, software: meta.software }, `${path}: # provenance lines`);
  return timingsToProfile(meta.kernel ?? '', provenance, rows, path);
}

/** Groups timings into one full grid per (kind, layout, block size); a hole in a grid is an error naming it. */
export function timingsToProfile(kernel: string, provenance: KernelProvenance, rows: AttentionTiming[], path: string): AttentionKernelProfile {
  if (kernel === '') throw new ProfileError(`${path}: kernel: expected the kernel's name (e.g. "sdpa", "flash-attn")`);
  if (rows.length === 0) throw new ProfileError(`${path}: expected at least one timing row`);
  const s0 = rows[0];
  const shape: KernelShape = { numQHeads: s0.numQHeads, numKvHeads: s0.numKvHeads, headDim: s0.headDim, dtype: s0.dtype };
  const groups = new Map<string, AttentionTiming[]>();
  for (const r of rows) {
    if (r.numQHeads !== shape.numQHeads || r.numKvHeads !== shape.numKvHeads || r.headDim !== shape.headDim || r.dtype !== shape.dtype) {
      throw new ProfileError(`${path}: every row must have one shape; found ${r.numQHeads}/${r.numKvHeads}/${r.headDim}/${r.dtype} beside ${shape.numQHeads}/${shape.numKvHeads}/${shape.headDim}/${shape.dtype} (q heads/kv heads/head dim/dtype)`);
    }
    const key = `${r.kind}|${r.layout}|${r.layout === 'paged' ? r.blockSize : 0}`;
    const g = groups.get(key);
    if (g) g.push(r);
    else groups.set(key, [r]);
  }
  const tables: MeasuredTable[] = [];
  for (const [key, g] of groups) {
    const [kind, layout, block] = key.split('|');
    const aOf = (r: AttentionTiming) => (kind === 'decode' ? r.batch : r.queryTokens);
    const a = [...new Set(g.map(aOf))].sort((x, y) => x - y);
    const b = [...new Set(g.map((r) => r.contextTokens))].sort((x, y) => x - y);
    const timeS = a.map(() => b.map(() => Number.NaN));
    for (const r of g) {
      const cell = timeS[a.indexOf(aOf(r))];
      const j = b.indexOf(r.contextTokens);
      if (!Number.isNaN(cell[j])) throw new ProfileError(`${path}: two ${kind} ${layout} timings at ${kind === 'decode' ? 'batch' : 'query tokens'} ${aOf(r)}, context ${r.contextTokens}`);
      cell[j] = r.timeS;
    }
    a.forEach((x, i) =>
      b.forEach((y, j) => {
        if (Number.isNaN(timeS[i][j])) throw new ProfileError(`${path}: ${kind} ${layout}${layout === 'paged' ? ` block ${block}` : ''}: no timing at ${kind === 'decode' ? 'batch' : 'query tokens'} ${x}, context ${y} (each table must be a full grid)`);
      }),
    );
    tables.push({ kind: kind as 'decode' | 'prefill', layout: layout as 'contiguous' | 'paged', ...(layout === 'paged' ? { blockSize: Number(block) } : {}), table: { a, b, timeS, aName: kind === 'decode' ? 'batch' : 'queryTokens', bName: 'contextTokens' } });
  }
  return { schema: 'kvsim.attention/1', name: kernel, provenance, shape, tables };
}

function checkTiming(r: Record<string, unknown>, where: string): AttentionTiming {
  const fail = (field: string, what: string): never => {
    throw new ProfileError(`${where}: ${field}: expected ${what}`);
  };
  if (r.kind !== 'decode' && r.kind !== 'prefill') fail('kind', '"decode" or "prefill"');
  if (r.layout !== 'contiguous' && r.layout !== 'paged') fail('layout', '"contiguous" or "paged"');
  for (const f of ['batch', 'queryTokens', 'numQHeads', 'numKvHeads', 'headDim']) {
    const v = r[f];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) fail(f, 'an integer >= 1');
  }
  if (typeof r.contextTokens !== 'number' || !Number.isInteger(r.contextTokens) || r.contextTokens < 0) fail('contextTokens', 'an integer >= 0');
  const block = r.layout === 'paged' ? r.blockSize : (r.blockSize ?? 0);
  if (r.layout === 'paged' && (typeof block !== 'number' || !Number.isInteger(block) || block < 1)) fail('blockSize', 'an integer >= 1 for paged rows');
  if (typeof r.dtype !== 'string' || r.dtype === '') fail('dtype', 'a dtype name such as bf16 or fp16');
  if (typeof r.timeS !== 'number' || !Number.isFinite(r.timeS) || r.timeS <= 0) fail('timeS', 'a finite time > 0 in seconds');
  if (r.kind === 'decode' && r.queryTokens !== 1) fail('queryTokens', '1 for decode rows (one new token per request)');
  if (r.kind === 'prefill' && r.batch !== 1) fail('batch', '1 for prefill rows (prefill is timed for one request)');
  return { ...(r as unknown as AttentionTiming), blockSize: typeof block === 'number' && Number.isFinite(block) ? block : 0 };
}

function str(v: unknown, where: string): string {
  if (typeof v !== 'string' || v === '') throw new ProfileError(`${where}: expected a non-empty string`);
  return v;
}

function checkMeasuredProvenance(v: unknown, where: string): KernelProvenance {
  const p = (v ?? {}) as Record<string, unknown>;
  for (const f of ['card', 'driver', 'date', 'command']) {
    if (typeof p[f] !== 'string' || p[f] === '') throw new ProfileError(`${where}: ${f}: expected a non-empty string (measured figures say where they come from)`);
  }
  return { kind: 'measured', card: p.card as string, driver: p.driver as string, date: p.date as string, command: p.command as string, ...(typeof p.software === 'string' && p.software !== '' ? { software: p.software } : {}) };
}

function checkProfile(j: Record<string, unknown>, path: string): AttentionKernelProfile {
  const fail = (field: string, what: string): never => {
    throw new ProfileError(`${path}: ${field}: expected ${what}`);
  };
  str(j.name, `${path}: name`);
  const p = j.provenance as Record<string, unknown> | undefined;
  if (p?.kind === 'published') {
    for (const f of ['paper', 'figure', 'setup', 'retrieved']) if (typeof p[f] !== 'string' || p[f] === '') fail(`provenance.${f}`, 'a non-empty string');
  } else {
    checkMeasuredProvenance(p, `${path}: provenance`);
  }
  (Array.isArray(j.ratios) ? j.ratios : []).forEach((r: PublishedRatio, i: number) => {
    if (r.kind !== 'decode' && r.kind !== 'prefill') fail(`ratios[${i}].kind`, '"decode" or "prefill"');
    if (!Number.isInteger(r.blockSize) || r.blockSize < 1) fail(`ratios[${i}].blockSize`, 'an integer >= 1');
    if (!(typeof r.pagedOverContiguous === 'number' && r.pagedOverContiguous > 0)) fail(`ratios[${i}].pagedOverContiguous`, 'a number > 0');
    if (r.holds !== null && (!Array.isArray(r.holds?.batch) || !Array.isArray(r.holds?.contextTokens))) fail(`ratios[${i}].holds`, '{batch: [lo, hi], contextTokens: [lo, hi]} or null (range not stated)');
    if (typeof r.cite !== 'string' || r.cite === '') fail(`ratios[${i}].cite`, 'the section/figure the number is taken from');
  });
  if (j.tables !== undefined && j.shape === undefined) fail('shape', 'the attention shape the tables were measured at');
  return j as unknown as AttentionKernelProfile;
}
