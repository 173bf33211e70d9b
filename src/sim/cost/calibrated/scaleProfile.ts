import { UserError } from '../../../errors.js';
import type { HardwareSpec } from '../../hardware/HardwareSpec.js';
import { hardwarePreset } from '../../hardware/presets.js';
import type { CalibrationProfile, CardCeilings } from './CalibrationProfile.js';
import { cardPairCeilings } from './cardCeilings.js';
import { cellWork, type CellWork } from './cellWork.js';
import { is2D, profileTables } from './profileTables.js';

/**
 * The rule, as recorded in a scaled profile (`derivedFrom.rule`) and printed by `kvsim calibrate scale`.
 */
export const SCALING_RULE =
  'per table cell t_B = t_A * roof_B / roof_A, roof_X = max(bytes / BW_X, FLOPs / F_X), with the bytes moved and FLOPs of the ' +
  "cell's kernels from the model shape (GEMMs: weights + activations in/out; attention: K/V read + Q/O; recurrent: state read " +
  "and written + q/k/v/gates/h, + sLSTM's recurrent weights per sequential step), summed over the kernels of a layer and averaged over the layer shapes by count; BW_X and F_X: the card's " +
  'measured device-copy bandwidth and bf16 GEMM rate where its preset records them, else its datasheet figures; allReduce by the ' +
  "ratio of the cards' published interconnect bandwidths";

/** What is kept as measured on the source card, and why (`derivedFrom.kept`). */
const KEPT = 'enactment fits (launch gaps, host staging, allocation/VMM work), iterationOverheadS and vmm per-call costs: assumed unchanged (host-bound), as measured on';

/** Fields a profile may have besides its kernel tables (each either provenance or host-bound). */
const NOT_TABLES = new Set(['schema', 'card', 'gpu', 'driver', 'cudaRuntime', 'date', 'model', 'tp', 'dtype', 'method', 'command', 'shape', 'vmm', 'iterationOverheadS', 'enactment']);
const TABLES = new Set(['layerGemm', 'lmHead', 'decodeAttention', 'prefillAttention', 'recurrentStep', 'recurrentPrefill', 'slstmStep', 'slstmPrefill', 'allReduce']);

/** How one table was scaled, for the command's summary. */
export interface TableScaling {
  table: string;
  cells: number;
  /** Cells whose roofline on the source card is set by bandwidth (the rest by FLOPs). */
  memoryBoundCells: number;
  minFactor: number;
  maxFactor: number;
}

export interface ScaledProfile {
  profile: CalibrationProfile;
  tables: TableScaling[];
  ceilings: { from: CardCeilings; to: CardCeilings };
}

/**
 * A profile measured on card A (`profile.gpu`) predicted for card B (`to`) by {@link SCALING_RULE}:
 * every kernel-time cell scales by the ratio of its roofline times on the two cards, so a cell that is
 * memory-bound on both moves by the bandwidth ratio and one compute-bound on both by the FLOP-rate
 * ratio; host-side terms (enactment fits, iterationOverheadS, vmm) are kept as measured on A, labelled
 * "assumed unchanged (host-bound)". The result carries `derivedFrom` (source file, card, date, rule,
 * both cards' ceilings with their sources), a card and method string that say PREDICTED, and is never
 * auto-selected as a measurement (findMatchingProfiles skips it).
 *
 * Fails in one line naming the table when the profile records no shape (the bytes and FLOPs of its
 * cells cannot be computed) or its shape lacks what a table times; refuses a profile that is itself
 * predicted, and a field it has no rule for.
 */
export function scaleProfile(profile: CalibrationProfile, path: string, to: HardwareSpec, from: HardwareSpec = presetOf(profile, path)): ScaledProfile {
  const fail = (what: string): never => {
    throw new UserError('PROFILE_SCALE', `calibrate scale: ${path}: ${what}`);
  };
  if (profile.derivedFrom) fail(`already predicted (from ${profile.derivedFrom.profile}, ${profile.derivedFrom.card}); scale the measured profile instead`);
  for (const k of Object.keys(profile)) if (!NOT_TABLES.has(k) && !TABLES.has(k)) fail(`${k}: no scaling rule for this field`);
  const { from: cf, to: ct } = cardPairCeilings(from, to);
  const out = structuredClone(profile);
  const tables: TableScaling[] = [];
  for (const { name, table } of profileTables(out)) {
    const scale = name === 'allReduce' ? linkRatio(cf, ct) : roofRatio(name, profile, cf, ct, fail);
    const s: TableScaling = { table: name, cells: 0, memoryBoundCells: 0, minFactor: Infinity, maxFactor: -Infinity };
    const scaled = (t: number, a: number, b: number): number => {
      const { factor, memoryBound } = scale(a, b);
      s.cells++;
      if (memoryBound) s.memoryBoundCells++;
      s.minFactor = Math.min(s.minFactor, factor);
      s.maxFactor = Math.max(s.maxFactor, factor);
      return t * factor;
    };
    if (is2D(table)) table.timeS = table.timeS.map((row, i) => row.map((t, j) => scaled(t, table.a[i], table.b[j])));
    else table.timeS = table.timeS.map((t, i) => scaled(t, table.x[i], 0));
    tables.push(s);
  }
  out.card = `PREDICTED for ${to.name} from ${profile.card} profile of ${profile.date} by roofline scaling; not measured`;
  out.gpu = to.name;
  out.driver = `none: predicted (source profile: driver ${profile.driver})`;
  out.cudaRuntime = `none: predicted (source profile: CUDA runtime ${profile.cudaRuntime})`;
  out.method = `PREDICTED, not measured: ${SCALING_RULE}; ${KEPT} ${profile.card}. Source tables (${profile.card}, ${profile.date}): ${profile.method}`;
  out.command = `kvsim calibrate scale --profile ${path} --to ${to.name}`;
  out.derivedFrom = { profile: path, card: profile.card, gpu: profile.gpu, date: profile.date, rule: SCALING_RULE, ceilings: { from: cf, to: ct }, kept: `${KEPT} ${profile.card}` };
  return { profile: out, tables, ceilings: { from: cf, to: ct } };
}

type CellScale = (a: number, b: number) => { factor: number; memoryBound: boolean };

function roofRatio(name: string, profile: CalibrationProfile, from: CardCeilings, to: CardCeilings, fail: (what: string) => never): CellScale {
  if (!profile.shape) return fail(`${name}: the profile records no shape, so the bytes and FLOPs of its cells are unknown; re-measure it with \`kvsim calibrate\` (which records the shape)`);
  const work = cellWork(name, profile.shape);
  if (typeof work === 'string') return fail(`${name}: ${work}, so the bytes and FLOPs of its cells are unknown`);
  return (a, b) => {
    const ra = roofS(work, a, b, from);
    const rb = roofS(work, a, b, to);
    if (!(ra.timeS > 0) || !Number.isFinite(rb.timeS)) return { factor: 1, memoryBound: ra.memoryBound };
    return { factor: rb.timeS / ra.timeS, memoryBound: ra.memoryBound };
  };
}

/** A cell's roofline time per layer on a card, and whether bandwidth sets it (for the larger part of the time). */
function roofS(work: CellWork, a: number, b: number, c: CardCeilings): { timeS: number; memoryBound: boolean } {
  let sum = 0;
  let layers = 0;
  let memS = 0;
  let flopS = 0;
  for (const g of work(a, b)) {
    for (const k of g.kernels) {
      const m = k.bytes / c.bandwidthBytesPerS;
      const f = k.flops / c.flopsPerS;
      sum += g.count * Math.max(m, f);
      if (m >= f) memS += g.count * m;
      else flopS += g.count * f;
    }
    layers += g.count;
  }
  return { timeS: layers > 0 ? sum / layers : 0, memoryBound: memS >= flopS };
}

function linkRatio(from: CardCeilings, to: CardCeilings): CellScale {
  const f = from.interconnectBytesPerS !== undefined && to.interconnectBytesPerS !== undefined ? from.interconnectBytesPerS / to.interconnectBytesPerS : 1;
  return () => ({ factor: f, memoryBound: true });
}

function presetOf(profile: CalibrationProfile, path: string): HardwareSpec {
  try {
    return hardwarePreset(profile.gpu);
  } catch {
    throw new UserError('PROFILE_SCALE', `calibrate scale: ${path}: gpu "${profile.gpu}" is not a hardware preset, so its ceilings are unknown`);
  }
}
