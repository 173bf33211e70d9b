import { UserError } from '../../errors.js';
import { type ArrivalSpec, createArrivalSampler } from './ArrivalSpec.js';
import { createLengthSampler, type LengthSpec } from './LengthSpec.js';
import type { RequestSpec } from './RequestSpec.js';
import type { SyntheticTraceSpec } from './syntheticPresets.js';
import { TRACE_CHUNK_SIZE } from './TraceSource.js';

/** Loads what `trace:` arrival and length specs replay or resample (openTrace supplies it). */
export interface TraceColumnLoader {
  arrivals(source: string): Promise<Float64Array>;
  lengths(source: string, column: 'prompt' | 'output'): Promise<Int32Array>;
}

/**
 * Generates a synthetic trace's rows (ids -1: numbered later) in chunks. Each column draws from its
 * own seeded stream, so the same spec always yields the same rows.
 */
export async function* syntheticRows(spec: SyntheticTraceSpec, fallbackRatePerS: number | undefined, loader: TraceColumnLoader): AsyncGenerator<RequestSpec[]> {
  const replay = spec.arrival.kind === 'trace' ? await loader.arrivals(spec.arrival.source) : undefined;
  const nextArrival = createArrivalSampler(spec.arrival, spec.seed, fallbackRatePerS, replay);
  const nextPrompt = createLengthSampler(spec.prompt, spec.seed, 'prompt', await resampleSource(spec.prompt, 'prompt', loader));
  const nextOutput = createLengthSampler(spec.output, spec.seed, 'output', await resampleSource(spec.output, 'output', loader));
  let chunk: RequestSpec[] = [];
  for (let i = 0; i < spec.count; i++) {
    const arrivalS = nextArrival();
    if (Number.isNaN(arrivalS)) throw arrivalsExhausted(spec.arrival, i, spec.count);
    chunk.push({ id: -1, arrivalS, promptTokens: nextPrompt(), outputTokens: nextOutput() });
    if (chunk.length >= TRACE_CHUNK_SIZE) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}

/** Gives arrivals to the rows of a length-only trace, in order. */
export function arrivalAssigner(arrival: ArrivalSpec, seed: number, fallbackRatePerS: number | undefined, replay: Float64Array | undefined): (row: RequestSpec, index: number) => void {
  const next = createArrivalSampler(arrival, seed, fallbackRatePerS, replay);
  return (row, index) => {
    const t = next();
    if (Number.isNaN(t)) throw arrivalsExhausted(arrival, index, undefined);
    row.arrivalS = t;
  };
}

function arrivalsExhausted(arrival: ArrivalSpec, have: number, want: number | undefined): UserError {
  const source = arrival.kind === 'trace' ? arrival.source : arrival.kind;
  return new UserError('TRACE_ARRIVALS_EXHAUSTED', `Arrival trace ${source} has only ${have} requests but ${want ?? 'more'} are needed: generate fewer (--count) or use a longer trace`);
}

async function resampleSource(spec: LengthSpec, column: 'prompt' | 'output', loader: TraceColumnLoader): Promise<Int32Array | undefined> {
  return spec.kind === 'trace' ? loader.lengths(spec.source, column) : undefined;
}
