import type { IterationCost } from '../engine/Executor.js';
import type { AllocationMode } from './RooflineCostModel.js';

/**
 * Writes an iteration's cost from its parts, the same way for every cost model: compute is the sum of
 * the terms; allocation work overlapped with compute (vAttention's background thread) stalls the
 * iteration only by what exceeds the compute, synchronous or CPU-side work adds in full.
 */
export function composeIterationCost(
  out: IterationCost,
  mode: AllocationMode,
  gemmS: number,
  prefillAttentionS: number,
  decodeAttentionS: number,
  recurrentS: number,
  overheadS: number,
  allocationWorkS: number,
): IterationCost {
  const computeS = gemmS + prefillAttentionS + decodeAttentionS + recurrentS + overheadS;
  const stallS = mode === 'overlapped' ? Math.max(0, allocationWorkS - computeS) : allocationWorkS;
  out.durationS = computeS + stallS;
  out.stallS = stallS;
  const t = out.terms;
  t.gemmS = gemmS;
  t.prefillAttentionS = prefillAttentionS;
  t.decodeAttentionS = decodeAttentionS;
  t.recurrentS = recurrentS;
  t.allocationS = allocationWorkS;
  t.overheadS = overheadS;
  return out;
}
