import type { RunResult } from './RunResult.js';

/**
 * The JSON `kvsim replay --json` writes: one run as its RunResult object, several as
 * `{ "runs": [...] }` (what the report reads). Deterministic: key order is construction order, NaN
 * ("never happened", e.g. the finish time of a dropped request) becomes null.
 */
export function runsToJson(runs: readonly RunResult[]): string {
  return `${JSON.stringify(runs.length === 1 ? runs[0] : { runs })}\n`;
}
