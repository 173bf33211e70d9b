/**
 * Everything a cost model needs to price one iteration, as sums over the batch. Pricing from sums
 * (not from per-request arrays) is what lets the engine advance many identical decode iterations
 * without touching each request: the sums of iteration j+1 follow from those of iteration j. Every
 * field is an integer (or a half-integer for `prefillAttentionPairs`), so sums are exact in float64
 * and pricing from a plan or from an extrapolated aggregate gives bit-identical results.
 */
export interface IterationAggregate {
  /** Requests in the batch. */
  batchSize: number;
  /** New prompt tokens processed (all prefill chunks). */
  prefillTokens: number;
  /** Decode tokens (one per decoding request). */
  decodeTokens: number;
  /** Requests with a prefill chunk this iteration. */
  prefillRequests: number;
  /** Sum over prefill chunks of chunk * (context before + chunk / 2): query-key pairs of causal attention. */
  prefillAttentionPairs: number;
  /** Sum over prefill chunks of (context before + chunk): KV tokens the prefill kernels read. */
  prefillKvTokens: number;
  /** Sum over decoding requests of (context before + 1): KV tokens the decode kernels read. */
  decodeKvTokens: number;
  /** Allocation operations the memory policy did while planning this iteration. */
  allocOps: number;
  /** Modelled time of that allocation work, seconds. */
  allocTimeS: number;
  /** The part of allocOps / allocTimeS mapping memory ahead of need (can overlap compute). */
  aheadAllocOps: number;
  aheadAllocTimeS: number;
}

export function emptyAggregate(): IterationAggregate {
  return {
    batchSize: 0,
    prefillTokens: 0,
    decodeTokens: 0,
    prefillRequests: 0,
    prefillAttentionPairs: 0,
    prefillKvTokens: 0,
    decodeKvTokens: 0,
    allocOps: 0,
    allocTimeS: 0,
    aheadAllocOps: 0,
    aheadAllocTimeS: 0,
  };
}
