import { profileOrigin, type CalibrationProfile, type Table2D } from '../calibrated/CalibrationProfile.js';
import { interpolate2D, type Estimate } from '../calibrated/interpolate.js';
import type { AttentionKernelProfile, PublishedRatio } from './AttentionKernelProfile.js';

/** Where one attention estimate came from, beyond the table rule (published figures outside their stated range). */
export type AttentionProvenance = Estimate['provenance'] | 'published-in-range' | 'published-out-of-range' | 'published-range-unstated';

/** Prices one attention operation per layer, or says where its figures come from. */
export interface AttentionLookup {
  /** e.g. `measured profiles/h100-sxm-80gb/llama-3-8b.json decodeAttention.paged.16`. */
  readonly label: string;
  /** Per-layer time at (a, b): decode (batch, context), prefill (chunk tokens, context); provenance in `out`. */
  price(a: number, b: number, out: { timeS: number; provenance: string }): void;
}

/** A base that prices the contiguous kernel (a table, or the roofline) the published ratios scale. */
export type ContiguousBase = AttentionLookup;

export function tableLookup(label: string, t: Table2D): AttentionLookup {
  const est: Estimate = { timeS: 0, provenance: 'interpolated' };
  return {
    label,
    price(a, b, out) {
      interpolate2D(t, a, b, est);
      out.timeS = est.timeS;
      out.provenance = est.provenance;
    },
  };
}

/** The contiguous base scaled by a published paged-over-contiguous ratio; estimates outside the stated range are marked. */
export function ratioLookup(name: string, r: PublishedRatio, base: ContiguousBase): AttentionLookup {
  const h = r.holds;
  return {
    label: `published ${name} ${r.kind} x${r.pagedOverContiguous} at block ${r.blockSize} (${r.cite}) on ${base.label}`,
    price(a, b, out) {
      base.price(a, b, out);
      out.timeS *= r.pagedOverContiguous;
      // For decode `a` is the batch; prefill estimates are per request, so the batch condition is its own.
      const batch = r.kind === 'decode' ? a : 1;
      out.provenance = h === null ? 'published-range-unstated' : batch >= h.batch[0] && batch <= h.batch[1] && b >= h.contextTokens[0] && b <= h.contextTokens[1] ? 'published-in-range' : 'published-out-of-range';
    },
  };
}

export interface AttentionLookupInput {
  kind: 'decode' | 'prefill';
  paged: boolean;
  blockSize: number;
  /** Calibration profile and its shown path (kvsim's own kernels), if any. */
  profile?: { profile: CalibrationProfile; path: string };
  /** The named kernel profile (`--attention-kernels`), if not kvsim's own. */
  kernels?: { profile: AttentionKernelProfile; path: string };
  /** Prices the contiguous kernel when no table does (the roofline's contiguous attention). */
  rooflineContiguous: ContiguousBase;
}

/**
 * The lookup for one attention operation, or a one-line reason why there is none:
 * - named measured kernels (bring-your-own file): their table for this layout and block size;
 * - named published kernels: their ratio for this operation and block size over the contiguous base
 *   (kvsim's measured contiguous table when a profile is used, else the roofline); contiguous runs use the base;
 * - kvsim's kernels: the calibration profile's table for this layout and block size.
 */
export function attentionLookup(i: AttentionLookupInput): AttentionLookup | { missing: string } {
  const part = i.kind === 'decode' ? 'decodeAttention' : 'prefillAttention';
  const where = i.paged ? `paged.${i.blockSize}` : 'contiguous';
  const profileTable = (paged: boolean): AttentionLookup | undefined => {
    if (!i.profile) return undefined;
    const t = paged ? i.profile.profile[part]?.paged?.[String(i.blockSize)] : i.profile.profile[part]?.contiguous;
    return t ? tableLookup(`${profileOrigin(i.profile.profile)} ${i.profile.path} ${part}.${paged ? `paged.${i.blockSize}` : 'contiguous'}`, t) : undefined;
  };
  const k = i.kernels;
  if (k?.profile.tables) {
    const t = k.profile.tables.find((x) => x.kind === i.kind && x.layout === (i.paged ? 'paged' : 'contiguous') && (!i.paged || x.blockSize === i.blockSize));
    if (t) return tableLookup(`measured ${k.profile.name} (${k.path}) ${i.kind} ${where}`, t.table);
    const have = k.profile.tables.filter((x) => x.kind === i.kind).map((x) => (x.layout === 'paged' ? `paged.${x.blockSize}` : 'contiguous'));
    return { missing: `${k.path} has no ${i.kind} ${where} timings (it has: ${have.join(', ') || 'none'}); measure them with \`python3 bench/kernels/measure_attention.py\`` };
  }
  const base = profileTable(false) ?? i.rooflineContiguous;
  if (k) {
    if (!i.paged) return base;
    const r = k.profile.ratios?.find((x) => x.kind === i.kind && x.blockSize === i.blockSize);
    if (r) return ratioLookup(k.profile.name, r, base);
    const have = (k.profile.ratios ?? []).filter((x) => x.kind === i.kind).map((x) => `block ${x.blockSize}`);
    return { missing: `${k.profile.name} (${k.path}) publishes no paged ${i.kind} figure at block ${i.blockSize} (it has: ${have.join(', ') || 'none'})` };
  }
  if (!i.profile) return { missing: 'no calibration profile' };
  const t = profileTable(i.paged);
  if (t) return t;
  const measured = Object.keys(i.profile.profile[part]?.paged ?? {}).join(', ') || 'none';
  return { missing: `${i.profile.path} has no ${part}.${where} table${i.paged ? ` (paged block sizes measured: ${measured})` : ''}; measure it with \`kvsim calibrate --model ${i.profile.profile.model}\` on the GPU` };
}
