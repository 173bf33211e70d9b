import type { Argv } from 'yargs';
import { checkInt, checkNumber, expected } from '../errors.js';
import { parseArrivalSpec } from '../sim/trace/ArrivalSpec.js';
import { checkPositive } from '../sim/trace/checkPositive.js';
import type { TraceSource } from '../sim/trace/TraceSource.js';
import { TRACE_FORMATS } from '../sim/trace/TraceFormat.js';
import { DEFAULT_SEED, type TraceOptions } from '../sim/trace/TraceOptions.js';
import { traceDefault } from './optionDefaults.js';

/** The trace options every command that reads a trace shares (`--rate`, `--first`, ...). */
export interface TraceArgs {
  format?: string;
  'skip-invalid'?: boolean;
  'time-scale'?: number;
  rate?: number;
  'max-context'?: number;
  first?: number;
  sample?: number;
  'window-start'?: number;
  'window-end'?: number;
  seed?: number;
  arrival?: string;
  count?: number;
}

/** Adds the shared trace options to a command (group "Trace options" in --help). */
export function addTraceOptions<T>(y: Argv<T>): Argv<T & TraceArgs> {
  return y
    .option('format', { type: 'string', describe: `trace file format: auto, ${TRACE_FORMATS.join(', ')} (default ${traceDefault('format')}: read from the header; gzip is always detected)` })
    .option('skip-invalid', { type: 'boolean', describe: 'skip malformed rows (count and first reasons go to stderr) instead of failing' })
    .option('time-scale', { type: 'number', describe: 'multiply arrival times (2 = half the request rate)' })
    .option('rate', { type: 'number', describe: 'rescale arrivals to exactly this mean rate, requests/s (also the rate of generated arrivals)' })
    .option('max-context', { type: 'number', describe: 'clip prompt + output to this many tokens (output first)' })
    .option('first', { type: 'number', describe: 'keep the first N requests' })
    .option('sample', { type: 'number', describe: 'keep a seeded random sample of N requests (order kept)' })
    .option('window-start', { type: 'number', describe: 'keep requests arriving at or after this many seconds' })
    .option('window-end', { type: 'number', describe: 'keep requests arriving before this many seconds' })
    .option('seed', { type: 'number', describe: `seed for sampling and generated arrivals/lengths (default ${DEFAULT_SEED})` })
    .option('arrival', { type: 'string', describe: 'arrival process for length-only and synthetic traces: poisson[:rate=R], gamma:cv=CV[,rate=R], constant:rate=R, trace:FILE_OR_NAME' })
    .option('count', { type: 'number', describe: 'requests a synthetic trace generates' })
    .group(['format', 'skip-invalid', 'time-scale', 'rate', 'max-context', 'first', 'sample', 'window-start', 'window-end', 'seed', 'arrival', 'count'], 'Trace options:') as Argv<T & TraceArgs>;
}

/** Validates the shared trace options under their CLI names and turns them into TraceOptions. */
export function traceOptionsFromArgs(args: TraceArgs): TraceOptions {
  const int = (name: string, v: number | undefined, min: number) => (v === undefined ? undefined : checkInt(`--${name}`, v, min));
  const num = (name: string, v: number | undefined, min: number) => (v === undefined ? undefined : checkNumber(`--${name}`, v, min));
  const pos = (name: string, v: number | undefined) => (v === undefined ? undefined : checkPositive(`--${name}`, v));
  // Choices are checked here, not by yargs, so a bad value is one line like every other user error.
  if (args.format !== undefined && args.format !== 'auto' && !TRACE_FORMATS.includes(args.format as never)) {
    throw expected(`one of auto, ${TRACE_FORMATS.join(', ')}`, '--format', args.format);
  }
  return {
    format: args.format as TraceOptions['format'],
    skipInvalid: args['skip-invalid'],
    timeScale: pos('time-scale', args['time-scale']),
    targetRatePerS: pos('rate', args.rate),
    maxContextTokens: int('max-context', args['max-context'], 2),
    first: int('first', args.first, 1),
    sampleN: int('sample', args.sample, 1),
    windowStartS: num('window-start', args['window-start'], 0),
    windowEndS: num('window-end', args['window-end'], 0),
    seed: int('seed', args.seed, 0),
    arrival: args.arrival === undefined ? undefined : parseArrivalSpec(args.arrival, '--arrival'),
    count: int('count', args.count, 1),
  };
}

/** After a read with --skip-invalid: how many rows were skipped and the first reasons, on stderr. */
export function reportSkipped(source: TraceSource): void {
  const s = source.skipped;
  if (!s || s.count === 0) return;
  const lines = [`kvsim: skipped ${s.count} invalid row${s.count === 1 ? '' : 's'} of ${source.name}${s.count > s.reasons.length ? `; the first ${s.reasons.length}:` : ':'}`];
  for (const r of s.reasons) lines.push(`  ${r}`);
  process.stderr.write(`${lines.join('\n')}\n`);
}

/**
 * Wraps a trace so reading it shows "N requests" on stderr, only when stderr is a terminal and only
 * once the read has run for a second (a 10-million-row file takes tens of seconds).
 */
export function withRowProgress(source: TraceSource, verb: string): TraceSource {
  if (!process.stderr.isTTY) return source;
  return {
    ...source,
    get skipped() {
      return source.skipped;
    },
    get clippedCount() {
      return source.clippedCount;
    },
    async *chunks() {
      const start = Date.now();
      let last = 0;
      let rows = 0;
      let shown = false;
      try {
        for await (const chunk of source.chunks()) {
          rows += chunk.length;
          const now = Date.now();
          if (now - start >= 1000 && now - last >= 200) {
            last = now;
            shown = true;
            process.stderr.write(`\r${verb} ${source.name}: ${rows.toLocaleString('en-US')} requests`);
          }
          yield chunk;
        }
      } finally {
        if (shown) process.stderr.write(`\r${verb} ${source.name}: ${rows.toLocaleString('en-US')} requests\n`);
      }
    },
  };
}
