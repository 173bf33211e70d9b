import type { HardwareSpec } from '../hardware/HardwareSpec.js';
import type { ModelSpec } from '../model/ModelSpec.js';

/** What every policy is built from. */
export interface PolicyContext {
  model: ModelSpec;
  hardware: HardwareSpec;
  /** Tensor-parallel degree: the policy models one GPU's share. */
  tp: number;
  /**
   * Bytes the policy manages, overriding the budget derived from the hardware (tests, small scenarios).
   * @defaultValue kvBudgetBytes(model, hardware, tp, options)
   */
  capacityBytes?: number;
  /**
   * Record concrete memory operations for `takeOps()` (the GPU backend); off for simulator speed.
   * @defaultValue false
   */
  recordOps?: boolean;
  /**
   * Resolve defaults as vLLM V1 sets them (the `vllm` scheduler): paged watermark 0 and prefix caching
   * on. Off: vLLM V0's (watermark 1%, no caching).
   * @defaultValue false
   */
  vllmV1Defaults?: boolean;
  /**
   * The scheduler's max_num_seqs: vAttention sizes its request slots from it (capped at vattention.cu's
   * 999) unless `maxBatch` is given.
   * @defaultValue vAttention's own default (256)
   */
  maxNumSeqs?: number;
}
