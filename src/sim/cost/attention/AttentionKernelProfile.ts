import type { Table2D } from '../calibrated/CalibrationProfile.js';

/**
 * Where an attention-kernel profile's figures come from. Measured: on which card, with which driver,
 * when, by which command. Published: which paper, which figure or table, under which setup.
 */
export type KernelProvenance =
  | { kind: 'measured'; card: string; driver: string; date: string; command: string; software?: string }
  | { kind: 'published'; paper: string; figure: string; setup: string; retrieved: string };

/** Attention shape per GPU the timings were taken at (heads after tensor parallelism). */
export interface KernelShape {
  numQHeads: number;
  numKvHeads: number;
  headDim: number;
  /** Element type of the KV cache, e.g. `bf16`, `fp16`. */
  dtype: string;
}

/**
 * Measured per-layer times of one kernel family, one table per operation and layout:
 * decode: a = batch, b = contextTokens; prefill (ONE request): a = queryTokens (chunk), b = contextTokens (cached before it).
 */
export interface MeasuredTable {
  kind: 'decode' | 'prefill';
  layout: 'contiguous' | 'paged';
  /** Tokens per block (paged only). */
  blockSize?: number;
  table: Table2D;
}

/**
 * A published paged-over-contiguous time ratio for one operation at one block size: the figure the
 * paper states, the point it was stated at, and the range the paper's setup covers (outside it the
 * ratio is held and every such estimate is counted as out of range).
 */
export interface PublishedRatio {
  kind: 'decode' | 'prefill';
  blockSize: number;
  pagedOverContiguous: number;
  /** The conditions of the stated figure. */
  at: { batch?: number; contextTokens?: number; chunkTokens?: number; model?: string };
  /** Where the figure holds: batch and context ranges of the paper's experiment; null when the source does not state them. */
  holds: { batch: [number, number]; contextTokens: [number, number] } | null;
  /** Section / figure / sentence the number is taken from. */
  cite: string;
}

/** One named attention-kernel profile (`--attention-kernels NAME|FILE`), schema `kvsim.attention/1`. */
export interface AttentionKernelProfile {
  schema: 'kvsim.attention/1';
  /** e.g. `sdpa`, `vllm-0.2.7`, `flash-attn-2.6.3`. */
  name: string;
  provenance: KernelProvenance;
  /** Required for measured tables (they are per layer at this shape). */
  shape?: KernelShape;
  tables?: MeasuredTable[];
  ratios?: PublishedRatio[];
  /** Prose notes shown nowhere in the hot path (limits, what the paper does not say). */
  notes?: string[];
}
