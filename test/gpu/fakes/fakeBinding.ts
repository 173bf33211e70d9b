import type { NativeAttentionKernelShape } from '../../../src/gpu/AttentionNative.js';
import type { NativeBinding, NativeBlockPool, NativeBlockPoolOptions, NativeDeviceInfo, NativeVmmArena, NativeVmmArenaOptions } from '../../../src/gpu/NativeBinding.js';
import type { GpuProfileOp, NativeGpuIteration, NativeGpuIterationTimes, NativeGpuModel, NativeGpuModelConfig } from '../../../src/gpu/NativeGpuModel.js';

/** One call that reached the fake native side, in order (what the GPU layer asked the device to do). */
export type FakeCall =
  | { call: 'map' | 'unmap' | 'enqueueMap' | 'enqueueUnmap'; slot: number; firstPage: number; count: number }
  | { call: 'flush' }
  | { call: 'uploadBlockTable'; rows: number; table: Int32Array }
  | { call: 'run'; iteration: { prefill: number[]; decode: number[]; context: number[]; kvSlot: number[]; stateSlot: number[]; blockTable?: number[] } }
  | { call: 'time'; op: GpuProfileOp; params: Record<string, number> }
  | { call: 'newArena'; options: NativeVmmArenaOptions }
  | { call: 'newPool'; options: NativeBlockPoolOptions }
  | { call: 'newModel'; config: NativeGpuModelConfig }
  | { call: 'destroy'; what: 'arena' | 'pool' | 'model' }
  | { call: 'attentionPrefillKernel'; shape: NativeAttentionKernelShape }
  | { call: 'xlstmMlstmPrefillAlgorithm'; algorithm: number }
  | { call: 'xlstmSlstmStepVariant' };

export interface FakeBindingOptions {
  /** Seconds the fake GpuModel.run reports for an iteration (hostS; gpuS is 90% of it). */
  iterationS?: (it: NativeGpuIteration) => number;
  /** Seconds the fake GpuModel.time reports for a profiled operation. */
  timeS?: (op: GpuProfileOp, params: Record<string, number>) => number;
  /** Leave out the GpuModel module (an addon built without the kernels). */
  withoutGpuModel?: boolean;
  /**
   * The prefill kernel attentionPrefillKernel names (kvsim_attn_prefill_kernel). Absent: the binding
   * has no attentionPrefillKernel (an addon built before it existed).
   */
  prefillKernel?: string;
  /**
   * The mLSTM prefill kernel xlstmMlstmPrefillAlgorithm names for any value (xlstm_mlstm_prefill_algorithm_name).
   * Absent: the binding has no xlstmMlstmPrefillAlgorithm (an addon built before it existed).
   */
  mlstmPrefillAlgorithm?: string;
  /**
   * The sLSTM step variant xlstmSlstmStepVariant names (xlstm_slstm_step_variant_name). Absent: the
   * binding has no xlstmSlstmStepVariant (an addon built before it existed).
   */
  slstmStepVariant?: string;
}

export interface FakeBinding {
  binding: NativeBinding;
  info: NativeDeviceInfo;
  /** Every call that reached the fake native side, in order. */
  calls: FakeCall[];
}

const GiB = 1024 ** 3;

/** An H100-like device with 80 GiB free. */
export const FAKE_DEVICE_INFO: NativeDeviceInfo = {
  device: 0,
  name: 'Fake H100 (test double)',
  pciBusId: '0000:00:00.0',
  totalMemoryBytes: 80 * GiB,
  freeMemoryBytes: 79 * GiB,
  smCount: 132,
  computeCapability: '9.0',
  l2CacheBytes: 50 * 1024 * 1024,
  driverVersion: 13000,
  runtimeVersion: 13000,
  vmmSupported: true,
  vmmGranularityBytes: 2 * 1024 * 1024,
  vmmRecommendedGranularityBytes: 2 * 1024 * 1024,
};

/**
 * A NativeBinding that records what reaches the native side instead of touching a GPU: arena page
 * calls, block-table uploads, model iterations and profiled operations, in order. The fake arena
 * checks what the real one would refuse (mapping a mapped page, unmapping an unmapped one), so a
 * test fails when the GPU layer sends the device something inconsistent.
 */
export function fakeBinding(options: FakeBindingOptions = {}): FakeBinding {
  const calls: FakeCall[] = [];
  const iterationS = options.iterationS ?? ((it) => 1e-3 + 1e-6 * it.prefill.reduce((s, x) => s + x, 0) + 1e-5 * it.prefill.length);
  const timeS = options.timeS ?? (() => 1e-4);

  class FakeArena implements NativeVmmArena {
    private readonly mapped: Uint8Array;
    private readonly pagesPerSlot: number;
    constructor(private readonly o: NativeVmmArenaOptions) {
      calls.push({ call: 'newArena', options: { ...o } });
      this.pagesPerSlot = o.slotBytes / o.pageBytes;
      this.mapped = new Uint8Array(o.slots * this.pagesPerSlot);
    }
    private set(slot: number, first: number, count: number, to: 0 | 1): void {
      for (let p = first; p < first + count; p++) {
        const i = slot * this.pagesPerSlot + p;
        if (this.mapped[i] === to) throw new Error(`fake arena: page ${p} of slot ${slot} is already ${to ? 'mapped' : 'unmapped'}`);
        this.mapped[i] = to;
      }
    }
    map(slot: number, firstPage: number, count: number): void {
      calls.push({ call: 'map', slot, firstPage, count });
      this.set(slot, firstPage, count, 1);
    }
    unmap(slot: number, firstPage: number, count: number): void {
      calls.push({ call: 'unmap', slot, firstPage, count });
      this.set(slot, firstPage, count, 0);
    }
    enqueueMap(slot: number, firstPage: number, count: number): void {
      calls.push({ call: 'enqueueMap', slot, firstPage, count });
      this.set(slot, firstPage, count, 1);
    }
    enqueueUnmap(slot: number, firstPage: number, count: number): void {
      calls.push({ call: 'enqueueUnmap', slot, firstPage, count });
      this.set(slot, firstPage, count, 0);
    }
    flush(): void {
      calls.push({ call: 'flush' });
    }
    queryDevice(): never {
      throw new Error('fake arena: queryDevice is not faked');
    }
    verifyAccess(): number {
      return 0;
    }
    bufferAddress(buffer: number): bigint {
      return 0x7f0000000000n + BigInt(buffer) * BigInt(this.o.slots * this.o.slotBytes);
    }
    counters() {
      const mappedPages = this.mapped.reduce((s, x) => s + x, 0) * this.o.buffers;
      return { pagesPerSlot: this.pagesPerSlot, mappedPages, createdPages: mappedPages, freePoolPages: this.o.poolPages - mappedPages };
    }
    stats() {
      return { creates: 0, maps: 0, setAccessCalls: 0, unmaps: 0, releases: 0, createS: 0, mapS: 0, setAccessS: 0, unmapS: 0, releaseS: 0 };
    }
    destroy(): void {
      calls.push({ call: 'destroy', what: 'arena' });
    }
  }

  class FakePool implements NativeBlockPool {
    private table = new Int32Array(0);
    constructor(private readonly o: NativeBlockPoolOptions) {
      calls.push({ call: 'newPool', options: { ...o } });
    }
    uploadBlockTable(table: Int32Array, rows: number): void {
      this.table = table.slice(0, rows * this.o.maxBlocksPerSeq);
      calls.push({ call: 'uploadBlockTable', rows, table: this.table });
    }
    downloadBlockTable(rows: number): Int32Array {
      return this.table.slice(0, rows * this.o.maxBlocksPerSeq);
    }
    blockAddress(layer: number, kv: number, block: number): bigint {
      return 0x10000000000n + BigInt(((layer * 2 + kv) * this.o.blocks + block) * this.o.blockBytes);
    }
    tableAddress(): bigint {
      return 0x20000000000n;
    }
    verifyBlocks(): number {
      return 0;
    }
    destroy(): void {
      calls.push({ call: 'destroy', what: 'pool' });
    }
  }

  class FakeModel implements NativeGpuModel {
    private readonly graphSizes: number[];
    constructor(config: NativeGpuModelConfig) {
      calls.push({ call: 'newModel', config });
      this.graphSizes = config.cudaGraphs ? Array.from(config.graphSizes ?? []) : [];
    }
    run(it: NativeGpuIteration): NativeGpuIterationTimes {
      const rows = Array.from;
      calls.push({
        call: 'run',
        iteration: {
          prefill: rows(it.prefill),
          decode: rows(it.decode),
          context: rows(it.context),
          kvSlot: rows(it.kvSlot ?? []),
          stateSlot: rows(it.stateSlot ?? []),
          blockTable: it.blockTable ? rows(it.blockTable) : undefined,
        },
      });
      const hostS = iterationS(it);
      if (!this.graphSizes.length) return { gpuS: 0.9 * hostS, hostS };
      // native/gpuModelCore.cc GraphSizeFor: every row decodes one token after some context.
      const n = it.prefill.length;
      const decodeOnly = Array.from({ length: n }, (_, i) => it.prefill[i] === 0 && it.decode[i] === 1 && it.context[i] > 0).every(Boolean);
      const size = decodeOnly ? this.graphSizes.find((g) => g >= n) : undefined;
      return { gpuS: 0.9 * hostS, hostS, graph: size !== undefined, paddedRows: size ?? n, captureS: 0 };
    }
    time(op: GpuProfileOp, params: Record<string, number>): number {
      calls.push({ call: 'time', op, params: { ...params } });
      return timeS(op, params);
    }
    deviceBytes(): number {
      return 0;
    }
    destroy(): void {
      calls.push({ call: 'destroy', what: 'model' });
    }
  }

  const binding: NativeBinding = {
    abiVersion: 1,
    hasCublas: true,
    modules: ['DeviceInfo', 'VmmArena', 'BlockPool', 'VmmBench', ...(options.withoutGpuModel ? [] : ['GpuModel'])],
    probe: () => ({ driverVersion: 13000, runtimeVersion: 13000, deviceCount: 1 }),
    deviceInfo: () => ({ ...FAKE_DEVICE_INFO }),
    memInfo: () => ({ freeBytes: FAKE_DEVICE_INFO.freeMemoryBytes, totalBytes: FAKE_DEVICE_INFO.totalMemoryBytes }),
    VmmArena: FakeArena,
    BlockPool: FakePool,
    vmmBench: () => {
      throw new Error('fake binding: vmmBench is not faked');
    },
    vmmOverlapBench: () => {
      throw new Error('fake binding: vmmOverlapBench is not faked');
    },
    ...(options.withoutGpuModel ? {} : { GpuModel: FakeModel, cublasStatus: () => ({ ok: true, library: 'fake', reason: '' }) }),
    ...(options.prefillKernel !== undefined
      ? {
          attentionPrefillKernel: (shape: NativeAttentionKernelShape) => {
            calls.push({ call: 'attentionPrefillKernel', shape: { ...shape } });
            return options.prefillKernel!;
          },
        }
      : {}),
    ...(options.mlstmPrefillAlgorithm !== undefined
      ? {
          xlstmMlstmPrefillAlgorithm: (algorithm: 0 | 1 | 2) => {
            calls.push({ call: 'xlstmMlstmPrefillAlgorithm', algorithm });
            return options.mlstmPrefillAlgorithm!;
          },
        }
      : {}),
    ...(options.slstmStepVariant !== undefined
      ? {
          xlstmSlstmStepVariant: () => {
            calls.push({ call: 'xlstmSlstmStepVariant' });
            return options.slstmStepVariant!;
          },
        }
      : {}),
  };
  return { binding, info: { ...FAKE_DEVICE_INFO }, calls };
}
