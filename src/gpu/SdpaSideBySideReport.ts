// What `kvsim gpu bench kernels --sdpa` adds to the report: PyTorch SDPA's rows. Types only, apart from
// src/gpu/sdpaSideBySide.ts (which measures them) so that the report type can name them without a cycle.

export interface SdpaDecodeRow {
  batch: number;
  contextLen: number;
  medianMs: number;
  /** K and V bytes over the time, the formula of kvsim's decode rows. */
  kvTBs: number;
}

export interface SdpaPrefillRow {
  batch: number;
  queryLen: number;
  contextLen: number;
  /** null: not measured (chunked prefill where SDPA could not express kvsim's mask; see note). */
  medianMs: number | null;
  /** Causal FLOPs over the time, the formula of kvsim's prefill rows; null with medianMs. */
  tflops: number | null;
  /** How the causal mask reached SDPA: `is_causal` (queryLen = contextLen) or `causal_lower_right` (chunked). */
  mask?: 'is_causal' | 'causal_lower_right';
  /** Why the row is null. */
  note?: string;
}

/** PyTorch SDPA measured on this card in the same call as kvsim's kernels. */
export interface SdpaSideBySide {
  /** Always 'measured': timed with CUDA events here, never looked up or modelled. */
  provenance: 'measured';
  /** torch.__version__ */
  torch: string;
  /** torch.version.cuda (null in a CPU-only build, which the script refuses before measuring). */
  cuda: string | null;
  /** torch.cuda.get_device_name: the same card as the report's `card`. */
  device: string;
  dateUtc: string;
  /** The interpreter and script that measured it. */
  command: string;
  rows: { decode: SdpaDecodeRow[]; prefill: SdpaPrefillRow[] };
}
