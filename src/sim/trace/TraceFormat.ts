import { splitCsvLine } from './splitCsvLine.js';
import { TraceParseError } from './TraceParseError.js';

/**
 * Trace file formats kvsim reads and writes:
 * - `azure`: the Azure LLM inference traces, `TIMESTAMP,ContextTokens,GeneratedTokens`;
 * - `vidur`: Vidur's request trace, `arrived_at,num_prefill_tokens,num_decode_tokens` (seconds);
 * - `vidur-lengths`: Vidur's length-only trace, `num_prefill_tokens,num_decode_tokens` (arrivals come
 *   from an arrival process);
 * - `jsonl`: kvsim's own, one `{"arrivalS":..,"promptTokens":..,"outputTokens":..}` per line, with
 *   optional `"prefixBlockIds":[..],"prefixBlockTokens":b`;
 * - `mooncake`: the Mooncake FAST'25 traces, one `{"timestamp":ms,"input_length":..,"output_length":..,
 *   "hash_ids":[..]}` per line (read only: kvsim writes its prefix block ids as `jsonl`).
 */
export type TraceFormat = 'azure' | 'vidur' | 'vidur-lengths' | 'jsonl' | 'mooncake';
export const TRACE_FORMATS: readonly TraceFormat[] = ['azure', 'vidur', 'vidur-lengths', 'jsonl', 'mooncake'];

/** Formats whose rows are JSON objects rather than CSV. */
export type JsonTraceFormat = 'jsonl' | 'mooncake';

/** Where a CSV format keeps its three columns, and their names as the header spells them. */
export interface CsvLayout {
  format: CsvTraceFormat;
  columnCount: number;
  /** Column indices; `arrival` is -1 for length-only traces. */
  arrival: number;
  prompt: number;
  output: number;
  /** Header names, for error messages. */
  names: string[];
}

type CsvTraceFormat = Exclude<TraceFormat, JsonTraceFormat>;

const COLUMNS: Record<CsvTraceFormat, { arrival?: string; prompt: string; output: string }> = {
  azure: { arrival: 'timestamp', prompt: 'contexttokens', output: 'generatedtokens' },
  vidur: { arrival: 'arrived_at', prompt: 'num_prefill_tokens', output: 'num_decode_tokens' },
  'vidur-lengths': { prompt: 'num_prefill_tokens', output: 'num_decode_tokens' },
};

const KNOWN_HEADERS =
  'an Azure LLM trace header (TIMESTAMP,ContextTokens,GeneratedTokens), a Vidur header ' +
  '(arrived_at,num_prefill_tokens,num_decode_tokens, or num_prefill_tokens,num_decode_tokens) ' +
  'kvsim JSONL ({"arrivalS":0,"promptTokens":1,"outputTokens":1} per line) or Mooncake JSONL ' +
  '({"timestamp":0,"input_length":1,"output_length":1,"hash_ids":[0]} per line)';

/**
 * Reads a trace's format from its first line: a JSON object means JSONL (Mooncake's when it has
 * Mooncake's field names, `input_length` or `hash_ids`), else the CSV header names the columns (any
 * order, extra columns ignored, names case-insensitive). With `forced`, a CSV header must still hold
 * that format's columns; a forced JSON format is checked row by row by its reader.
 */
export function detectLayout(firstLine: string, forced: TraceFormat | 'auto', file: string): CsvLayout | JsonTraceFormat {
  if (forced === 'jsonl' || forced === 'mooncake') return forced;
  if (forced === 'auto' && firstLine.trimStart().startsWith('{')) return isMooncakeRow(firstLine) ? 'mooncake' : 'jsonl';
  const fields: string[] = [];
  const count = splitCsvLine(firstLine, fields);
  const lower = fields.slice(0, Math.max(0, count)).map((f) => f.trim().toLowerCase());
  const candidates: CsvTraceFormat[] = forced === 'auto' ? ['azure', 'vidur', 'vidur-lengths'] : [forced];
  for (const format of candidates) {
    const want = COLUMNS[format];
    const prompt = lower.indexOf(want.prompt);
    const output = lower.indexOf(want.output);
    const arrival = want.arrival === undefined ? -1 : lower.indexOf(want.arrival);
    if (prompt < 0 || output < 0 || (want.arrival !== undefined && arrival < 0)) continue;
    return { format, columnCount: lower.length, arrival, prompt, output, names: fields.slice(0, count).map((f) => f.trim()) };
  }
  const shown = firstLine.length > 80 ? `${firstLine.slice(0, 77)}...` : firstLine;
  const expectedWhat = forced === 'auto' ? KNOWN_HEADERS : `the ${forced} header (${Object.values(COLUMNS[forced]).join(',')}, any case)`;
  throw new TraceParseError(file, 1, undefined, `unknown header ${JSON.stringify(shown)}: expected ${expectedWhat}`);
}

/** Whether a JSON line has Mooncake's field names (unparsable JSON: no, so the JSONL reader reports it). */
function isMooncakeRow(line: string): boolean {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return false;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) && ('input_length' in value || 'hash_ids' in value);
}
