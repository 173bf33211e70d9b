import type { CalibrationProfile } from './CalibrationProfile.js';

/** Profile fields whose times are not GPU kernel times: host-side fits and NCCL communication. */
const NOT_KERNEL_TIMES = new Set(['enactment', 'allReduce']);

/**
 * A copy of `profile` with every kernel-time table (every `timeS` array outside `enactment` and
 * `allReduce`) multiplied by `factor`: how a host-speed probe (src/gpu/hostSpeedProbe.ts) carries
 * "this lease's GPU runs the profile's kernels `factor` times as long" into the cost model. Host-side
 * terms (the enactment fit: launch gaps, allocation work) and communication keep their measured
 * values. Generic over the table layout, so a table added later is scaled too; the method string
 * says it was scaled and by how much.
 */
export function scaleKernelTimes(profile: CalibrationProfile, factor: number, why: string): CalibrationProfile {
  if (!(factor > 0) || !Number.isFinite(factor)) throw new RangeError(`scaleKernelTimes: factor must be a finite number > 0, got ${factor}`);
  const scaled = scaleNode(profile, factor, '') as CalibrationProfile;
  scaled.method = `${profile.method}; kernel tables x${factor.toFixed(4)} (${why})`;
  return scaled;
}

function scaleNode(node: unknown, factor: number, key: string): unknown {
  if (Array.isArray(node)) return key === 'timeS' ? node.map((v) => scaleTimes(v, factor)) : node.map((v) => scaleNode(v, factor, ''));
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = NOT_KERNEL_TIMES.has(k) ? structuredClone(v) : scaleNode(v, factor, k);
  return out;
}

function scaleTimes(v: unknown, factor: number): unknown {
  if (typeof v === 'number') return v * factor;
  if (Array.isArray(v)) return v.map((x) => scaleTimes(x, factor));
  return v;
}
