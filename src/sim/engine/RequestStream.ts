import type { RequestSpec } from '../trace/RequestSpec.js';

/**
 * What the engine reads requests from: any trace source (src/sim/trace's TraceSource has this
 * shape) — chunks in arrival order, so a long trace is never held whole.
 */
export interface RequestStream {
  readonly name?: string;
  chunks(): AsyncIterable<readonly RequestSpec[]>;
}

/** Wraps an in-memory array (tests, small programmatic traces) as a stream of one chunk. */
export function arrayStream(requests: readonly RequestSpec[], name = 'array'): RequestStream {
  return {
    name,
    async *chunks() {
      yield requests;
    },
  };
}
