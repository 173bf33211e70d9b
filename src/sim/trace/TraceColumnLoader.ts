/** Loads what `trace:` arrival and length specs replay or resample (openTrace supplies it). */
export interface TraceColumnLoader {
  arrivals(source: string): Promise<Float64Array>;
  lengths(source: string, column: 'prompt' | 'output'): Promise<Int32Array>;
}
