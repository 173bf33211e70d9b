import type { IterationCost } from '../plan/IterationCost.js';

/** How the memory policy's allocation work relates to compute (MemoryPolicy.allocationMode). */
export type AllocationMode = 'overlapped' | 'sync' | 'none';

/**
 * Writes an iteration's cost from its parts, the same way for every cost model: compute is the sum of
 * the terms. With overlapped allocation (vAttention's background thread) only work done *ahead of
 * need* (pages a later iteration will touch) can run while the GPU computes, so it stalls the
 * iteration only by what exceeds the compute; work this iteration needs (a new prompt's pages,
 * reclaiming to make room for them), synchronous or CPU-side work adds in full. Tensor-parallel
 * communication keeps the GPU busy like compute (the mapping thread can hide behind it too).
 */
export function composeIterationCost(
  out: IterationCost,
  mode: AllocationMode,
  gemmS: number,
  prefillAttentionS: number,
  decodeAttentionS: number,
  recurrentS: number,
  commS: number,
  overheadS: number,
  allocationWorkS: number,
  aheadWorkS: number,
): IterationCost {
  const computeS = gemmS + prefillAttentionS + decodeAttentionS + recurrentS + commS + overheadS;
  const stallS = mode === 'overlapped' ? allocationWorkS - aheadWorkS + Math.max(0, aheadWorkS - computeS) : allocationWorkS;
  out.durationS = computeS + stallS;
  out.stallS = stallS;
  const t = out.terms;
  t.gemmS = gemmS;
  t.prefillAttentionS = prefillAttentionS;
  t.decodeAttentionS = decodeAttentionS;
  t.recurrentS = recurrentS;
  t.commS = commS;
  t.allocationS = allocationWorkS;
  t.overheadS = overheadS;
  return out;
}
