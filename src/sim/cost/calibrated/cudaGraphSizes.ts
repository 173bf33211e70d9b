/**
 * The batch sizes vLLM V1 captures CUDA graphs for, by default: 1, 2, 4, then multiples of 8 below
 * 256, then multiples of 16 up to min(2 * max_num_seqs, 512), none above max_num_batched_tokens
 * (VllmConfig._set_cudagraph_sizes, vllm/config/vllm.py; compilation_config.cudagraph_capture_sizes).
 * kvsim's GPU executor sizes its buffers for `maxBatch` (the scheduler's max_num_seqs), so sizes above
 * it are left out: a decode batch never exceeds max_num_seqs, and one between the largest size kept
 * and max_num_seqs (when max_num_seqs is not itself a size) runs eagerly where vLLM would pad above it.
 */
export function cudaGraphCaptureSizes(maxNumSeqs: number, maxNumBatchedTokens: number, maxBatch = maxNumSeqs): number[] {
  const largest = Math.min(2 * maxNumSeqs, 512);
  const sizes = [1, 2, 4];
  for (let s = 8; s < 256; s += 8) sizes.push(s);
  for (let s = 256; s <= largest; s += 16) sizes.push(s);
  return sizes.filter((s) => s <= largest && s <= maxNumBatchedTokens && s <= maxBatch);
}

/**
 * The capture sizes for a scheduler's resolved limits: max_num_seqs, and the largest iteration it forms
 * (max_num_batched_tokens, or the token budget where that is larger). The one rule the GPU replay, kvsim
 * validate --cuda-graphs and kvsim replay --cuda-graphs share.
 */
export function schedulerCaptureSizes(sched: { maxNumSeqs: number; maxNumBatchedTokens: number; tokenBudget: number }): number[] {
  return cudaGraphCaptureSizes(sched.maxNumSeqs, Math.max(sched.maxNumBatchedTokens, sched.tokenBudget));
}

/**
 * The capture size a decode-only batch of `rows` is padded to: the smallest size >= rows (vLLM's
 * bs_to_padded_graph_size, vllm/config/compilation.py), or undefined when rows exceed the largest
 * size (the batch runs eagerly).
 */
export function paddedGraphSize(sizes: readonly number[], rows: number): number | undefined {
  for (const s of sizes) if (s >= rows) return s;
  return undefined;
}
