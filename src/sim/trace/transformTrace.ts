import { UserError } from '../../errors.js';
import type { RequestSpec } from './RequestSpec.js';
import { createRng } from './rng.js';
import type { SkipReport } from './SkipReport.js';
import type { ResolvedTraceOptions } from './TraceOptions.js';
import { TRACE_CHUNK_SIZE, type TraceSource } from './TraceSource.js';

/** What a concrete trace (file or generator) hands to the transformation stage. */
export interface RawTrace {
  name: string;
  /** Rows in arrival order with arrivals since the first row, ids unset. Re-readable. */
  rows(): AsyncIterable<RequestSpec[]>;
  /** Filled by `rows()` when the reader skips invalid rows; reset by the pipeline at each pass. */
  skipped?: SkipReport;
  /** For length-only traces: returns a fresh function stamping arrivals on rows in order. */
  arrivals?: () => Promise<(row: RequestSpec, index: number) => void>;
}

/**
 * Applies TraceOptions' transformations (window, first N, sample N, shift to 0, time scale or
 * target rate, context clipping, renumbering) to a raw trace, streaming: only `sampleN` holds its
 * sample in memory, and `targetRatePerS` reads the trace twice (once to measure it).
 * Prefix block ids pass through every step unchanged (selecting or retiming requests keeps their
 * content), except clipping a prompt: see keptBlockIds.
 */
export function transformTrace(raw: RawTrace, options: ResolvedTraceOptions, seed: number): TraceSource {
  const source = {
    name: raw.name,
    skipped: raw.skipped,
    clippedCount: 0,
    chunks,
  };

  async function* selected(): AsyncGenerator<RequestSpec[]> {
    if (raw.skipped) {
      raw.skipped.count = 0;
      raw.skipped.reasons.length = 0;
    }
    const stamp = raw.arrivals ? await raw.arrivals() : undefined;
    const { windowStartS, windowEndS, first, sampleN } = options;
    let index = 0;
    let kept = 0;
    let baseS = NaN;
    const rng = sampleN === undefined ? undefined : createRng(seed, 'sample');
    const reservoir: { index: number; row: RequestSpec }[] = [];
    let out: RequestSpec[] = [];
    let done = false;
    for await (const rows of raw.rows()) {
      // Indexed loops: a one-shot CLI run spends most rows in V8's interpreter, where for-of pays
      // for the iterator protocol on every element.
      for (let r = 0; r < rows.length; r++) {
        const row = rows[r];
        if (stamp) stamp(row, index);
        index++;
        if (row.arrivalS < windowStartS) continue;
        // Arrivals are sorted, so nothing later can qualify: stop reading (closes the file).
        if (row.arrivalS >= windowEndS || (first !== undefined && kept >= first)) {
          done = true;
          break;
        }
        if (rng !== undefined && sampleN !== undefined) {
          // Reservoir sampling (Algorithm R): a uniform sample of sampleN without knowing the count.
          if (kept < sampleN) reservoir.push({ index: kept, row });
          else {
            const j = Math.floor(rng() * (kept + 1));
            if (j < sampleN) reservoir[j] = { index: kept, row };
          }
          kept++;
          continue;
        }
        kept++;
        if (Number.isNaN(baseS)) baseS = row.arrivalS;
        row.arrivalS -= baseS;
        out.push(row);
      }
      if (out.length > 0) {
        yield out;
        out = [];
      }
      if (done) break;
    }
    if (rng !== undefined) {
      reservoir.sort((a, b) => a.index - b.index);
      const rows = reservoir.map((e) => e.row);
      const base = rows.length > 0 ? rows[0].arrivalS : 0;
      for (const row of rows) row.arrivalS -= base;
      for (let i = 0; i < rows.length; i += TRACE_CHUNK_SIZE) yield rows.slice(i, i + TRACE_CHUNK_SIZE);
    }
    if (kept === 0) throw new UserError('TRACE_EMPTY', `${raw.name}: no requests left after the time window [${windowStartS}, ${windowEndS}) s`);
  }

  async function rateScale(): Promise<number> {
    const target = options.targetRatePerS;
    if (target === undefined) return options.timeScale;
    let count = 0;
    let lastS = 0;
    for await (const rows of selected()) {
      count += rows.length;
      lastS = rows[rows.length - 1].arrivalS;
    }
    if (count < 2 || !(lastS > 0)) {
      throw new UserError('TRACE_RATE', `${raw.name}: a target rate needs at least two requests arriving at different times (found ${count} spanning ${lastS} s)`);
    }
    return (count - 1) / lastS / target;
  }

  async function* chunks(): AsyncGenerator<RequestSpec[]> {
    const scale = await rateScale();
    const max = options.maxContextTokens;
    let id = 0;
    let clipped = 0;
    source.clippedCount = 0;
    let out: RequestSpec[] = [];
    for await (const rows of selected()) {
      for (let r = 0; r < rows.length; r++) {
        const row = rows[r];
        if (scale !== 1) row.arrivalS *= scale;
        if (max !== undefined && row.promptTokens + row.outputTokens > max) {
          clipped++;
          if (row.promptTokens >= max) {
            row.promptTokens = max - 1;
            row.outputTokens = 1;
            if (row.prefixBlockIds !== undefined) row.prefixBlockIds = keptBlockIds(row.prefixBlockIds, row.promptTokens, row.prefixBlockTokens ?? 1);
          } else {
            row.outputTokens = max - row.promptTokens;
          }
        }
        row.id = id++;
        out.push(row);
        if (out.length >= TRACE_CHUNK_SIZE) {
          yield out;
          out = [];
        }
      }
      source.clippedCount = clipped;
    }
    if (out.length > 0) yield out;
  }

  return source;
}

/**
 * The block ids of a prompt clipped to `promptTokens`: only the blocks it still holds whole. A block
 * cut short is no longer the content its id names (two requests with that id would claim to share
 * tokens one of them lacks), so its id goes, and so do all after it. Chained ids keep their meaning:
 * a prefix of a chain is a chain.
 */
export function keptBlockIds(ids: readonly number[], promptTokens: number, blockTokens: number): readonly number[] {
  const whole = Math.floor(promptTokens / blockTokens);
  return ids.length <= whole ? ids : ids.slice(0, whole);
}
