import { expected, InvalidOptionError } from '../errors.js';
import { aggregatePlan } from '../sim/cost/aggregatePlan.js';
import { emptyIterationCost, type CostModel } from '../sim/cost/CostModel.js';
import { emptyAggregate, type IterationAggregate } from '../sim/cost/IterationAggregate.js';
import type { Executor, IterationCost, IterationPlan } from '../sim/engine/Executor.js';
import type { HybridPolicy } from '../sim/memory/HybridPolicy.js';
import type { MemoryOp, MemoryPolicy } from '../sim/memory/MemoryPolicy.js';
import type { PagedPolicy } from '../sim/memory/PagedPolicy.js';
import type { RecurrentStatePolicy } from '../sim/memory/RecurrentStatePolicy.js';
import type { StaticPolicy } from '../sim/memory/StaticPolicy.js';
import type { VAttentionPolicy } from '../sim/memory/VAttentionPolicy.js';
import { attentionLayers, kvBytesPerTokenPerLayer } from '../sim/model/derived.js';
import type { ModelSpec } from '../sim/model/ModelSpec.js';
import { BlockPool } from './BlockPool.js';
import { GpuModel, type GpuKvCache } from './GpuModel.js';
import { MemoryEnactor } from './MemoryEnactor.js';
import { splitPageOps, type SplitPageOps } from './splitPageOps.js';
import type { NativeBinding, NativeDeviceInfo } from './NativeBinding.js';
import { VmmArena } from './VmmArena.js';

const MiB = 1024 * 1024;

export interface GpuExecutorOptions {
  /** The policy the scheduler uses, built with `recordOps: true` so its operations can be enacted. */
  policy: MemoryPolicy;
  model: ModelSpec;
  tp: number;
  /** Largest batch the scheduler forms (its maxNumSeqs). */
  maxBatch: number;
  /** Largest token count of one iteration (the scheduler's maxNumBatchedTokens or token budget). */
  maxTokens: number;
  /** Prices the same plans for validation: (predicted, measured) pairs are kept in `pairs`. */
  predictor?: CostModel;
  /** @defaultValue 0 */
  device?: number;
  /** @defaultValue 1 */
  seed?: number;
  /**
   * Decode-only iterations as CUDA graphs padded to vLLM's capture sizes (GpuModelOptions.cudaGraphs).
   * The KV-cache then holds one slot (contiguous: page 0 mapped) or one block more than the policy's,
   * owned by no request, which the padding rows write. @defaultValue false
   */
  cudaGraphs?: boolean;
}

/**
 * Runs each iteration plan on the GPU: enacts the policy's memory operations for real (VMM pages in a
 * VmmArena, blocks and block tables in a BlockPool, state slots), then runs the synthetic model over
 * the batch and measures the iteration. Duration = host wall time of the mapping work plus the
 * iteration (staging, launches, GPU work to completion), as a serving engine would see it.
 *
 * vAttention, overlapped (vattention.cu step_async): the previous iteration's background page work is
 * waited for, what this iteration reads is mapped (and reclaimed for) synchronously, then the policy's
 * background step (VAttentionPolicy.endPlan: reclaim + look-ahead maps, in order) goes to the arena's
 * mapping thread and runs while the kernels compute ({@link splitPageOps}). Synchronous mapping and
 * every other policy enact all page work before the kernels.
 */
export class GpuExecutor implements Executor {
  readonly kind = 'gpu' as const;
  readonly label: string;
  /**
   * Predicted vs measured seconds of each iteration (when a predictor was given), with the iteration's
   * aggregate and measured mapping stall, so a cost model can be re-evaluated offline on the same plans.
   */
  readonly pairs: GpuIterationPairs = emptyPairs();
  readonly enactor: MemoryEnactor;
  readonly model: GpuModel;
  private readonly arena: VmmArena | undefined;
  private readonly pool: BlockPool | undefined;
  private readonly o: GpuExecutorOptions;
  private readonly stateSlotOf = new Map<number, number>();
  private readonly maxBlocksPerSeq: number;
  /** The vAttention policy whose page groups the arena enacts (undefined for other policies). */
  private readonly vattention: VAttentionPolicy | undefined;
  private readonly tokensAfter = new Map<number, number>();
  private readonly agg = emptyAggregate();
  private readonly predicted = emptyIterationCost();
  private readonly rows: { prefill: Int32Array; decode: Int32Array; context: Int32Array; kvSlot: Int32Array; stateSlot: Int32Array; blockTable: Int32Array };

  constructor(binding: NativeBinding, info: NativeDeviceInfo, o: GpuExecutorOptions) {
    this.o = o;
    const device = o.device ?? 0;
    const kvPart = kvPolicyOf(o.policy);
    const statePart = statePolicyOf(o.policy);
    const attn = attentionLayers(o.model);
    const tokenBytes = attn.length > 0 ? kvBytesPerTokenPerLayer(attn[0], o.tp) : 0;
    const maxContext = o.policy.maxTokensPerRequest === Number.POSITIVE_INFINITY ? o.model.maxContextTokens : o.policy.maxTokensPerRequest;
    let kv: GpuKvCache = { layout: 'none' };
    this.maxBlocksPerSeq = 0;
    if (o.cudaGraphs !== undefined && typeof o.cudaGraphs !== 'boolean') throw expected('true or false', 'GpuExecutor: cudaGraphs', o.cudaGraphs);
    // One KV slot or block past the policy's for CUDA-graph padding rows (vLLM skips their writes,
    // PAD_SLOT_ID; the glue kernel here cannot, see native/gpuModelCore.cc Padded).
    const pad = o.cudaGraphs ? 1 : 0;
    this.vattention = kvPart?.kind === 'vattention' ? (kvPart as VAttentionPolicy) : undefined;
    if (kvPart?.kind === 'vattention') {
      const p = kvPart as VAttentionPolicy;
      const layout = { buffers: p.buffers, maxBatch: p.maxBatch + pad, slotBytesPerBuffer: p.slotBytesPerBuffer, pageSizeBytes: p.pageSizeBytes, poolGroups: p.poolGroups + pad };
      this.arena = VmmArena.forLayout(binding, pad ? layout : p, { device }, info.freeMemoryBytes);
      kv = vattentionKv(p, this.arena, tokenBytes);
      if (pad) {
        this.arena.mapPages(p.maxBatch, 0, 1);
        kv = { ...(kv as Extract<GpuKvCache, { layout: 'contiguous' }>), padSlot: p.maxBatch };
      }
    } else if (kvPart?.kind === 'static') {
      // Static reservation: every slot's whole maxContext mapped once, up front (what cudaMalloc'ing
      // maxBatch x maxContext does), through the same arena so the layout matches vAttention's.
      const p = kvPart as StaticPolicy;
      const slotBytes = Math.ceil((maxContext * tokenBytes) / (2 * MiB)) * 2 * MiB;
      const pagesPerSlot = slotBytes / (2 * MiB);
      this.arena = new VmmArena(binding, { device, buffers: 2 * attn.length, slots: p.numSlots + pad, slotBytes, pageSizeBytes: 2 * MiB, poolPages: (p.numSlots * pagesPerSlot + pad) * 2 * attn.length, backgroundThread: false }, info.freeMemoryBytes);
      for (let s = 0; s < p.numSlots; s++) this.arena.mapPages(s, 0, pagesPerSlot);
      if (pad) this.arena.mapPages(p.numSlots, 0, 1);
      kv = { layout: 'contiguous', ...bases(attn.length, (b) => this.arena!.bufferAddress(b)), slotStrideBytes: slotBytes, ...(pad ? { padSlot: p.numSlots } : {}) };
    } else if (kvPart?.kind === 'paged') {
      const p = kvPart as PagedPolicy;
      this.maxBlocksPerSeq = Math.ceil(maxContext / p.blockSizeTokens);
      this.pool = new BlockPool(binding, { device, layers: attn.length, blocks: p.numBlocks + pad, blockBytes: p.blockSizeTokens * tokenBytes, maxSeqs: o.maxBatch, maxBlocksPerSeq: this.maxBlocksPerSeq }, info.freeMemoryBytes);
      const pool = this.pool;
      kv = { layout: 'paged', kBase: attn.map((_, l) => pool.blockAddress(l, 0, 0)), vBase: attn.map((_, l) => pool.blockAddress(l, 1, 0)), maxBlocksPerSeq: this.maxBlocksPerSeq, blockSizeTokens: p.blockSizeTokens, ...(pad ? { padBlock: p.numBlocks } : {}) };
    }
    const mapping = o.policy.allocationMode === 'overlapped' ? 'overlapped' : 'sync';
    this.enactor = new MemoryEnactor({ arena: this.arena, pool: this.pool, mapping });
    this.model = new GpuModel(binding, {
      model: o.model,
      tp: o.tp,
      maxTokens: o.maxTokens,
      maxBatch: o.maxBatch,
      maxContext,
      kv,
      stateSlots: statePart ? (statePart as RecurrentStatePolicy).numSlots : 0,
      seed: o.seed,
      device,
      ...(o.cudaGraphs ? { cudaGraphs: true } : {}),
    });
    if (o.cudaGraphs) this.pairs.graphRows = [];
    // One-time library start-up (cuBLAS loads its kernels on first use) belongs to no iteration.
    this.model.time('lmHead', { rows: 1, reps: 1 });
    const n = o.maxBatch;
    this.rows = {
      prefill: new Int32Array(n),
      decode: new Int32Array(n),
      context: new Int32Array(n),
      kvSlot: new Int32Array(n),
      stateSlot: new Int32Array(n),
      blockTable: new Int32Array(n * Math.max(1, this.maxBlocksPerSeq)),
    };
    this.label = `gpu(${info.name}, ${o.policy.label}${o.cudaGraphs ? ', CUDA graphs for decode' : ''})`;
  }

  execute(plan: IterationPlan): IterationCost {
    const ops = plan.memoryOps;
    for (const op of ops) {
      if (op.op === 'assignSlot' && op.part === 'state') this.stateSlotOf.set(op.requestId, op.slot);
      else if (op.op === 'freeSlot' && op.part === 'state') this.stateSlotOf.delete(op.requestId);
    }
    // The previous iteration's background page work must be done before these kernels run
    // (wait_kvcache_manager_sync): waiting for it is the part of overlapped mapping compute did not hide.
    const t0 = performance.now();
    this.enactor.finishIteration();
    const { now, background } = this.splitOps(plan);
    this.enactor.enactOps(now);
    this.enactor.finishIteration();
    const mapS = (performance.now() - t0) / 1e3;
    // The background step (reclaim, then look-ahead maps) runs on the mapping thread while the
    // kernels compute; it only unmaps pages no row of this iteration reads (reclaim cuts to need).
    if (background.length > 0) this.enactor.enactOps(background);

    const n = plan.batchSize;
    if (n > this.o.maxBatch) throw new InvalidOptionError(`GpuExecutor: a batch of ${n} exceeds maxBatch=${this.o.maxBatch}`);
    const r = this.rows;
    const width = this.maxBlocksPerSeq;
    const table = this.pool ? this.enactor.blockTable().table : undefined;
    for (let i = 0; i < n; i++) {
      const id = plan.requestIds[i];
      r.prefill[i] = plan.prefillTokens[i];
      r.decode[i] = plan.decodeTokens[i];
      r.context[i] = plan.contextTokens[i];
      const slot = this.enactor.slotOf(id);
      r.kvSlot[i] = slot;
      r.stateSlot[i] = this.stateSlotOf.get(id) ?? -1;
      if (table && width > 0) r.blockTable.set(table.subarray(slot * width, (slot + 1) * width), i * width);
    }
    const measured = this.model.run({
      prefill: r.prefill.subarray(0, n),
      decode: r.decode.subarray(0, n),
      context: r.context.subarray(0, n),
      kvSlot: r.kvSlot.subarray(0, n),
      stateSlot: r.stateSlot.subarray(0, n),
      blockTable: table ? r.blockTable.subarray(0, n * width) : undefined,
    });
    if (this.o.cudaGraphs && measured.graph === undefined) throw new InvalidOptionError('GpuExecutor: cudaGraphs is on but this build of the native addon does not report graph use (rebuild with `npm run build:native`)');
    const durationS = mapS + measured.hostS;
    if (this.o.predictor) {
      this.o.predictor.iterationCost(aggregatePlan(plan, this.agg), this.predicted);
      this.pairs.simS.push(this.predicted.durationS);
      this.pairs.gpuS.push(durationS);
      recordAggregate(this.pairs, this.agg, n, mapS);
      this.pairs.simStallS.push(this.predicted.stallS);
      // 0: eager; else the capture size the decode batch was padded to.
      this.pairs.graphRows?.push(measured.graph ? (measured.paddedRows ?? n) : 0);
    }
    return {
      durationS,
      stallS: mapS,
      // The GPU executor measures the iteration as a whole; the named parts stay with the simulator.
      terms: { gemmS: 0, prefillAttentionS: 0, decodeAttentionS: 0, recurrentS: 0, commS: 0, allocationS: mapS, overheadS: measured.hostS - measured.gpuS },
    };
  }

  /** Overlapped vAttention: the plan's ops needed before the kernels, and the background rest. */
  private splitOps(plan: IterationPlan): SplitPageOps {
    const ops = plan.memoryOps as MemoryOp[];
    const p = this.vattention;
    if (this.enactor.mapping !== 'overlapped' || !p) return { now: ops, background: [] };
    const after = this.tokensAfter;
    after.clear();
    for (let i = 0; i < plan.batchSize; i++) after.set(plan.requestIds[i], plan.contextTokens[i] + plan.prefillTokens[i] + plan.decodeTokens[i]);
    return splitPageOps(ops, (id) => {
      const t = after.get(id);
      return t === undefined ? undefined : p.groupsFor(t);
    });
  }

  /** Frees every device resource (model, arena, pool). */
  destroy(): void {
    this.enactor.finishIteration();
    this.model.destroy();
    this.arena?.destroy();
    this.pool?.destroy();
  }
}

/**
 * Where each attention layer's K and V live in a vAttention arena. perLayer: buffer 2l is layer l's K,
 * 2l+1 its V, rows packed. megacache (vattention.cu init_kvcache_virtual / alloc_virtual_tensor: one K
 * and one V tensor [batch][context][layers][Hkv][D]): buffer 0 is K, 1 is V, a token's row holds every
 * layer (stride L*Hkv*D*b), and layer l starts l*Hkv*D*b into it.
 */
export function vattentionKv(p: Pick<VAttentionPolicy, 'options' | 'layers' | 'slotBytesPerBuffer' | 'tokenBytesPerBuffer'>, arena: Pick<VmmArena, 'bufferAddress'>, layerRowBytes: number): GpuKvCache {
  if (p.options.layout !== 'megacache') return { layout: 'contiguous', ...bases(p.layers, (b) => arena.bufferAddress(b)), slotStrideBytes: p.slotBytesPerBuffer };
  const k = arena.bufferAddress(0);
  const v = arena.bufferAddress(1);
  const offset = (l: number): bigint => BigInt(l * layerRowBytes);
  return {
    layout: 'contiguous',
    kBase: Array.from({ length: p.layers }, (_, l) => k + offset(l)),
    vBase: Array.from({ length: p.layers }, (_, l) => v + offset(l)),
    slotStrideBytes: p.slotBytesPerBuffer,
    tokenStrideBytes: p.tokenBytesPerBuffer,
  };
}

function bases(layers: number, addr: (buffer: number) => bigint): { kBase: bigint[]; vBase: bigint[] } {
  // Buffer 2l holds layer l's K, buffer 2l+1 its V.
  return { kBase: Array.from({ length: layers }, (_, l) => addr(2 * l)), vBase: Array.from({ length: layers }, (_, l) => addr(2 * l + 1)) };
}

function kvPolicyOf(p: MemoryPolicy): MemoryPolicy | undefined {
  if (p.kind === 'hybrid') return (p as HybridPolicy).parts.attention as MemoryPolicy;
  return p.kind === 'recurrent' ? undefined : p;
}

function statePolicyOf(p: MemoryPolicy): MemoryPolicy | undefined {
  if (p.kind === 'hybrid') return (p as HybridPolicy).parts.recurrent;
  return p.kind === 'recurrent' ? p : undefined;
}

/** Per GPU iteration: prediction, measurement, and the aggregate the prediction priced. */
export interface GpuIterationPairs {
  simS: number[];
  gpuS: number[];
  batchSize: number[];
  /** Host time spent enacting memory operations before the kernels (sync maps, waits for queued maps). */
  mapS: number[];
  /** The prediction's allocation stall (part of simS). */
  simStallS: number[];
  prefillTokens: number[];
  decodeTokens: number[];
  prefillRequests: number[];
  prefillAttentionPairs: number[];
  prefillKvTokens: number[];
  decodeKvTokens: number[];
  allocOps: number[];
  aheadAllocOps: number[];
  /** With cudaGraphs only: 0 for an eager iteration, else the capture size its decode batch was padded to. */
  graphRows?: number[];
}

export function emptyPairs(): GpuIterationPairs {
  return { simS: [], gpuS: [], batchSize: [], mapS: [], simStallS: [], prefillTokens: [], decodeTokens: [], prefillRequests: [], prefillAttentionPairs: [], prefillKvTokens: [], decodeKvTokens: [], allocOps: [], aheadAllocOps: [] };
}

function recordAggregate(p: GpuIterationPairs, a: IterationAggregate, batch: number, mapS: number): void {
  p.batchSize.push(batch);
  p.mapS.push(mapS);
  p.prefillTokens.push(a.prefillTokens);
  p.decodeTokens.push(a.decodeTokens);
  p.prefillRequests.push(a.prefillRequests);
  p.prefillAttentionPairs.push(a.prefillAttentionPairs);
  p.prefillKvTokens.push(a.prefillKvTokens);
  p.decodeKvTokens.push(a.decodeKvTokens);
  p.allocOps.push(a.allocOps);
  p.aheadAllocOps.push(a.aheadAllocOps);
}
