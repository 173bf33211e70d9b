import { KvsimError } from '../errors.js';

/** The native side's description of a failed CUDA call (the `kvsimNative` property it attaches). */
export interface NativeErrorInfo {
  /** The CUDA call, e.g. `cuMemMap`, or a kvsim step such as `mapPages` for a state error. */
  call: string;
  /** Its arguments as text, e.g. `ptr=0x7f00 size=2097152 buffer=3 slot=1 firstPage=0 count=1`. */
  args: string;
  /** CUresult / cudaError_t value; -1 for kvsim state errors. */
  code: number;
  /** e.g. `CUDA_ERROR_OUT_OF_MEMORY`, `cudaErrorMemoryAllocation`, `KVSIM_STATE`. */
  codeName: string;
  detail: string;
}

/**
 * A CUDA call failed on the device. Thrown from TypeScript (so the stack is the caller's) with the
 * native call, its arguments and the driver's code attached.
 */
export class CudaCallError extends KvsimError {
  readonly call: string;
  readonly args: string;
  readonly cudaCode: number;
  readonly codeName: string;
  constructor(info: NativeErrorInfo, cause: unknown) {
    super('CUDA_CALL', `${info.call}(${info.args}) failed: ${info.codeName} (${info.code}): ${info.detail}`, { cause });
    this.call = info.call;
    this.args = info.args;
    this.cudaCode = info.code;
    this.codeName = info.codeName;
  }
}
