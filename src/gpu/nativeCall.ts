import { CudaCallError, type NativeErrorInfo } from './CudaCallError.js';

/**
 * Runs a native call and rethrows a CUDA failure as a {@link CudaCallError} created here, so its
 * stack is the JavaScript caller's and its fields name the CUDA call and arguments.
 */
export function nativeCall<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    const info = (err as { kvsimNative?: NativeErrorInfo } | null)?.kvsimNative;
    if (info) throw new CudaCallError(info, err);
    throw err;
  }
}
