/**
 * Simulator-vs-GPU pairs the report plots when a validation run exists: per iteration, the time the
 * simulator predicted and the time the GPU measured for the same iteration plan. Written by
 * `kvsim validate --json` (or any tool) and read by `kvsim report --validation FILE`.
 *
 * ```json
 * { "schema": "kvsim.validation/1", "card": "NVIDIA H100 80GB HBM3", "model": "llama-3-8b",
 *   "policy": "paged", "trace": "conv-small",
 *   "iterations": { "simS": [0.0121, ...], "gpuS": [0.0118, ...], "batchSize": [12, ...] } }
 * ```
 */
export interface ValidationResult {
  schema: 'kvsim.validation/1';
  /** The GPU that measured, as the driver names it. */
  card: string;
  model: string;
  policy: string;
  trace: string;
  iterations: {
    /** Predicted iteration time, seconds. */
    simS: number[];
    /** Measured iteration time, seconds; same length and order as simS. */
    gpuS: number[];
    /** Optional: requests in each iteration. */
    batchSize?: number[];
  };
}
