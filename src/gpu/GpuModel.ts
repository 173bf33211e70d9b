import { checkInt, expected, InvalidOptionError } from '../errors.js';
import { kvHeadsPerGpu } from '../sim/model/derived.js';
import type { ModelSpec } from '../sim/model/ModelSpec.js';
import type { NativeBinding } from './NativeBinding.js';
import type { GpuProfileOp, NativeGpuIteration, NativeGpuIterationTimes, NativeGpuLayerShape, NativeGpuModel, NativeGpuModelConfig } from './NativeGpuModel.js';
import { nativeCall } from './nativeCall.js';
import { cudaGraphCaptureSizes } from '../sim/cost/calibrated/cudaGraphSizes.js';

/** Where the attention layers' KV-cache lives on the device. */
export type GpuKvCache =
  | {
      layout: 'contiguous';
      /** Per attention layer: where its token 0 of slot 0 starts (megacache: the buffer + the layer's offset in the row). */
      kBase: bigint[];
      vBase: bigint[];
      slotStrideBytes: number;
      /** Bytes between consecutive tokens' rows; absent = packed (Hkv*D*2). Megacache: L*Hkv*D*2. */
      tokenStrideBytes?: number;
      /** With cudaGraphs: a slot owned by no request, its page 0 mapped, that graph padding rows write. */
      padSlot?: number;
    }
  | {
      layout: 'paged';
      kBase: bigint[];
      vBase: bigint[];
      maxBlocksPerSeq: number;
      blockSizeTokens: number;
      /** With cudaGraphs: a block owned by no request that graph padding rows write. */
      padBlock?: number;
    }
  | { layout: 'none' };

export interface GpuModelOptions {
  model: ModelSpec;
  /** Tensor-parallel degree: heads per GPU are divided by it (one GPU of a TP group is modelled). */
  tp: number;
  /** Largest number of tokens in one iteration. */
  maxTokens: number;
  /** Largest batch (rows) of one iteration. */
  maxBatch: number;
  /** Largest context of one request, tokens. */
  maxContext: number;
  kv: GpuKvCache;
  /** Recurrent (mLSTM and sLSTM) state slots per layer (0 for attention-only models). */
  stateSlots: number;
  /** @defaultValue 1 */
  seed?: number;
  /** @defaultValue 0 */
  device?: number;
  /** Only profiled operations (time()) will run: no KV-cache needed. @defaultValue false */
  profileOnly?: boolean;
  /**
   * Run decode-only iterations as CUDA graphs, each batch padded to the next capture size (vLLM V1's
   * full graphs for uniform decode); prefill and mixed iterations stay eager. Needs kv.padSlot
   * (contiguous) or kv.padBlock (paged) for the padding rows' KV writes. @defaultValue false
   */
  cudaGraphs?: boolean;
  /** Capture sizes with cudaGraphs, ascending. @defaultValue cudaGraphCaptureSizes(maxBatch, maxTokens) */
  graphSizes?: number[];
}

/** Checks the CUDA-graph options; returns the native config fields (none when graphs are off). */
function graphConfig(o: GpuModelOptions): Pick<NativeGpuModelConfig, 'cudaGraphs' | 'graphSizes' | 'padKvSlot' | 'padBlock'> {
  if (o.cudaGraphs !== undefined && typeof o.cudaGraphs !== 'boolean') throw expected('true or false', 'GpuModel: cudaGraphs', o.cudaGraphs);
  if (!o.cudaGraphs) {
    if (o.graphSizes !== undefined) throw new InvalidOptionError('GpuModel: graphSizes is given but cudaGraphs is off');
    return {};
  }
  if (o.profileOnly) throw new InvalidOptionError('GpuModel: cudaGraphs applies to served iterations (run()), not to a profile-only model');
  const cap = Math.min(o.maxBatch, o.maxTokens);
  const sizes = o.graphSizes ?? cudaGraphCaptureSizes(o.maxBatch, o.maxTokens);
  if (sizes.length === 0) throw expected('at least one capture size', 'GpuModel: graphSizes', '[]');
  sizes.forEach((g, i) => {
    checkInt(`GpuModel: graphSizes[${i}]`, g, 1, cap);
    if (i > 0 && g <= sizes[i - 1]) throw expected(`a size above graphSizes[${i - 1}] (${sizes[i - 1]}): ascending`, `GpuModel: graphSizes[${i}]`, g);
  });
  const kv = o.kv;
  if (kv.layout === 'contiguous' && kv.padSlot === undefined) throw new InvalidOptionError('GpuModel: cudaGraphs with a contiguous KV-cache needs kv.padSlot (a slot no request owns, page 0 mapped) for the padding rows');
  if (kv.layout === 'paged' && kv.padBlock === undefined) throw new InvalidOptionError('GpuModel: cudaGraphs with a paged KV-cache needs kv.padBlock (a block no request owns) for the padding rows');
  return {
    cudaGraphs: 1,
    graphSizes: Int32Array.from(sizes),
    ...(kv.layout === 'contiguous' ? { padKvSlot: checkInt('GpuModel: kv.padSlot', kv.padSlot!, 0) } : {}),
    ...(kv.layout === 'paged' ? { padBlock: checkInt('GpuModel: kv.padBlock', kv.padBlock!, 0) } : {}),
  };
}

/**
 * The GPU executor's synthetic model: the preset's real layer shapes (per GPU under TP) with random
 * bf16 weights, run through cuBLAS GEMMs and kvsim's attention and xLSTM kernels. Validates every
 * option here before the addon sees it.
 */
export class GpuModel {
  private native: NativeGpuModel | null;

  constructor(binding: NativeBinding, o: GpuModelOptions) {
    const ctor = binding.GpuModel;
    if (!ctor) throw new InvalidOptionError('GpuModel: this build of the native addon has no GpuModel (rebuild with `npm run build:native`)');
    checkInt('GpuModel: maxTokens', o.maxTokens, 1);
    checkInt('GpuModel: maxBatch', o.maxBatch, 1);
    checkInt('GpuModel: maxContext', o.maxContext, 1);
    checkInt('GpuModel: stateSlots', o.stateSlots, 0);
    const layers = o.model.layers.map((l): NativeGpuLayerShape => {
      if (l.kind === 'attention') {
        if (l.headDim !== 64 && l.headDim !== 128) throw expected('head dim 64 or 128 (the kernels the GPU backend has)', 'GpuModel: headDim', l.headDim);
        return { kind: 0, heads: l.heads / o.tp, kvHeads: kvHeadsPerGpu(l, o.tp), headDim: l.headDim };
      }
      if (l.kind === 'mlstm') return { kind: 1, heads: l.heads / o.tp, dqk: l.dqk, dv: l.dv };
      // xlstm_slstm_step loads R rows 8 elements at a time (kernels/xlstm/xlstm.h limits).
      if (l.headDim % 8 !== 0) throw expected('an sLSTM head dim that is a multiple of 8 (xlstm_slstm_step)', 'GpuModel: headDim', l.headDim);
      return { kind: 2, heads: l.heads / o.tp, headDim: l.headDim };
    });
    // The native model keeps one weight set per layer kind, sized for the first layer of that kind
    // (native/gpuModelCore.cc ShapeOf): a layer of another shape would run its GEMMs past those weights.
    const firstShape = new Map<number, string>();
    for (const l of layers) {
      const shape = JSON.stringify(l);
      const first = firstShape.get(l.kind);
      if (first === undefined) firstShape.set(l.kind, shape);
      else if (first !== shape) throw expected(`one shape per layer kind (the GPU executor keeps one weight set per kind; the first is ${first})`, 'GpuModel: layer shape', l);
    }
    const attention = layers.filter((l) => l.kind === 0).length;
    const recurrent = o.model.layers.filter((l) => l.kind !== 'attention');
    if (attention > 0 && o.kv.layout === 'none' && !o.profileOnly) throw new InvalidOptionError('GpuModel: the model has attention layers but no KV-cache was given');
    if (o.kv.layout !== 'none' && (o.kv.kBase.length !== attention || o.kv.vBase.length !== attention)) {
      throw expected(`${attention} K and V base addresses (one per attention layer)`, 'GpuModel: kv', o.kv.kBase.length);
    }
    if (recurrent.length > 0 && o.stateSlots === 0) throw new InvalidOptionError('GpuModel: the model has recurrent (mLSTM/sLSTM) layers but stateSlots is 0');
    // The native side keeps one state dtype for all its pools.
    const stateDtype = recurrent[0]?.stateDtype ?? 'fp32';
    if (stateDtype !== 'fp32' && stateDtype !== 'bf16') throw expected('recurrent state dtype fp32 or bf16 (the xLSTM kernels)', 'GpuModel: stateDtype', stateDtype);
    for (const l of recurrent) {
      if (l.stateDtype !== stateDtype) throw expected(`one state dtype for every recurrent layer (the first is ${stateDtype})`, 'GpuModel: stateDtype', l.stateDtype);
    }
    if (o.kv.layout === 'contiguous' && o.kv.tokenStrideBytes !== undefined) {
      const rowBytes = Math.max(0, ...layers.map((l) => (l.kind === 0 ? l.kvHeads * l.headDim * 2 : 0)));
      const t = checkInt('GpuModel: kv.tokenStrideBytes', o.kv.tokenStrideBytes, rowBytes);
      if (t % 16 !== 0) throw expected('a multiple of 16 bytes', 'GpuModel: kv.tokenStrideBytes', t);
    }
    const graphs = graphConfig(o);
    const kv = o.kv;
    const config: NativeGpuModelConfig = {
      device: o.device ?? 0,
      hidden: o.model.hiddenSize,
      ffn: Math.ceil(o.model.ffnSize / o.tp),
      vocab: Math.ceil(o.model.vocabSize / o.tp),
      layers,
      maxTokens: o.maxTokens,
      maxBatch: o.maxBatch,
      maxContext: o.maxContext,
      seed: o.seed ?? 1,
      kvLayout: kv.layout === 'contiguous' ? 0 : kv.layout === 'paged' ? 1 : -1,
      kBase: kv.layout === 'none' ? [] : kv.kBase,
      vBase: kv.layout === 'none' ? [] : kv.vBase,
      slotStrideBytes: kv.layout === 'contiguous' ? kv.slotStrideBytes : 0,
      tokenStrideBytes: kv.layout === 'contiguous' ? (kv.tokenStrideBytes ?? 0) : 0,
      maxBlocksPerSeq: kv.layout === 'paged' ? kv.maxBlocksPerSeq : 0,
      blockSizeTokens: kv.layout === 'paged' ? kv.blockSizeTokens : 0,
      stateSlots: o.stateSlots,
      stateDtype: stateDtype === 'bf16' ? 1 : 0,
      ...graphs,
    };
    this.native = nativeCall(() => new ctor(config));
  }

  run(it: NativeGpuIteration): NativeGpuIterationTimes {
    const n = it.prefill.length;
    if (it.decode.length !== n || it.context.length !== n) throw new InvalidOptionError('GpuModel.run: prefill, decode and context must have one entry per row');
    return nativeCall(() => this.live().run(it));
  }

  /** Median seconds of one profiled operation (see native/gpuModelProfile.cc). */
  time(op: GpuProfileOp, params: Record<string, number>): number {
    return nativeCall(() => this.live().time(op, params));
  }

  deviceBytes(): number {
    return this.native ? this.native.deviceBytes() : 0;
  }

  destroy(): void {
    if (!this.native) return;
    const n = this.native;
    this.native = null;
    nativeCall(() => n.destroy());
  }

  private live(): NativeGpuModel {
    if (!this.native) throw new InvalidOptionError('GpuModel: used after destroy()');
    return this.native;
  }
}
