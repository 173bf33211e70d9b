import type { HardwareSpec } from '../hardware/HardwareSpec.js';
import { createPolicy } from '../memory/createPolicy.js';
import type { ModelSpec } from '../model/ModelSpec.js';
import type { CostModel } from './CostModel.js';
import { emptyIterationCost } from './CostModel.js';
import { emptyAggregate } from './IterationAggregate.js';
import { resolveCostModel, type CostModelOptions } from './resolveCostModel.js';

/** Time of one decode iteration: `batch` requests, each with `contextTokens` of KV before its new token. */
export function decodeIterationS(m: CostModel, batch: number, contextTokens: number): number {
  const agg = { ...emptyAggregate(), batchSize: batch, decodeTokens: batch, decodeKvTokens: batch * (contextTokens + 1) };
  return m.iterationCost(agg, emptyIterationCost()).durationS;
}

/** Time to prefill one prompt of `promptTokens` in chunks of `chunkTokens` (Sarathi-style chunked prefill), one request per iteration. */
export function chunkedPrefillS(m: CostModel, promptTokens: number, chunkTokens: number): number {
  let s = 0;
  for (let done = 0; done < promptTokens; done += chunkTokens) {
    const chunk = Math.min(chunkTokens, promptTokens - done);
    const agg = { ...emptyAggregate(), batchSize: 1, prefillTokens: chunk, prefillRequests: 1, prefillAttentionPairs: chunk * (done + chunk / 2), prefillKvTokens: done + chunk };
    s += m.iterationCost(agg, emptyIterationCost()).durationS;
  }
  return s;
}

export interface SpeedupCase {
  model: ModelSpec;
  hardware: HardwareSpec;
  /** Cost resolution of both sides (profile choice); the paged side adds `pagedKernels`. */
  cost: CostModelOptions;
  /** Attention kernels of the paged side (e.g. `vllm-0.2.7`, `kvsim`). */
  pagedKernels: string;
  blockSizeTokens: number;
}

/**
 * vAttention-over-paged speed-up of one decode iteration and of one chunked prefill, each side priced
 * by the one cost resolution: vAttention runs the contiguous kernels, PagedAttention the named paged
 * ones; everything else (GEMMs, overhead) comes from the same source for both.
 */
export function vattentionOverPaged(c: SpeedupCase): { decode: (batch: number, contextTokens: number) => number; prefill: (promptTokens: number, chunkTokens: number) => number; notes: string[] } {
  const run = { model: c.model, hardware: c.hardware, tp: 1 };
  // Fallback is allowed while building (a prefill comparison must not need a decode figure), but a
  // ratio whose term a fallback priced is reported as NaN: a comparison never borrows figures.
  const paged = resolveCostModel({ ...run, policy: createPolicy('paged', run, { blockSizeTokens: c.blockSizeTokens } as never), policyOptions: { blockSizeTokens: c.blockSizeTokens } }, { ...c.cost, attentionKernels: c.pagedKernels, allowFallback: true });
  const contiguous = resolveCostModel({ ...run, policy: createPolicy('vattention', run, {} as never) }, { ...c.cost, attentionKernels: 'kvsim', allowFallback: true });
  const clean = (term: string, x: number) => (fellBack(paged.costModel, term) || fellBack(contiguous.costModel, term) ? Number.NaN : x);
  return {
    decode: (batch, ctx) => clean('decodeAttention', decodeIterationS(paged.costModel, batch, ctx) / decodeIterationS(contiguous.costModel, batch, ctx)),
    prefill: (prompt, chunk) => clean('prefillAttention', chunkedPrefillS(paged.costModel, prompt, chunk) / chunkedPrefillS(contiguous.costModel, prompt, chunk)),
    notes: [`paged: ${paged.note}`, `vattention: ${contiguous.note}`],
  };
}

function fellBack(m: CostModel, term: string): boolean {
  const sources = (m.describe().sources ?? {}) as Record<string, Record<string, number>>;
  return Object.keys(sources[term] ?? {}).some((k) => k.startsWith('roofline fallback')) || Object.keys(sources.gemm ?? {}).some((k) => k.startsWith('roofline fallback'));
}
