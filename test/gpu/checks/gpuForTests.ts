import { gpuAvailability, type GpuAvailability } from '../../../src/gpu/gpuAvailability.js';

/** Set to 1 (as `npm run test:gpu` does) to make a GPU test fail, not skip, when no GPU is usable. */
export const REQUIRE_GPU_ENV = 'KVSIM_REQUIRE_GPU';

/**
 * The GPU for a *.gpu.test.ts file, and whether the file must skip. Without a usable GPU the file
 * skips with the reason printed, unless $KVSIM_REQUIRE_GPU is 1: then this throws, so a run that was
 * meant to exercise the GPU (npm run test:gpu, bench/gpu/run-all-gpu-checks.sh) cannot pass by
 * skipping everything. `missing` names a further requirement (e.g. an addon module) that is absent.
 */
export function gpuForTests(file: string, missing?: (gpu: GpuAvailability & { ok: true }) => string | undefined): { gpu: GpuAvailability; skip: string | false } {
  const gpu = gpuAvailability(0);
  const why = gpu.ok ? missing?.(gpu) : `no GPU backend: ${gpu.reason}. Fix: ${gpu.fix}`;
  if (why === undefined) return { gpu, skip: false };
  if (process.env[REQUIRE_GPU_ENV] === '1') throw new Error(`${file}: ${why} (and $${REQUIRE_GPU_ENV}=1 requires the GPU)`);
  console.info(`${file}: skipped (${why})`);
  return { gpu, skip: why };
}
