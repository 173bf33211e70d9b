/** Element types kvsim models for weights, KV-cache and recurrent state. */
export type Dtype = 'fp32' | 'fp16' | 'bf16' | 'fp8';

export const DTYPES: readonly Dtype[] = ['fp32', 'fp16', 'bf16', 'fp8'];

/** Bytes per element of a dtype. */
export function dtypeBytes(dtype: Dtype): number {
  switch (dtype) {
    case 'fp32':
      return 4;
    case 'fp16':
    case 'bf16':
      return 2;
    case 'fp8':
      return 1;
  }
}
