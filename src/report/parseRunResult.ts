import type { IterationColumns, RequestColumns, RunResult } from '../sim/metrics/RunResult.js';
import { ReportInputError } from './ReportInputError.js';

const REQUEST_COLUMNS: (keyof RequestColumns)[] = ['arrivalS', 'promptTokens', 'outputTokens', 'admittedS', 'firstTokenS', 'finishS', 'preemptions'];
// The columns the charts read; others may be absent in older or GPU-side files and are not needed.
const ITERATION_COLUMNS: (keyof IterationColumns)[] = ['startS', 'durationS', 'batchSize', 'queueLength', 'liveBytes', 'allocatedBytes', 'reservedBytes', 'fragmentationBytes'];
/** 1 PiB: more memory than any GPU node has; a larger byte count is a corrupt file. */
const MAX_BYTES = 2 ** 50;
const SUMMARY_NUMBERS = [
  'requests', 'completed', 'makespanS', 'outputTokensPerS', 'requestsPerS', 'maxBatch', 'meanBatch', 'maxConcurrentRequests',
  'peakLiveBytes', 'peakAllocatedBytes', 'peakReservedBytes', 'capacityBytes', 'meanFragmentationRatio', 'peakFragmentationBytes', 'preemptions', 'refused',
] as const;

/**
 * Checks that `json` (parsed from `source`) is a `kvsim.run/1` replay result the report can draw, and
 * returns it typed. Errors name the file and the field, so a wrong file is a one-line fix.
 */
export function parseRunResult(json: unknown, source: string): RunResult {
  const fail = (msg: string): never => {
    throw new ReportInputError(source, msg);
  };
  if (!isObject(json)) return fail(`expected a kvsim replay JSON object but found ${typeName(json)}`);
  if (json.schema !== 'kvsim.run/1') return fail(`expected "schema": "kvsim.run/1" (a file written by \`kvsim replay --json\`) but found ${JSON.stringify(json.schema) ?? 'no schema'}`);
  const { config, summary, requests, iterations } = json;
  if (!isObject(config)) return fail('expected an object at "config"');
  for (const key of ['trace', 'model', 'gpu', 'policy'] as const) {
    if (typeof config[key] !== 'string') fail(`expected a string at "config.${key}" but found ${typeName(config[key])}`);
  }
  if (!isObject(summary)) return fail('expected an object at "summary"');
  for (const key of SUMMARY_NUMBERS) {
    if (typeof summary[key] !== 'number') fail(`expected a number at "summary.${key}" but found ${typeName(summary[key])}`);
  }
  // Byte counts feed the page-size sweep, which walks the budget: a corrupt 2^53 would never finish.
  for (const key of ['capacityBytes', 'peakLiveBytes', 'peakAllocatedBytes', 'peakReservedBytes'] as const) {
    const v = summary[key] as number;
    if (!(Number.isFinite(v) && v >= 0 && v <= MAX_BYTES)) fail(`expected a byte count from 0 to 1 PiB at "summary.${key}" but found ${v}`);
  }
  for (const key of ['scheduler', 'executor'] as const) {
    if (config[key] !== undefined && typeof config[key] !== 'string') fail(`expected a string at "config.${key}" but found ${typeName(config[key])}`);
  }
  for (const key of ['ttftS', 'tbtS', 'e2eS'] as const) {
    const pct = summary[key];
    if (!isObject(pct)) fail(`expected an object of percentiles at "summary.${key}" but found ${typeName(pct)}`);
    for (const q of ['p50', 'p99'] as const) {
      const v = (pct as Record<string, unknown>)[q];
      // null: no request got that far (JSON has no NaN).
      if (v !== null && typeof v !== 'number') fail(`expected a number or null at "summary.${key}.${q}" but found ${typeName(v)}`);
    }
  }
  checkColumns(requests, 'requests', REQUEST_COLUMNS, fail);
  checkColumns(iterations, 'iterations', ITERATION_COLUMNS, fail);
  const stride = (iterations as Record<string, unknown>).stride;
  if (stride !== undefined && (typeof stride !== 'number' || !Number.isInteger(stride) || stride < 1)) fail(`expected an integer >= 1 at "iterations.stride" but found ${JSON.stringify(stride)}`);
  // Columns added after schema kvsim.run/1 shipped: older files lack them, read as zeros.
  const it = iterations as Record<string, unknown>;
  const n = Array.isArray(it.startS) ? it.startS.length : 0;
  for (const c of ['cachedBytes', 'prefixHitTokens', 'commS']) if (it[c] === undefined) it[c] = new Array<number>(n).fill(0);
  return json as unknown as RunResult;
}

function checkColumns(value: unknown, where: string, names: readonly string[], fail: (msg: string) => never): void {
  if (!isObject(value)) fail(`expected an object of columns at "${where}" but found ${typeName(value)}`);
  const cols = value as Record<string, unknown>;
  let length: number | undefined;
  for (const name of names) {
    const col = cols[name];
    if (!Array.isArray(col)) fail(`expected an array at "${where}.${name}" but found ${typeName(col)}`);
    const arr = col as unknown[];
    // null stands for "did not happen" (JSON has no NaN); anything else must be a number.
    const bad = arr.findIndex((v) => v !== null && typeof v !== 'number');
    if (bad >= 0) fail(`expected numbers in "${where}.${name}" but element ${bad} is ${typeName(arr[bad])}`);
    if (length === undefined) length = arr.length;
    else if (arr.length !== length) fail(`expected "${where}.${name}" to have ${length} entries like "${where}.${names[0]}" but it has ${arr.length}`);
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (v === undefined) return 'nothing';
  return `a ${typeof v}`;
}
