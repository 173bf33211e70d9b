/**
 * The JSON a replay writes (simulator or GPU backend alike) and the report reads. Columnar arrays keep
 * it compact; `schema` is bumped on any incompatible change. Published as schemas/kvsim.run-1.schema.json:
 * a field added here goes there too (test/schemas/schemas.test.ts fails until it does).
 */
export interface RunResult {
  schema: 'kvsim.run/1';
  config: RunConfig;
  summary: RunSummary;
  /** Per request, columnar; index i is request i of the (transformed) trace. Times in seconds. */
  requests: RequestColumns;
  /** Per iteration, columnar. May be downsampled for huge runs: `iterations.stride` says by how much. */
  iterations: IterationColumns;
}

export interface RunConfig {
  trace: string;
  model: string;
  gpu: string;
  tp: number;
  policy: string;
  policyOptions: Record<string, unknown>;
  scheduler: string;
  schedulerOptions: Record<string, unknown>;
  backend: 'sim' | 'gpu';
  /** Cost model or device used, with provenance (e.g. which profile). */
  executor: string;
  seed: number;
  kvsimVersion: string;
  /** Cost-model parameters (simulator only). Optional: added compatibly. */
  costModel?: Record<string, unknown>;
}

export interface Percentiles {
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface RunSummary {
  requests: number;
  completed: number;
  /**
   * Requests never served (longer than the policy's maxTokensPerRequest, over the scheduler's batch
   * limit, or unable to fit an empty GPU). Optional: added compatibly after schema kvsim.run/1 shipped.
   */
  dropped?: number;
  /** Dropped requests by reason: too-long, over-batch-limit, no-memory. Optional, present when any were dropped. */
  dropReasons?: Record<string, number>;
  /**
   * Requests served with their output cut to the context (prompt + output > max context: vLLM caps
   * max_tokens at max_model_len - prompt). Their recorded outputTokens are the served ones. Optional:
   * present when any were.
   */
  lengthCapped?: number;
  /** Time from first arrival to last completion, seconds. */
  makespanS: number;
  outputTokensPerS: number;
  requestsPerS: number;
  ttftS: Percentiles;
  tbtS: Percentiles;
  e2eS: Percentiles;
  /** E2E latency divided by output tokens, seconds per token. */
  normalizedLatencyS: Percentiles;
  iterations: number;
  maxBatch: number;
  meanBatch: number;
  /** Largest number of requests holding memory at once. */
  maxConcurrentRequests: number;
  peakLiveBytes: number;
  peakAllocatedBytes: number;
  peakReservedBytes: number;
  capacityBytes: number;
  /** Mean over iterations of fragmentation / allocated. */
  meanFragmentationRatio: number;
  peakFragmentationBytes: number;
  preemptions: number;
  /** Requests whose admission was refused at least once for lack of memory (each counted once). */
  refused: number;
  allocOps: number;
  allocTimeS: number;
  stallS: number;
  /**
   * Relative accuracy of the latency percentiles (streaming log-bucket histograms; mean and max exact).
   * Optional: added compatibly.
   */
  percentileRelativeError?: number;
  /** Prefix caching (paged with caching on): lookups, hits, evictions. Absent where no block can be shared. */
  prefixCache?: PrefixCacheSummary;
}

export interface PrefixCacheSummary {
  /** First admissions that looked up the cache (vLLM's definition: re-admissions are counted apart). */
  lookups: number;
  /** Prompt tokens first admissions looked up. */
  queryTokens: number;
  /** Tokens first admissions reused from the cache: prefill not computed. */
  hitTokens: number;
  /** hitTokens / queryTokens (0 when nothing was looked up): vLLM's logged prefix-cache hit rate. */
  hitRate: number;
  /** Re-admissions after a preemption: lookups, content tokens, tokens reused (their own blocks, mostly). */
  resumedLookups: number;
  resumedQueryTokens: number;
  resumedHitTokens: number;
  hitBlocks: number;
  evictions: number;
}

export interface RequestColumns {
  arrivalS: number[];
  promptTokens: number[];
  outputTokens: number[];
  admittedS: number[];
  firstTokenS: number[];
  finishS: number[];
  preemptions: number[];
}

export interface IterationColumns {
  stride: number;
  startS: number[];
  durationS: number[];
  batchSize: number[];
  prefillTokens: number[];
  decodeTokens: number[];
  queueLength: number[];
  liveBytes: number[];
  allocatedBytes: number[];
  reservedBytes: number[];
  fragmentationBytes: number[];
  allocOps: number[];
  stallS: number[];
  gemmS: number[];
  prefillAttentionS: number[];
  decodeAttentionS: number[];
  recurrentS: number[];
  allocationS: number[];
  overheadS: number[];
  /** Bytes of cached, reusable content (see MemorySnapshot.cachedBytes). Older files lack it: readers fill zeros. */
  cachedBytes: number[];
  /** Cached prompt tokens reused by each iteration's admissions. Older files lack it: readers fill zeros. */
  prefixHitTokens: number[];
  /** Tensor-parallel communication time (0 at TP 1). Older files lack it: readers fill zeros. */
  commS: number[];
}
