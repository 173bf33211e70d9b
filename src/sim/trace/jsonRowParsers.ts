import { ArrivalClock } from './ArrivalClock.js';
import { quoteField, SECONDS_EXPECTED } from './parseFields.js';
import { checkPrefixBlockIds, describeJson } from './prefixBlockIds.js';
import type { RequestSpec } from './RequestSpec.js';
import { tokenCountProblem } from './tokenLimits.js';
import { TraceParseError } from './TraceParseError.js';

/**
 * Tokens per `hash_ids` entry in the Mooncake traces: 512, as the trace's README in ../shared says
 * (from the FAST'25 release); the conversation trace agrees on every row: its 12,031 rows all have
 * exactly ceil(input_length / 512) ids (test/sim/trace/mooncakeTrace.test.ts checks it).
 */
export const MOONCAKE_BLOCK_TOKENS = 512;

type RowParser = (line: string, lineNo: number) => RequestSpec;

/**
 * kvsim JSONL: `{"arrivalS":s,"promptTokens":n,"outputTokens":m}` per line, optionally with
 * `"prefixBlockIds":[...]` and `"prefixBlockTokens":b` (both or neither). Other fields (`id`) are
 * ignored: ids are renumbered after the transformations.
 */
export function jsonlRowParser(file: string): RowParser {
  const clock = new ArrivalClock();
  let baseS = NaN;
  return (line, lineNo) => {
    const record = parseObject(line, file, lineNo);
    const promptTokens = tokenField(record, 'promptTokens', file, lineNo);
    const outputTokens = tokenField(record, 'outputTokens', file, lineNo);
    const arrival = record.arrivalS;
    if (typeof arrival !== 'number' || !Number.isFinite(arrival) || arrival < 0) {
      throw new TraceParseError(file, lineNo, 'arrivalS', `${SECONDS_EXPECTED} but found ${describeJson(arrival)}`);
    }
    if (Number.isNaN(baseS)) baseS = arrival;
    const arrivalS = arrival - baseS;
    clock.check(file, lineNo, 'arrivalS', arrivalS, String(arrival));
    const request: RequestSpec = { id: -1, arrivalS, promptTokens, outputTokens };
    const ids = record.prefixBlockIds;
    const blockTokens = record.prefixBlockTokens;
    if (ids !== undefined || blockTokens !== undefined) {
      if (ids === undefined) {
        throw new TraceParseError(file, lineNo, 'prefixBlockIds', 'expected an array of block ids (prefixBlockTokens is set) but found nothing (field missing)');
      }
      const tokens = tokenField(record, 'prefixBlockTokens', file, lineNo);
      request.prefixBlockIds = checkPrefixBlockIds(ids, promptTokens, tokens, file, lineNo, 'prefixBlockIds');
      request.prefixBlockTokens = tokens;
    }
    return request;
  };
}

/**
 * The Mooncake FAST'25 traces (kvcache-ai/Mooncake, FAST25-release/traces/*.jsonl):
 * `{"timestamp": ms, "input_length": n, "output_length": m, "hash_ids": [...]}` per line. Timestamps
 * are milliseconds, shifted so the first row arrives at 0 s; `hash_ids` name the prompt's 512-token
 * blocks as a hash chain and become `prefixBlockIds` with `prefixBlockTokens` = 512.
 */
export function mooncakeRowParser(file: string): RowParser {
  const clock = new ArrivalClock();
  let baseMs = NaN;
  return (line, lineNo) => {
    const record = parseObject(line, file, lineNo);
    const ts = record.timestamp;
    if (typeof ts !== 'number' || !Number.isFinite(ts) || ts < 0) {
      throw new TraceParseError(file, lineNo, 'timestamp', `expected a non-negative number of milliseconds but found ${describeJson(ts)}`);
    }
    const promptTokens = tokenField(record, 'input_length', file, lineNo);
    const outputTokens = tokenField(record, 'output_length', file, lineNo);
    const prefixBlockIds = checkPrefixBlockIds(record.hash_ids, promptTokens, MOONCAKE_BLOCK_TOKENS, file, lineNo, 'hash_ids');
    if (Number.isNaN(baseMs)) baseMs = ts;
    // Difference first, then one division: exact for integer milliseconds below 2^53.
    const arrivalS = (ts - baseMs) / 1000;
    clock.check(file, lineNo, 'timestamp', arrivalS, String(ts));
    return { id: -1, arrivalS, promptTokens, outputTokens, prefixBlockIds, prefixBlockTokens: MOONCAKE_BLOCK_TOKENS };
  };
}

function parseObject(line: string, file: string, lineNo: number): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    throw new TraceParseError(file, lineNo, undefined, `invalid JSON (${String((err as Error).message).split('\n')[0]})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TraceParseError(file, lineNo, undefined, `expected a JSON object but found ${quoteField(describeJson(value))}`);
  }
  return value as Record<string, unknown>;
}

function tokenField(record: Record<string, unknown>, name: string, file: string, lineNo: number): number {
  const v = record[name];
  const problem = typeof v === 'number' ? tokenCountProblem(v) : 'expected a positive integer';
  if (problem !== null) throw new TraceParseError(file, lineNo, name, `${problem} but found ${describeJson(v)}`);
  return v as number;
}
