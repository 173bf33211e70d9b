import type { RequestSpec } from './RequestSpec.js';
import type { SkipReport } from './SkipReport.js';

/**
 * A trace as the engine consumes it: requests in arrival order, ids 0, 1, 2, ... after every
 * transformation, delivered in chunks of about `TRACE_CHUNK_SIZE` so a 10-million-row file is never
 * held in memory at once. `chunks()` may be called again: each call reads the trace from the start.
 */
export interface TraceSource {
  /** What the user named: a registry name, a synthetic spec or a path. */
  name: string;
  chunks(): AsyncIterable<RequestSpec[]>;
  /**
   * Rows left out by `skipInvalid` during the latest `chunks()` pass (complete once that pass ends);
   * undefined for sources that cannot hold invalid rows (synthetic ones).
   */
  readonly skipped?: SkipReport;
  /** Requests whose prompt + output were shortened by `maxContextTokens` in the latest pass. */
  readonly clippedCount?: number;
}

/** Requests per chunk: large enough to amortize the async hop, small enough to stay in cache. */
export const TRACE_CHUNK_SIZE = 4096;
