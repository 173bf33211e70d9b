import type { ModelSpec } from '../model/ModelSpec.js';

/** Tokens per chunk of the chunk-parallel (tfla) mLSTM prefill (kernels/xlstm/mlstmPrefillTfla.cu, tfla::kL). */
export const TFLA_CHUNK_TOKENS = 256;

const align256 = (bytes: number) => Math.ceil(bytes / 256) * 256;

/**
 * Scratch bytes per GPU the mLSTM prefill of one `tokens`-token request takes when it runs the
 * chunk-parallel kernel, for the widest mLSTM layer (the GPU executor holds one such scratch for every
 * layer and request: native/gpuModelCore.cc sizes it with xlstm_mlstm_prefill_workspace_bytes at
 * maxTokens). The same regions as the kernel's workspace layout (mlstmPrefillTfla.cu, wsLayout), each
 * rounded up to 256 bytes: per (head, chunk) the fp32 local state C (dqk x dv) and n, the 2-byte
 * carried-in C and fp32 n, two fp32 scalars; per head one fp32 m per chunk boundary. 0 without mLSTM
 * layers. xLSTM-7B (8 heads, 256 x 512) at 8192 tokens: 32 chunks, about 201 MB.
 */
export function mlstmPrefillWorkspaceBytes(model: ModelSpec, tp: number, tokens: number): number {
  const chunks = Math.ceil(tokens / TFLA_CHUNK_TOKENS);
  let widest = 0;
  for (const l of model.layers) {
    if (l.kind !== 'mlstm') continue;
    const heads = Math.ceil(l.heads / tp);
    const perChunk = heads * chunks;
    const bytes =
      align256(perChunk * l.dqk * l.dv * 4) +
      align256(perChunk * l.dqk * l.dv * 2) +
      2 * align256(perChunk * l.dqk * 4) +
      align256(perChunk * 2 * 4) +
      align256(heads * (chunks + 1) * 4);
    widest = Math.max(widest, bytes);
  }
  return widest;
}
