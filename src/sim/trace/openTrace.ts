import { statSync } from 'node:fs';
import { expected, InvalidOptionError, UserError } from '../../errors.js';
import type { ArrivalSpec } from './ArrivalSpec.js';
import { collectTrace } from './collectTrace.js';
import { checkSpecKeys, parseSpecString, specNumber } from './parseSpecString.js';
import { applyPrefixKeys, PREFIX_SPEC_KEYS } from './prefixSpecKeys.js';
import { readLines } from './readLines.js';
import type { RequestSpec } from './RequestSpec.js';
import { readTraceRows } from './readTraceRows.js';
import { registryTracePath, traceRegistry, traceRegistryNames } from './registry.js';
import { emptySkipReport } from './SkipReport.js';
import { syntheticPreset, SYNTHETIC_PRESET_NAMES, type SyntheticPresetName, type SyntheticTraceSpec } from './syntheticPresets.js';
import { arrivalAssigner, syntheticRows, type TraceColumnLoader } from './syntheticRows.js';
import { detectLayout, type TraceFormat } from './TraceFormat.js';
import { DEFAULT_SEED, type ResolvedTraceOptions, resolveTraceOptions, type TraceOptions } from './TraceOptions.js';
import { TraceSourceError } from './TraceSourceError.js';
import type { TraceSource } from './TraceSource.js';
import { transformTrace } from './transformTrace.js';

const SYNTHETIC_PREFIX = 'synthetic:';

/**
 * Opens a trace by what the user typed:
 * - a registry name (`azure-conv-2023`, `azure-code-2023`, `mooncake-conversation`): the fetched copy in the cache (or in
 *   `$KVSIM_TRACE_DIR`); an error says to run `kvsim trace fetch NAME` when it is missing;
 * - a synthetic spec, `synthetic:conv` or `synthetic:code`, optionally with `:count=N,rate=R,seed=S`,
 *   or one with prefix structure, `synthetic:multiturn` or `synthetic:system-prompt`, which also take
 *   the keys of prefixSpecKeys.ts (`turns=4,think=10,prompts=8,...`);
 * - a path to an Azure CSV, Vidur CSV, kvsim JSONL or Mooncake JSONL file, gzipped or not.
 * The header is read now, so a missing file, an empty one or an unknown format fails here; rows are
 * parsed as `chunks()` streams them.
 */
export async function openTrace(source: string, options?: TraceOptions): Promise<TraceSource> {
  if (typeof source !== 'string' || source.length === 0) throw expected('a trace name, synthetic spec or path', 'trace', source);
  const resolved = resolveTraceOptions(options);
  const synthetic = syntheticTraceSpec(source);
  if (synthetic) return syntheticSource(synthetic, resolved);
  const entry = traceRegistry()[source];
  if (entry) {
    const path = registryTracePath(entry);
    return openFile(path, source, { ...resolved, format: resolved.format === 'auto' ? entry.format : resolved.format });
  }
  return openFile(source, source, resolved);
}

/** Opens a synthetic trace from a full spec (what `kvsim gen` builds from its flags). */
export async function openSyntheticTrace(spec: SyntheticTraceSpec, options?: TraceOptions): Promise<TraceSource> {
  return syntheticSource(spec, resolveTraceOptions(options));
}

/**
 * The full spec a `synthetic:...` trace string stands for (preset, then the string's own count, rate,
 * seed and prefix keys), or undefined when `source` is not a synthetic spec. Throws, naming the option
 * `trace`, for an unknown preset or key. What openTrace generates from the string, so callers that need
 * its count or seed ask here instead of parsing the string again.
 */
export function syntheticTraceSpec(source: string): SyntheticTraceSpec | undefined {
  if (!source.startsWith(SYNTHETIC_PREFIX)) return undefined;
  const spec = parseSpecString(source.slice(SYNTHETIC_PREFIX.length), 'trace');
  const preset = spec.kind as SyntheticPresetName;
  if (!SYNTHETIC_PRESET_NAMES.includes(preset) || spec.positional !== undefined) {
    throw expected(`synthetic:${SYNTHETIC_PRESET_NAMES.join('|synthetic:')} (optionally :count=N,rate=R,seed=S)`, 'trace', source);
  }
  const full = syntheticPreset(preset);
  full.name = source;
  checkSpecKeys(spec, full.prefix === undefined ? ['count', 'rate', 'seed'] : ['count', 'rate', 'seed', ...PREFIX_SPEC_KEYS], 'trace');
  if (full.prefix !== undefined) full.prefix = applyPrefixKeys(full.prefix, spec);
  const count = specNumber(spec, 'count', 'trace');
  const rate = specNumber(spec, 'rate', 'trace');
  const seed = specNumber(spec, 'seed', 'trace');
  // Precedence: preset < the spec's own parameters < explicit options.
  if (count !== undefined) full.count = count;
  if (seed !== undefined) full.seed = seed;
  if (rate !== undefined && full.arrival.kind !== 'trace') full.arrival = { ...full.arrival, ratePerS: rate };
  return full;
}

function syntheticSource(spec: SyntheticTraceSpec, options: ResolvedTraceOptions): TraceSource {
  const full: SyntheticTraceSpec = { ...spec };
  if (options.count !== undefined) full.count = options.count;
  if (options.seed !== undefined) full.seed = options.seed;
  if (options.arrival !== undefined) full.arrival = options.arrival;
  else if (options.targetRatePerS !== undefined && full.arrival.kind !== 'trace') full.arrival = { ...full.arrival, ratePerS: options.targetRatePerS };
  if (!Number.isInteger(full.count) || full.count < 1) throw expected('an integer >= 1', 'count', full.count);
  if (!Number.isInteger(full.seed) || full.seed < 0) throw expected('an integer >= 0', 'seed', full.seed);
  const loader = columnLoader();
  return transformTrace({ name: full.name, rows: () => syntheticRows(full, options.targetRatePerS, loader) }, options, full.seed);
}

async function openFile(path: string, displayName: string, options: ResolvedTraceOptions): Promise<TraceSource> {
  checkIsFile(path, displayName);
  const format = await sniffFormat(path, displayName, options.format);
  // Options that only shape generated requests would be silently ignored here: refuse them instead.
  if (options.count !== undefined) {
    throw new InvalidOptionError(`count sets the size of synthetic traces; ${displayName} is a file (keep its first N requests with first / --first)`);
  }
  if (options.arrival !== undefined && format !== 'vidur-lengths') {
    throw new InvalidOptionError(`arrival applies to length-only and synthetic traces; ${displayName} has its own arrival times (rescale them with targetRatePerS / --rate)`);
  }
  const seed = options.seed ?? DEFAULT_SEED;
  const skipped = emptySkipReport();
  let arrivals: (() => Promise<(row: RequestSpec, index: number) => void>) | undefined;
  if (format === 'vidur-lengths') {
    const arrival: ArrivalSpec = options.arrival ?? { kind: 'poisson' };
    if (arrival.kind !== 'trace' && arrival.ratePerS === undefined && options.targetRatePerS === undefined) {
      throw new UserError(
        'TRACE_NO_ARRIVALS',
        `${displayName} has lengths but no arrival times: give an arrival process (e.g. --arrival poisson:rate=5) or a request rate (--rate 5)`,
      );
    }
    const loader = columnLoader();
    arrivals = async () => arrivalAssigner(arrival, seed, options.targetRatePerS, arrival.kind === 'trace' ? await loader.arrivals(arrival.source) : undefined);
  }
  const rows = () => readTraceRows({ path, displayName, format, skipInvalid: options.skipInvalid, skipped });
  return transformTrace({ name: displayName, rows, skipped, arrivals }, options, seed);
}

function checkIsFile(path: string, displayName: string): void {
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch {
    throw new TraceSourceError(
      'TRACE_NOT_FOUND',
      `No trace "${displayName}": expected a registry name (${traceRegistryNames().join(', ')}), ` +
        `a synthetic spec (${SYNTHETIC_PRESET_NAMES.map((n) => SYNTHETIC_PREFIX + n).join(', ')}) or an existing file`,
    );
  }
  if (!isFile) throw new TraceSourceError('TRACE_NOT_FOUND', `Trace "${displayName}" is not a regular file`);
}

/** Reads the first non-blank line to fix the format (errors for empty files and unknown headers come here). */
async function sniffFormat(path: string, displayName: string, forced: TraceFormat | 'auto'): Promise<TraceFormat> {
  for await (const batch of readLines(path, displayName)) {
    for (const line of batch.lines) {
      if (line.trim().length === 0) continue;
      const layout = detectLayout(line, forced, displayName);
      return typeof layout === 'string' ? layout : layout.format;
    }
  }
  return forced === 'auto' ? 'jsonl' : forced; // empty: the reader reports it with its own message
}

/** Loads the columns `trace:` arrival and length specs need, each source read once. */
function columnLoader(): TraceColumnLoader {
  const cache = new Map<string, Promise<RequestSpec[]>>();
  const load = (source: string) => {
    let p = cache.get(source);
    if (!p) {
      p = openTrace(source).then(collectTrace);
      cache.set(source, p);
    }
    return p;
  };
  return {
    async arrivals(source) {
      return Float64Array.from(await load(source), (r) => r.arrivalS);
    },
    async lengths(source, column) {
      return Int32Array.from(await load(source), (r) => (column === 'prompt' ? r.promptTokens : r.outputTokens));
    },
  };
}
