import type { CostTerms } from '../plan/IterationCost.js';
import type { MemorySnapshot, PrefixCacheStats } from '../memory/MemoryPolicy.js';
import { prefixCacheSummary } from './prefixCacheSummary.js';
import { Float64Column } from './Float64Column.js';
import { LogHistogram } from './LogHistogram.js';
import type { IterationColumns, RequestColumns, RunSummary } from './RunResult.js';

const ITERATION_FIELDS = [
  'startS', 'durationS', 'batchSize', 'prefillTokens', 'decodeTokens', 'queueLength', 'liveBytes', 'allocatedBytes',
  'reservedBytes', 'fragmentationBytes', 'allocOps', 'stallS', 'gemmS', 'prefillAttentionS', 'decodeAttentionS',
  'recurrentS', 'allocationS', 'overheadS', 'cachedBytes', 'prefixHitTokens', 'commS',
] as const;
const REQUEST_FIELDS = ['arrivalS', 'promptTokens', 'outputTokens', 'admittedS', 'firstTokenS', 'finishS', 'preemptions'] as const;

export interface MetricsOptions {
  /**
   * Keep per-request columns (8 bytes x 7 per request: memory grows with the trace). Summaries never
   * need them.
   * @defaultValue true
   */
  perRequest?: boolean;
  /**
   * Most iteration records kept; beyond it the stride doubles (every other record dropped), so memory
   * stays bounded. 0 keeps none.
   * @defaultValue 16384 (enough points for any chart; keeps a replay JSON at a few MB per run)
   */
  maxIterationRecords?: number;
}

/** One iteration as the recorder sees it (fields reused by the engine, no allocation per iteration). */
export interface IterationRecord {
  startS: number;
  durationS: number;
  batchSize: number;
  prefillTokens: number;
  decodeTokens: number;
  queueLength: number;
  /** Requests holding memory. */
  concurrentRequests: number;
  allocOps: number;
  stallS: number;
  /** Cached prompt tokens reused by this iteration's admissions (prefix caching). */
  prefixHitTokens: number;
  terms: CostTerms;
}

/**
 * Accumulates per-request and per-iteration metrics in constant memory (histograms for the
 * percentiles; columns only when asked for, iterations downsampled past a cap).
 */
export class MetricsRecorder {
  readonly ttft = new LogHistogram();
  readonly tbt = new LogHistogram();
  readonly e2e = new LogHistogram();
  readonly normalized = new LogHistogram();
  private readonly perRequest: boolean;
  private readonly maxRecords: number;
  private readonly req: Record<(typeof REQUEST_FIELDS)[number], Float64Column> | undefined;
  /** Iteration records, row-major (one row of ITERATION_FIELDS per kept iteration). */
  private rows: Float64Array;
  private rowCount = 0;
  private stride = 1;

  requests = 0;
  completed = 0;
  dropped = 0;
  /** Dropped requests by reason (see DropReason). */
  readonly dropReasons: Record<string, number> = {};
  outputTokens = 0;
  firstArrivalS = Number.NaN;
  lastFinishS = Number.NaN;
  iterations = 0;
  maxBatch = 0;
  private batchSum = 0;
  maxConcurrent = 0;
  peakLive = 0;
  peakAllocated = 0;
  peakReserved = 0;
  peakFragmentation = 0;
  private fragRatioSum = 0;
  capacityBytes = 0;
  preemptions = 0;
  refused = 0;
  /** Requests whose output was cut to fit the context (max_model_len - prompt tokens). */
  lengthCapped = 0;
  allocOps = 0;
  allocTimeS = 0;
  stallS = 0;
  /** The policy's prefix-cache counters at the end of the run (set by the engine; absent without caching). */
  prefixCache: PrefixCacheStats | undefined;

  constructor(options: MetricsOptions = {}) {
    this.perRequest = options.perRequest ?? true;
    this.maxRecords = options.maxIterationRecords ?? 16384;
    if (this.perRequest) {
      this.req = Object.fromEntries(REQUEST_FIELDS.map((f) => [f, new Float64Column(1024, Number.NaN)])) as MetricsRecorder['req'];
    }
    this.rows = new Float64Array(Math.min(1024, Math.max(1, this.maxRecords)) * ITERATION_FIELDS.length);
  }

  onArrival(arrivalS: number): void {
    this.requests++;
    if (Number.isNaN(this.firstArrivalS)) this.firstArrivalS = arrivalS;
  }

  /** A time between tokens, `weight` tokens of as many requests having exactly that gap. */
  onTokenGap(gapS: number, weight: number): void {
    this.tbt.add(gapS, weight);
  }

  onFinish(
    id: number, arrivalS: number, promptTokens: number, outputTokens: number,
    admittedS: number, firstTokenS: number, finishS: number, preemptions: number,
  ): void {
    this.completed++;
    this.outputTokens += outputTokens;
    if (!(finishS <= this.lastFinishS)) this.lastFinishS = finishS;
    const e2e = finishS - arrivalS;
    this.ttft.add(firstTokenS - arrivalS);
    this.e2e.add(e2e);
    this.normalized.add(e2e / outputTokens);
    this.writeRequest(id, arrivalS, promptTokens, outputTokens, admittedS, firstTokenS, finishS, preemptions);
  }

  onDrop(id: number, arrivalS: number, promptTokens: number, outputTokens: number, preemptions: number, reason = 'unknown'): void {
    this.dropped++;
    this.dropReasons[reason] = (this.dropReasons[reason] ?? 0) + 1;
    this.writeRequest(id, arrivalS, promptTokens, outputTokens, Number.NaN, Number.NaN, Number.NaN, preemptions);
  }

  onIteration(r: IterationRecord, mem: MemorySnapshot): void {
    const i = this.iterations++;
    if (r.batchSize > this.maxBatch) this.maxBatch = r.batchSize;
    this.batchSum += r.batchSize;
    if (r.concurrentRequests > this.maxConcurrent) this.maxConcurrent = r.concurrentRequests;
    if (mem.liveBytes > this.peakLive) this.peakLive = mem.liveBytes;
    if (mem.allocatedBytes > this.peakAllocated) this.peakAllocated = mem.allocatedBytes;
    if (mem.reservedBytes > this.peakReserved) this.peakReserved = mem.reservedBytes;
    if (mem.fragmentationBytes > this.peakFragmentation) this.peakFragmentation = mem.fragmentationBytes;
    if (mem.allocatedBytes > 0) this.fragRatioSum += mem.fragmentationBytes / mem.allocatedBytes;
    this.capacityBytes = mem.capacityBytes;
    this.allocOps += r.allocOps;
    this.allocTimeS += r.terms.allocationS;
    this.stallS += r.stallS;
    if (this.maxRecords === 0 || i % this.stride !== 0) return;
    const F = ITERATION_FIELDS.length;
    if (this.rowCount === this.maxRecords) {
      // Downsample: keep every other row, double the stride.
      const d = this.rows;
      let w = 0;
      for (let r = 0; r < this.rowCount; r += 2, w++) d.copyWithin(w * F, r * F, r * F + F);
      this.rowCount = w;
      this.stride *= 2;
      if (i % this.stride !== 0) return;
    }
    if ((this.rowCount + 1) * F > this.rows.length) {
      const next = new Float64Array(Math.min(this.maxRecords, 2 * (this.rows.length / F)) * F);
      next.set(this.rows);
      this.rows = next;
    }
    const d = this.rows;
    let o = this.rowCount++ * F;
    const t = r.terms;
    d[o++] = r.startS;
    d[o++] = r.durationS;
    d[o++] = r.batchSize;
    d[o++] = r.prefillTokens;
    d[o++] = r.decodeTokens;
    d[o++] = r.queueLength;
    d[o++] = mem.liveBytes;
    d[o++] = mem.allocatedBytes;
    d[o++] = mem.reservedBytes;
    d[o++] = mem.fragmentationBytes;
    d[o++] = r.allocOps;
    d[o++] = r.stallS;
    d[o++] = t.gemmS;
    d[o++] = t.prefillAttentionS;
    d[o++] = t.decodeAttentionS;
    d[o++] = t.recurrentS;
    d[o++] = t.allocationS;
    d[o++] = t.overheadS;
    d[o++] = mem.cachedBytes;
    d[o++] = r.prefixHitTokens;
    d[o] = t.commS;
  }

  summary(): RunSummary {
    const makespanS = this.completed > 0 ? this.lastFinishS - this.firstArrivalS : 0;
    return {
      requests: this.requests,
      completed: this.completed,
      dropped: this.dropped,
      ...(this.dropped > 0 ? { dropReasons: { ...this.dropReasons } } : {}),
      ...(this.lengthCapped > 0 ? { lengthCapped: this.lengthCapped } : {}),
      makespanS,
      outputTokensPerS: makespanS > 0 ? this.outputTokens / makespanS : 0,
      requestsPerS: makespanS > 0 ? this.completed / makespanS : 0,
      ttftS: this.ttft.summary(),
      tbtS: this.tbt.summary(),
      e2eS: this.e2e.summary(),
      normalizedLatencyS: this.normalized.summary(),
      iterations: this.iterations,
      maxBatch: this.maxBatch,
      meanBatch: this.iterations > 0 ? this.batchSum / this.iterations : 0,
      maxConcurrentRequests: this.maxConcurrent,
      peakLiveBytes: this.peakLive,
      peakAllocatedBytes: this.peakAllocated,
      peakReservedBytes: this.peakReserved,
      capacityBytes: this.capacityBytes,
      meanFragmentationRatio: this.iterations > 0 ? this.fragRatioSum / this.iterations : 0,
      peakFragmentationBytes: this.peakFragmentation,
      preemptions: this.preemptions,
      refused: this.refused,
      allocOps: this.allocOps,
      allocTimeS: this.allocTimeS,
      stallS: this.stallS,
      percentileRelativeError: this.tbt.alpha,
      ...(this.prefixCache ? { prefixCache: prefixCacheSummary(this.prefixCache) } : {}),
    };
  }

  requestColumns(): RequestColumns {
    const r = this.req;
    if (!r) return { arrivalS: [], promptTokens: [], outputTokens: [], admittedS: [], firstTokenS: [], finishS: [], preemptions: [] };
    const n = this.requests;
    const out = {} as RequestColumns;
    for (const f of REQUEST_FIELDS) {
      if (r[f].length < n) r[f].set(n - 1, Number.NaN);
      out[f] = r[f].toArray();
    }
    return out;
  }

  iterationColumns(): IterationColumns {
    const out = { stride: this.stride } as IterationColumns;
    const F = ITERATION_FIELDS.length;
    const n = this.rowCount;
    const d = this.rows;
    ITERATION_FIELDS.forEach((f, k) => {
      const col = new Array<number>(n);
      for (let r = 0; r < n; r++) col[r] = d[r * F + k];
      out[f] = col;
    });
    return out;
  }

  private writeRequest(
    id: number, arrivalS: number, promptTokens: number, outputTokens: number,
    admittedS: number, firstTokenS: number, finishS: number, preemptions: number,
  ): void {
    const r = this.req;
    if (!r) return;
    r.arrivalS.set(id, arrivalS);
    r.promptTokens.set(id, promptTokens);
    r.outputTokens.set(id, outputTokens);
    r.admittedS.set(id, admittedS);
    r.firstTokenS.set(id, firstTokenS);
    r.finishS.set(id, finishS);
    r.preemptions.set(id, preemptions);
  }
}
