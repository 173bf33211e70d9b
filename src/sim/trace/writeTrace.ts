import { expected } from '../../errors.js';
import type { RequestSpec } from './RequestSpec.js';
import type { TraceFormat } from './TraceFormat.js';
import type { TraceSource } from './TraceSource.js';

/**
 * Day the `azure` writer's timestamps start on. Arbitrary but fixed, so the same trace always
 * writes the same bytes; readers only use differences between timestamps.
 */
export const AZURE_WRITE_EPOCH = '2024-01-01';
const EPOCH_DAYS = 19723; // days from 1970-01-01 to AZURE_WRITE_EPOCH
const TICKS_PER_S = 10_000_000; // the Azure traces' 7 fractional digits

/** Formats kvsim writes (`mooncake` is read only: its block ids are written as kvsim JSONL). */
export type WritableTraceFormat = Exclude<TraceFormat, 'mooncake'>;

/**
 * Where writeTrace writes: a Node Writable (process.stdout, a file stream), typed by the calls made
 * on it so the package's declarations need no Node type definitions.
 */
export interface TraceOutput {
  write(chunk: string): boolean;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  once(event: 'drain' | 'error', listener: (...args: any[]) => void): unknown;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  off(event: 'drain' | 'error', listener: (...args: any[]) => void): unknown;
}
export const WRITABLE_TRACE_FORMATS: readonly WritableTraceFormat[] = ['jsonl', 'azure', 'vidur', 'vidur-lengths'];

/** What a write left out, for the caller to tell the user (`kvsim gen` prints it). */
export interface WriteTraceReport {
  /** Requests written. */
  requests: number;
  /** Requests whose prefix block ids the format cannot hold (every CSV format) and were left out. */
  prefixIdsDropped: number;
}

const HEADERS: Record<WritableTraceFormat, string> = {
  jsonl: '',
  azure: 'TIMESTAMP,ContextTokens,GeneratedTokens\n',
  vidur: 'arrived_at,num_prefill_tokens,num_decode_tokens\n',
  'vidur-lengths': 'num_prefill_tokens,num_decode_tokens\n',
};

/**
 * One request as a line of `format`, newline included. JSONL and Vidur keep arrivals exactly
 * (shortest round-trip form); only JSONL carries prefix block ids (`prefixBlockIds`, `prefixBlockTokens`).
 */
export function formatTraceRow(format: WritableTraceFormat, r: RequestSpec): string {
  switch (format) {
    case 'jsonl': {
      const head = `{"id":${r.id},"arrivalS":${r.arrivalS},"promptTokens":${r.promptTokens},"outputTokens":${r.outputTokens}`;
      if (r.prefixBlockIds === undefined) return `${head}}\n`;
      return `${head},"prefixBlockIds":[${r.prefixBlockIds.join(',')}],"prefixBlockTokens":${r.prefixBlockTokens}}\n`;
    }
    case 'vidur':
      return `${r.arrivalS},${r.promptTokens},${r.outputTokens}\n`;
    case 'vidur-lengths':
      return `${r.promptTokens},${r.outputTokens}\n`;
    case 'azure':
      return `${azureTimestamp(r.arrivalS)},${r.promptTokens},${r.outputTokens}\n`;
  }
}

/** Seconds since the trace start as `YYYY-MM-DD HH:MM:SS.fffffff` from AZURE_WRITE_EPOCH, rounded to 100 ns. */
export function azureTimestamp(arrivalS: number): string {
  const ticks = Math.round(arrivalS * TICKS_PER_S);
  const wholeS = Math.floor(ticks / TICKS_PER_S);
  const frac = ticks - wholeS * TICKS_PER_S;
  const days = Math.floor(wholeS / 86400);
  const inDay = wholeS - days * 86400;
  const [y, m, d] = civilFromDays(EPOCH_DAYS + days);
  const hh = Math.floor(inDay / 3600);
  const mm = Math.floor((inDay % 3600) / 60);
  const ss = inDay % 60;
  return `${y}-${pad(m, 2)}-${pad(d, 2)} ${pad(hh, 2)}:${pad(mm, 2)}:${pad(ss, 2)}.${pad(frac, 7)}`;
}

function pad(v: number, width: number): string {
  return String(v).padStart(width, '0');
}

/** Inverse of the readers' days-from-civil: proleptic Gregorian date of a day count since 1970. */
function civilFromDays(z0: number): [number, number, number] {
  const z = z0 + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

/**
 * Streams a trace to `out` in `format`, honouring backpressure; resolves with the request count.
 * Does not end `out`. CSV formats cannot hold prefix block ids: `report.prefixIdsDropped` counts the
 * requests that lost theirs, so the caller can say so.
 */
export async function writeTrace(source: TraceSource, format: TraceFormat, out: TraceOutput, report?: WriteTraceReport): Promise<number> {
  if (!isWritable(format)) throw expected(`one of ${WRITABLE_TRACE_FORMATS.join(', ')}`, 'format', format);
  let count = 0;
  let dropped = 0;
  let buffer = HEADERS[format];
  for await (const chunk of source.chunks()) {
    for (let i = 0; i < chunk.length; i++) {
      const r = chunk[i];
      if (format !== 'jsonl' && r.prefixBlockIds !== undefined) dropped++;
      buffer += formatTraceRow(format, r);
    }
    count += chunk.length;
    if (report) {
      report.requests = count;
      report.prefixIdsDropped = dropped;
    }
    if (!out.write(buffer)) await drainOrFail(out);
    buffer = '';
  }
  if (buffer.length > 0) out.write(buffer);
  return count;
}

function isWritable(format: TraceFormat): format is WritableTraceFormat {
  return (WRITABLE_TRACE_FORMATS as readonly string[]).includes(format);
}

/** Waits for `drain`, but rejects if the stream fails first (a full disk must not hang the writer). */
function drainOrFail(out: TraceOutput): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onDrain = () => {
      out.off('error', onError);
      resolve();
    };
    const onError = (err: Error) => {
      out.off('drain', onDrain);
      reject(err);
    };
    out.once('drain', onDrain);
    out.once('error', onError);
  });
}
