import { UserError } from '../errors.js';

/** Where the GPU path stopped: no addon build, no driver, no device, or a device without VMM. */
export type GpuUnavailableStage = 'addon' | 'driver' | 'device';

/**
 * The GPU backend cannot run here. A user-level condition (exit 2), not a bug: the message is one
 * line saying what is missing and how to fix it.
 */
export class GpuUnavailableError extends UserError {
  readonly stage: GpuUnavailableStage;
  readonly reason: string;
  readonly fix: string;
  constructor(stage: GpuUnavailableStage, reason: string, fix: string) {
    super('GPU_UNAVAILABLE', `GPU backend unavailable: ${reason}. Fix: ${fix}`);
    this.stage = stage;
    this.reason = reason;
    this.fix = fix;
  }
}
