import type { CalibrationProfile } from './CalibrationProfile.js';
import { is2D, profileTables } from './profileTables.js';

/**
 * A copy of `profile` with every kernel-time table (profileTables, except the NCCL allReduce) multiplied
 * by `factor`: how a host-speed probe (src/gpu/hostSpeedProbe.ts) carries "this lease's GPU runs the
 * profile's kernels `factor` times as long" into the cost model. Host-side terms (the enactment fit:
 * launch gaps, allocation work) and communication keep their measured values; the method string says
 * it was scaled and by how much.
 */
export function scaleKernelTimes(profile: CalibrationProfile, factor: number, why: string): CalibrationProfile {
  if (!(factor > 0) || !Number.isFinite(factor)) throw new RangeError(`scaleKernelTimes: factor must be a finite number > 0, got ${factor}`);
  const scaled = structuredClone(profile);
  for (const { name, table } of profileTables(scaled)) {
    if (name === 'allReduce') continue;
    if (is2D(table)) table.timeS = table.timeS.map((row) => row.map((t) => t * factor));
    else table.timeS = table.timeS.map((t) => t * factor);
  }
  scaled.method = `${profile.method}; kernel tables x${factor.toFixed(4)} (${why})`;
  return scaled;
}
