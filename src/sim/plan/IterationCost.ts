/** The named parts of an iteration's time, seconds. Every term lands in the per-iteration record. */
export interface CostTerms {
  gemmS: number;
  prefillAttentionS: number;
  decodeAttentionS: number;
  recurrentS: number;
  /** Tensor-parallel communication (all-reduces, logits gather); 0 at TP 1. */
  commS: number;
  allocationS: number;
  overheadS: number;
}

export interface IterationCost {
  /** Wall time of the iteration including any allocation stall, seconds. */
  durationS: number;
  /** Part of durationS spent waiting for memory mapping (0 when fully overlapped). */
  stallS: number;
  terms: CostTerms;
}
