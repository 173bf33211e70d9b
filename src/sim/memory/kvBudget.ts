import { UserError, checkInt, checkNumber } from '../../errors.js';
import type { HardwareSpec } from '../hardware/HardwareSpec.js';
import { checkTensorParallel, weightBytesPerGpu } from '../model/derived.js';
import type { ModelSpec } from '../model/ModelSpec.js';
import { mlstmPrefillWorkspaceBytes } from './mlstmPrefillWorkspaceBytes.js';

const MiB = 1024 * 1024;

/** The GPU memory left for per-request state after weights and a working reserve. */
export interface KvBudgetOptions {
  /**
   * Fraction of device memory the server may use (vLLM's `gpu_memory_utilization`).
   * @defaultValue 0.9
   */
  gpuMemoryUtilization?: number;
  /**
   * Bytes held back for activations, the CUDA context and library workspaces.
   * @defaultValue {@link defaultActivationReserveBytes}
   */
  activationReserveBytes?: number;
}

/**
 * Tokens the default reserve sizes activations for: one forward pass over this many tokens
 * (vLLM profiles peak memory with a dummy batch of `max_num_batched_tokens`; 8192 is a common value).
 */
export const RESERVE_BATCH_TOKENS = 8192;
/** Sequences whose logits the default reserve holds at once (vLLM's default `max_num_seqs`). */
export const RESERVE_LOGIT_SEQS = 256;
/** CUDA context, cuBLAS/attention workspaces and allocator slack, bytes per GPU. */
export const RESERVE_RUNTIME_BYTES = 512 * MiB;

/**
 * The default activation reserve, per GPU. vLLM measures this by profiling a dummy forward pass; we
 * estimate the same peak analytically so the budget needs no GPU:
 * - the widest live intermediates of one layer over {@link RESERVE_BATCH_TOKENS} tokens: the gated
 *   MLP's gate and up projections (2*ffn/tp) plus about four hidden-size tensors (residual, norm
 *   output, attention output, MLP output), in 2-byte activations;
 * - fp32 logits for {@link RESERVE_LOGIT_SEQS} sampled sequences (vocab is not sharded at sampling);
 * - {@link RESERVE_RUNTIME_BYTES} for the CUDA context and workspaces;
 * - for models with mLSTM layers, the chunk-parallel prefill's scratch for one request of
 *   {@link RESERVE_BATCH_TOKENS} tokens (mlstmPrefillWorkspaceBytes: the GPU executor holds it for
 *   its longest prefill, since xlstm_mlstm_prefill's auto runs tfla at that length; ~201 MB for xLSTM-7B).
 * Llama-3-8B at TP1: 8192*(2*14336 + 4*4096)*2 + 256*128256*4 + 512 MiB ≈ 1.40 GB.
 */
export function defaultActivationReserveBytes(model: ModelSpec, tp: number): number {
  const perToken = (2 * model.ffnSize) / tp + 4 * model.hiddenSize;
  const activations = RESERVE_BATCH_TOKENS * perToken * 2;
  const logits = RESERVE_LOGIT_SEQS * model.vocabSize * 4;
  return Math.ceil(activations + logits + RESERVE_RUNTIME_BYTES + mlstmPrefillWorkspaceBytes(model, tp, RESERVE_BATCH_TOKENS));
}

/**
 * Bytes per GPU for KV-cache or recurrent state: memory * utilization - weights per GPU - reserve.
 * Throws a UserError when the weights and reserve do not fit.
 */
export function kvBudgetBytes(model: ModelSpec, hardware: HardwareSpec, tp: number, options: KvBudgetOptions = {}): number {
  checkTensorParallel(model, tp);
  const util = checkNumber('gpuMemoryUtilization', options.gpuMemoryUtilization ?? 0.9, 0.01, 1);
  const reserve =
    options.activationReserveBytes === undefined
      ? defaultActivationReserveBytes(model, tp)
      : checkInt('activationReserveBytes', options.activationReserveBytes, 0);
  const usable = Math.floor(hardware.memoryBytes * util);
  const weights = weightBytesPerGpu(model, tp);
  const budget = usable - weights - reserve;
  if (budget <= 0) {
    const gb = (x: number) => (x / 1e9).toFixed(2);
    throw new UserError(
      'MODEL_DOES_NOT_FIT',
      `${model.name} does not fit on ${hardware.name} at tp=${tp}: ${gb(weights)} GB of weights per GPU + ${gb(reserve)} GB reserve ` +
        `exceed ${gb(usable)} GB (${util} of ${gb(hardware.memoryBytes)} GB); raise --tp or gpuMemoryUtilization`,
    );
  }
  return budget;
}

/** A policy's memory budget: the context's explicit capacity when given, else what the GPU leaves (kvBudgetBytes). */
export function policyBudgetBytes(ctx: { model: ModelSpec; hardware: HardwareSpec; tp: number; capacityBytes?: number }, options: KvBudgetOptions): number {
  return ctx.capacityBytes === undefined ? kvBudgetBytes(ctx.model, ctx.hardware, ctx.tp, options) : checkInt('capacityBytes', ctx.capacityBytes, 0);
}
