import type { RequestSpec } from './RequestSpec.js';
import type { TraceSource } from './TraceSource.js';

/** Reads a whole trace into one array (for traces that fit in memory: tests, small replays). */
export async function collectTrace(source: TraceSource): Promise<RequestSpec[]> {
  const all: RequestSpec[] = [];
  for await (const chunk of source.chunks()) for (let i = 0; i < chunk.length; i++) all.push(chunk[i]);
  return all;
}
