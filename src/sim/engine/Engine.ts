import { KvsimError, expected } from '../../errors.js';
import { emptyAggregate } from '../cost/IterationAggregate.js';
import { aggregatePlan } from '../cost/aggregatePlan.js';
import type { MemoryPolicy, MemorySnapshot } from '../memory/MemoryPolicy.js';
import { MetricsRecorder } from '../metrics/MetricsRecorder.js';
import type { IterationRecord } from '../metrics/MetricsRecorder.js';
import type { Scheduler } from '../scheduler/Scheduler.js';
import type { DropReason, SchedulerContext } from '../scheduler/SchedulerContext.js';
import type { RequestSpec } from '../trace/RequestSpec.js';
import { BatchPlan } from '../plan/BatchPlan.js';
import { EventKind } from './EventKind.js';
import { EventQueue } from './EventQueue.js';
import type { Executor, IterationCost } from './Executor.js';
import type { IterationObserver } from './IterationObserver.js';
import type { RequestStream } from './RequestStream.js';
import { RequestState, RequestTable } from '../plan/RequestTable.js';
import { SimClock } from './SimClock.js';
import { isAggregateExecutor } from './SimExecutor.js';
import { SlotList } from '../plan/SlotList.js';
import { PrefixKeys } from '../memory/PrefixKeys.js';
import { emptyIterationCost } from '../cost/CostModel.js';
import { growFloat64 } from './growFloat64.js';
import { type EngineOptions, resolveEngineOptions, type ResolvedEngineOptions } from './EngineOptions.js';

/** Largest prompt + output of one request the engine accepts (token counts are stored as int32). */
export const MAX_REQUEST_TOKENS = 2 ** 31 - 1;

/**
 * The discrete-event loop. Events: request arrivals (streamed from the trace, one pending at a time)
 * and iteration ends. Whenever the executor is idle after all events of an instant are handled, the
 * scheduler plans the next iteration, the executor prices it, and its end is scheduled.
 *
 * Skip-ahead: when the scheduler marks a decode-only plan steady (nothing it decided can change until
 * memory is freed or a request arrives), the engine prices the following identical decode iterations
 * from sums alone — stopping at the first completion, page/block boundary (policy.tokenCapacity) or
 * arrival — and applies their effects at once. Every float it produces is computed by the same
 * operations as single-stepping, so results are bit-identical (test/sim/engine proves it).
 *
 * One Engine runs one simulation; it holds all its state (no globals), so simulations never interfere.
 */
export class Engine implements SchedulerContext {
  readonly table = new RequestTable();
  readonly waiting = new SlotList();
  readonly running = new SlotList();
  readonly plan = new BatchPlan();
  readonly recorder: MetricsRecorder;
  private readonly clock = new SimClock();
  private readonly queue = new EventQueue();
  private readonly options: ResolvedEngineOptions;
  private readonly observer: IterationObserver | undefined;
  private readonly canSkip: boolean;
  private readonly cost: IterationCost = emptyIterationCost();
  private readonly agg = emptyAggregate();
  private readonly snap: MemorySnapshot;
  private readonly snapK: MemorySnapshot;
  private readonly rec: IterationRecord;
  /** Iterations advanced by skip-ahead rather than planned one by one (for tests and benchmarks). */
  skippedIterations = 0;
  private steady = false;
  private preempted = false;
  private iterationIndex = 0;
  /** End times of the iterations of the current block (index 1..k); [1] is the first iteration's end. */
  private blockEnds = new Float64Array(64);
  private blockLength = 1;
  private opsSeen = 0;
  private allocTimeSeen = 0;
  private aheadOpsSeen = 0;
  private aheadTimeSeen = 0;
  private lastArrivalS = Number.NEGATIVE_INFINITY;
  private lastArrivalId = -1;
  /** Content keys per request slot, when the policy caches prefixes. */
  private readonly keys: (PrefixKeys | undefined)[] = [];
  private readonly caching: boolean;
  /** Requests preempted or dropped so far (the planning loop's progress measure). */
  private removals = 0;
  /** Cached tokens reused by this step's admissions (recorded with the iteration). */
  private hitTokensThisStep = 0;

  constructor(
    readonly policy: MemoryPolicy,
    readonly scheduler: Scheduler,
    readonly executor: Executor,
    options: EngineOptions = {},
  ) {
    this.options = resolveEngineOptions(options);
    this.observer = options.observer;
    this.recorder = new MetricsRecorder(options.metrics);
    this.caching = typeof policy.prefixHitTokens === 'function';
    this.canSkip = this.options.skipAhead && !this.observer && isAggregateExecutor(executor);
    this.opsSeen = policy.stats.allocOps + policy.stats.freeOps;
    this.allocTimeSeen = policy.stats.allocTimeS;
    this.aheadOpsSeen = policy.stats.aheadAllocOps ?? 0;
    this.aheadTimeSeen = policy.stats.aheadAllocTimeS ?? 0;
    this.snap = policy.snapshot();
    this.snapK = policy.snapshot();
    this.rec = {
      startS: 0, durationS: 0, batchSize: 0, prefillTokens: 0, decodeTokens: 0, queueLength: 0,
      concurrentRequests: 0, allocOps: 0, stallS: 0, prefixHitTokens: 0, terms: this.cost.terms,
    };
  }

  get preemptedThisStep(): boolean {
    return this.preempted;
  }

  get nowS(): number {
    return this.clock.nowS;
  }

  /** Replays the stream to the end. */
  async run(stream: RequestStream): Promise<MetricsRecorder> {
    const iterator = stream.chunks()[Symbol.asyncIterator]();
    let chunk: readonly RequestSpec[] = [];
    let ci = 0;
    let done = false;
    const refill = async (): Promise<RequestSpec | undefined> => {
      while (ci >= chunk.length) {
        if (done) return undefined;
        const r = await iterator.next();
        if (r.done) {
          done = true;
          return undefined;
        }
        chunk = r.value;
        ci = 0;
      }
      return chunk[ci++];
    };
    let pending = ci < chunk.length ? chunk[ci++] : await refill();
    if (pending) this.pushArrival(pending);
    const ev = { timeS: 0, kind: 0, payload: 0 };
    let busy = false;
    const progressEvery = this.options.progressEveryIterations;
    let nextProgress = progressEvery;
    while (this.queue.pop(ev)) {
      this.clock.advanceTo(ev.timeS);
      if (ev.kind === EventKind.IterationEnd) {
        this.finishIteration();
        busy = false;
      } else {
        this.arrive(pending!);
        pending = ci < chunk.length ? chunk[ci++] : await refill();
        if (pending) this.pushArrival(pending);
      }
      // Handle every event of this instant before planning (deterministic same-time order).
      if (this.queue.peekTimeS() === this.clock.nowS) continue;
      if (!busy) busy = this.startIteration();
      if (this.iterationIndex >= nextProgress) {
        nextProgress = this.iterationIndex + progressEvery;
        this.options.onProgress?.(this.recorder.completed + this.recorder.dropped, this.clock.nowS);
      }
    }
    if (this.running.length > 0 || this.waiting.length > 0) {
      throw new KvsimError('ENGINE_STUCK', `Engine: event queue empty with ${this.running.length} running and ${this.waiting.length} waiting requests`);
    }
    this.options.onProgress?.(this.recorder.completed + this.recorder.dropped, this.clock.nowS);
    if (this.policy.prefixStats) this.recorder.prefixCache = { ...this.policy.prefixStats };
    return this.recorder;
  }

  private pushArrival(r: RequestSpec): void {
    if (!(r.arrivalS >= this.lastArrivalS) || !Number.isFinite(r.arrivalS)) {
      throw expected(`arrival times in non-decreasing order (after ${this.lastArrivalS} s)`, `arrivalS of request ${r.id}`, r.arrivalS);
    }
    if (!(Number.isInteger(r.id) && r.id > this.lastArrivalId)) {
      throw expected(`an integer id greater than ${this.lastArrivalId}`, 'request id', r.id);
    }
    if (!(Number.isInteger(r.promptTokens) && r.promptTokens >= 1)) throw expected('an integer >= 1', `promptTokens of request ${r.id}`, r.promptTokens);
    if (!(Number.isInteger(r.outputTokens) && r.outputTokens >= 1)) throw expected('an integer >= 1', `outputTokens of request ${r.id}`, r.outputTokens);
    // The request table stores token counts in Int32Arrays: refuse what would wrap, never store it.
    if (r.promptTokens + r.outputTokens > MAX_REQUEST_TOKENS) {
      throw expected(`promptTokens + outputTokens <= ${MAX_REQUEST_TOKENS}`, `request ${r.id}`, r.promptTokens + r.outputTokens);
    }
    this.lastArrivalS = r.arrivalS;
    this.lastArrivalId = r.id;
    this.queue.push(r.arrivalS, EventKind.Arrival);
  }

  private arrive(r: RequestSpec): void {
    this.recorder.onArrival(r.arrivalS);
    // As vLLM's frontend does (InputProcessor._validate_prompt_len; api_utils.get_max_tokens clamps
    // max_tokens to max_model_len - prompt; the scheduler's check_stop ends a request at num_tokens >=
    // max_model_len): a prompt of max_model_len tokens or more is refused, a longer output is cut.
    const maxLen = this.policy.maxTokensPerRequest;
    let output = r.outputTokens;
    if (r.promptTokens < maxLen && r.promptTokens + output > maxLen) {
      output = maxLen - r.promptTokens;
      this.recorder.lengthCapped++;
    }
    const s = this.table.add(r.id, r.arrivalS, r.promptTokens, output);
    if (this.caching) this.keys[s] = new PrefixKeys(r.id, r.prefixBlockIds, r.prefixBlockTokens ?? 0, r.promptTokens);
    if (r.promptTokens >= maxLen) {
      this.dropSlot(s, 'too-long');
      return;
    }
    // The request's KV peaks at prompt + output - 1 tokens (the last token is never fed back).
    const peak = r.promptTokens + output - 1;
    if (peak > (this.policy.maxTokensInPool ?? Number.POSITIVE_INFINITY)) {
      this.dropSlot(s, 'no-memory');
      return;
    }
    this.waiting.pushBack(s);
  }

  // ---- planning -------------------------------------------------------------------------------

  /** Plans, prices and schedules the end of the next iteration; false when there is nothing to run. */
  private startIteration(): boolean {
    const plan = this.plan;
    const bound = this.running.length + this.waiting.length + 1;
    let forced = 0;
    for (;;) {
      if (this.running.length === 0 && this.waiting.length === 0) return false;
      plan.clear();
      plan.index = this.iterationIndex;
      plan.startS = this.clock.nowS;
      this.steady = false;
      this.preempted = false;
      const removedBefore = this.removals;
      this.scheduler.schedule(this);
      if (plan.batchSize > 0) break;
      // Liveness: every pass of this loop either plans a batch or takes a request out of memory or out
      // of the system, so it ends within (running + waiting) passes. If the scheduler itself dropped or
      // preempted someone, re-plan with what is left before forcing anything.
      if (this.removals !== removedBefore) continue;
      if (++forced > bound) {
        throw new KvsimError('ENGINE_NO_PROGRESS', `Engine: ${this.scheduler.label} planned nothing ${forced} times with ${this.running.length} running and ${this.waiting.length} waiting requests (a scheduler bug: please report it)`);
      }
      // Nothing could run: free the way. A running request is preempted (newest first); with nothing
      // running, the front waiting request cannot be served even by an empty memory: drop it.
      if (this.running.length > 0) this.preempt(this.running.at(this.running.length - 1));
      else this.dropSlot(this.waiting.popFront(), 'no-memory');
    }
    // Background memory work for the planned iteration (vAttention's step_async thread), priced with it.
    this.policy.endPlan?.();
    // Allocation work since the last plan: this plan's admissions and growth, and the releases of
    // the requests that finished at the end of the previous iteration (e.g. vAttention unmaps).
    // Read stats afresh: a policy may compute them on access (HybridPolicy sums its parts).
    const stats = this.policy.stats;
    const ops = stats.allocOps + stats.freeOps;
    plan.allocOps = ops - this.opsSeen;
    plan.allocTimeS = stats.allocTimeS - this.allocTimeSeen;
    this.opsSeen = ops;
    this.allocTimeSeen = stats.allocTimeS;
    const aheadOps = stats.aheadAllocOps ?? 0;
    const aheadTime = stats.aheadAllocTimeS ?? 0;
    plan.aheadAllocOps = aheadOps - this.aheadOpsSeen;
    plan.aheadAllocTimeS = aheadTime - this.aheadTimeSeen;
    this.aheadOpsSeen = aheadOps;
    this.aheadTimeSeen = aheadTime;
    if (this.executor.kind === 'gpu') plan.memoryOps = this.policy.takeOps();

    const cost = this.price();
    const startS = this.clock.nowS;
    let endS = startS + cost.durationS;
    this.policy.snapshot(this.snap);
    this.record(plan.batchSize, plan, startS, cost, this.snap);
    this.observer?.onIteration(plan, cost, this.snap, endS);
    this.iterationIndex++;
    this.blockLength = 1;
    this.blockEnds[1] = endS;
    if (this.canSkip && this.steady && !this.preempted) endS = this.skipAhead(endS);
    this.queue.push(endS, EventKind.IterationEnd);
    return true;
  }

  private price(): IterationCost {
    const e = this.executor;
    aggregatePlan(this.plan, this.agg);
    if (isAggregateExecutor(e)) return e.executeAggregate(this.agg, this.cost);
    const c = e.execute(this.plan);
    const out = this.cost;
    out.durationS = c.durationS;
    out.stallS = c.stallS;
    Object.assign(out.terms, c.terms);
    return out;
  }

  private record(batchSize: number, plan: BatchPlan, startS: number, cost: IterationCost, mem: MemorySnapshot): void {
    const r = this.rec;
    r.startS = startS;
    r.durationS = cost.durationS;
    r.batchSize = batchSize;
    r.prefillTokens = this.agg.prefillTokens;
    r.decodeTokens = this.agg.decodeTokens;
    r.queueLength = this.waiting.length;
    r.concurrentRequests = this.running.length;
    r.allocOps = plan.allocOps;
    r.stallS = cost.stallS;
    r.prefixHitTokens = this.hitTokensThisStep;
    this.hitTokensThisStep = 0;
    this.recorder.onIteration(r, mem);
  }

  /**
   * Extends a steady decode iteration (already planned, priced and recorded) with the identical
   * decode iterations that follow it, and returns the end time of the last one. Each of them does
   * exactly what the scheduler would do — grow every request by one token, in batch order — and
   * takes an exact memory snapshot, but skips planning, the plan arrays and the event queue. It stops
   * before an iteration in which a request would finish early (after its last token), before the
   * first iteration planned at or after the next arrival, and before any iteration in which a request
   * cannot grow (that one goes through the scheduler, which preempts). Growth that allocates is fine:
   * it only lowers free memory, so the admission the scheduler just refused stays refused.
   */
  private skipAhead(firstEndS: number): number {
    const plan = this.plan;
    const t = this.table;
    const B = plan.batchSize;
    let kMax = Number.MAX_SAFE_INTEGER;
    for (let i = 0; i < B; i++) {
      const s = plan.slots[i];
      const remaining = t.outputTokens[s] - t.generated[s];
      if (remaining < kMax) kMax = remaining;
    }
    const nextArrivalS = this.queue.peekTimeS();
    const agg = this.agg;
    const s1 = agg.decodeKvTokens;
    const exec = this.executor as unknown as { executeAggregate(a: typeof agg, o: IterationCost): IterationCost };
    const mem = this.snapK;
    let k = 1;
    let endS = firstEndS;
    while (k < kMax && nextArrivalS > endS) {
      if (!this.growBatch(k + 1)) break;
      this.policy.endPlan?.();
      k++;
      const stats = this.policy.stats;
      const ops = stats.allocOps + stats.freeOps;
      agg.allocOps = ops - this.opsSeen;
      agg.allocTimeS = stats.allocTimeS - this.allocTimeSeen;
      this.opsSeen = ops;
      this.allocTimeSeen = stats.allocTimeS;
      const aheadOps = stats.aheadAllocOps ?? 0;
      const aheadTime = stats.aheadAllocTimeS ?? 0;
      agg.aheadAllocOps = aheadOps - this.aheadOpsSeen;
      agg.aheadAllocTimeS = aheadTime - this.aheadTimeSeen;
      this.aheadOpsSeen = aheadOps;
      this.aheadTimeSeen = aheadTime;
      agg.decodeKvTokens = s1 + (k - 1) * B;
      const cost = exec.executeAggregate(agg, this.cost);
      this.policy.snapshot(mem);
      plan.allocOps = agg.allocOps;
      this.record(B, plan, endS, cost, mem);
      this.iterationIndex++;
      endS = endS + cost.durationS;
      if (k >= this.blockEnds.length) this.blockEnds = growFloat64(this.blockEnds, k + 1);
      this.blockEnds[k] = endS;
    }
    for (let i = 0; i < B; i++) t.kvTokens[plan.slots[i]] = plan.contextTokens[i] + k;
    this.blockLength = k;
    this.skippedIterations += k - 1;
    return endS;
  }

  /**
   * Grows every request of the decode batch to its context before the block + `k` tokens, in batch
   * order (the scheduler's order). False at the first that cannot grow (those before it keep their
   * growth, as they would under the scheduler, which grows them first and then preempts).
   */
  private growBatch(k: number): boolean {
    const plan = this.plan;
    const ids = plan.requestIds;
    const ctx = plan.contextTokens;
    for (let i = 0; i < plan.batchSize; i++) if (!this.policy.grow(ids[i], ctx[i] + k)) return false;
    return true;
  }

  // ---- iteration end ---------------------------------------------------------------------------

  private finishIteration(): void {
    const plan = this.plan;
    const t = this.table;
    const rec = this.recorder;
    const k = this.blockLength;
    const endS = this.blockEnds[k];
    const firstEndS = this.blockEnds[1];
    let finished = 0;
    let runGap = Number.NaN;
    let runCount = 0;
    for (let i = 0; i < plan.batchSize; i++) {
      const s = plan.slots[i];
      let emits = plan.decodeTokens[i] > 0;
      const chunk = plan.prefillTokens[i];
      if (chunk > 0) {
        t.prefilled[s] += chunk;
        if (t.prefilled[s] === t.prefillTarget[s]) emits = true;
      }
      if (!emits) continue;
      if (t.generated[s] === 0) {
        t.firstTokenS[s] = firstEndS;
      } else {
        // Runs of equal gaps go in as one weighted sample: the same sums single-stepping or skipping.
        const gap = firstEndS - t.lastTokenS[s];
        if (gap !== runGap) {
          if (runCount > 0) rec.onTokenGap(runGap, runCount);
          runGap = gap;
          runCount = 0;
        }
        runCount++;
      }
      t.generated[s]++;
      t.lastTokenS[s] = firstEndS;
      this.observer?.onToken?.(t.id[s], firstEndS);
    }
    if (runCount > 0) rec.onTokenGap(runGap, runCount);
    if (k > 1) {
      const B = plan.batchSize;
      for (let j = 2; j <= k; j++) rec.onTokenGap(this.blockEnds[j] - this.blockEnds[j - 1], B);
      for (let i = 0; i < B; i++) {
        const s = plan.slots[i];
        t.generated[s] += k - 1;
        t.lastTokenS[s] = endS;
      }
    }
    for (let i = 0; i < plan.batchSize; i++) {
      const s = plan.slots[i];
      if (t.generated[s] !== t.outputTokens[s]) continue;
      this.policy.release(t.id[s]);
      t.state[s] = RequestState.Free;
      finished++;
      rec.onFinish(t.id[s], t.arrivalS[s], t.promptTokens[s], t.outputTokens[s], t.admittedS[s], t.firstTokenS[s], endS, t.preemptions[s]);
      this.observer?.onFinish?.(t.id[s], endS);
    }
    if (finished > 0) {
      this.running.filter((s) => t.state[s] !== RequestState.Free);
      for (let i = 0; i < plan.batchSize; i++) {
        const s = plan.slots[i];
        if (t.state[s] === RequestState.Free) t.remove(s);
      }
    }
    plan.clear();
  }

  // ---- SchedulerContext -----------------------------------------------------------------------

  prefixHitTokens(slot: number): number {
    const keys = this.keys[slot];
    if (!keys) return 0;
    keys.contentTokens = this.table.prefillTarget[slot];
    return this.policy.prefixHitTokens!(keys, keys.contentTokens);
  }

  admit(slot: number, tokens: number, checkTokens = tokens): boolean {
    const t = this.table;
    const keys = this.keys[slot];
    let hit = 0;
    if (keys) {
      keys.contentTokens = t.prefillTarget[slot];
      keys.resumed = t.preemptions[slot] > 0;
      hit = this.policy.prefixHitTokens!(keys, keys.contentTokens);
    }
    // vLLM V1 applies an admission watermark only while some request runs (allocate_slots:
    // has_scheduled_reqs=bool(self.running)); V0's block manager always does.
    const watermark = this.scheduler.kind !== 'vllm' || this.running.length > 0;
    if (!this.policy.canAdmit(checkTokens, keys, watermark) || !this.policy.admit(t.id[slot], tokens, keys, watermark)) {
      if (t.refused[slot] === 0) {
        t.refused[slot] = 1;
        this.recorder.refused++;
      }
      return false;
    }
    if (this.waiting.length > 0 && this.waiting.at(0) === slot) this.waiting.popFront();
    else this.waiting.remove(slot);
    t.state[slot] = RequestState.Running;
    t.kvTokens[slot] = tokens;
    // Cached tokens are not computed again: the prefill starts after them (attention reads them).
    t.prefilled[slot] = hit;
    if (hit > 0) this.hitTokensThisStep += hit;
    if (Number.isNaN(t.admittedS[slot])) t.admittedS[slot] = this.clock.nowS;
    this.running.pushBack(slot);
    return true;
  }

  growOrPreempt(slot: number, totalTokens: number, preemptSelf: boolean): boolean {
    const t = this.table;
    const id = t.id[slot];
    while (!this.policy.grow(id, totalTokens)) {
      let victim = -1;
      for (let i = this.running.length - 1; i >= 0; i--) {
        const v = this.running.at(i);
        if (v !== slot && t.batchStamp[v] !== this.iterationIndex) {
          victim = v;
          break;
        }
      }
      if (victim >= 0) {
        this.preempt(victim);
        continue;
      }
      // Alone (or among requests already batched) and still no room.
      if (this.running.length === 1) this.dropSlot(slot, 'no-memory');
      else if (preemptSelf) this.preempt(slot);
      return false;
    }
    t.kvTokens[slot] = totalTokens;
    return true;
  }

  growOrPreemptV1(slot: number, totalTokens: number, policy: 'fcfs' | 'priority'): number {
    const t = this.table;
    const id = t.id[slot];
    let given = 0;
    while (!this.policy.grow(id, totalTokens)) {
      let victim: number;
      if (policy === 'fcfs') {
        victim = this.running.at(this.running.length - 1);
      } else {
        // max(running, key=(priority, arrival_time)): equal priorities, the latest arrival.
        victim = this.running.at(0);
        for (let i = 1; i < this.running.length; i++) {
          const v = this.running.at(i);
          // Requests of one trace instant arrive in id order (vLLM stamps each on arrival).
          if (t.arrivalS[v] > t.arrivalS[victim] || (t.arrivalS[v] === t.arrivalS[victim] && t.id[v] > t.id[victim])) victim = v;
        }
      }
      if (victim === slot) {
        // Alone and still no room: it can never fit (vLLM refuses such a configuration at start-up).
        if (this.running.length === 1) this.dropSlot(slot, 'no-memory');
        else this.preempt(slot);
        return -1;
      }
      if (t.batchStamp[victim] === this.iterationIndex) given += this.plan.removeSlot(victim);
      this.preempt(victim);
    }
    t.kvTokens[slot] = totalTokens;
    return given;
  }

  addPrefill(slot: number, tokens: number): void {
    const t = this.table;
    this.plan.add(slot, t.id[slot], tokens, 0, t.prefilled[slot]);
    t.batchStamp[slot] = this.iterationIndex;
  }

  addDecode(slot: number): void {
    const t = this.table;
    this.plan.add(slot, t.id[slot], 0, 1, t.kvTokens[slot] - 1);
    t.batchStamp[slot] = this.iterationIndex;
  }

  inBatch(slot: number): boolean {
    return this.table.batchStamp[slot] === this.iterationIndex;
  }

  drop(slot: number, reason: DropReason): void {
    if (this.table.state[slot] !== RequestState.Waiting) {
      throw new KvsimError('SCHEDULER_MISUSE', `${this.scheduler.label}: drop() of a request that is not waiting`);
    }
    this.waiting.remove(slot);
    this.dropSlot(slot, reason);
  }

  markSteady(): void {
    this.steady = true;
  }

  /** Preemption by recompute: free the request's memory, requeue it at the front to prefill prompt + output so far. */
  private preempt(slot: number): void {
    const t = this.table;
    this.policy.release(t.id[slot]);
    t.prefillTarget[slot] = t.promptTokens[slot] + t.generated[slot];
    t.prefilled[slot] = 0;
    t.kvTokens[slot] = 0;
    t.preemptions[slot]++;
    t.batchStamp[slot] = -1;
    t.state[slot] = RequestState.Waiting;
    this.running.remove(slot);
    this.waiting.pushFront(slot);
    this.recorder.preemptions++;
    this.removals++;
    this.preempted = true;
    this.observer?.onPreempt?.(t.id[slot], this.clock.nowS);
  }

  /** Removes a request for good, releasing its memory when it is running. */
  private dropSlot(slot: number, reason: DropReason): void {
    const t = this.table;
    this.removals++;
    if (t.state[slot] === RequestState.Running) {
      this.policy.release(t.id[slot]);
      this.running.remove(slot);
      this.preempted = true;
    }
    this.recorder.onDrop(t.id[slot], t.arrivalS[slot], t.promptTokens[slot], t.outputTokens[slot], t.preemptions[slot], reason);
    this.observer?.onDrop?.(t.id[slot], reason);
    t.remove(slot);
  }
}
