import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { expected, UserError } from '../../errors.js';
import type { HardwareSpec } from '../hardware/HardwareSpec.js';
import type { MemoryPolicy } from '../memory/MemoryPolicy.js';
import { attentionLayers } from '../model/derived.js';
import type { ModelSpec } from '../model/ModelSpec.js';
import type { AttentionKernelProfile } from './attention/AttentionKernelProfile.js';
import { readAttentionKernels } from './attention/readAttentionKernels.js';
import { CalibratedCostModel } from './calibrated/CalibratedCostModel.js';
import { profileOrigin, type CalibrationProfile } from './calibrated/CalibrationProfile.js';
import { findMatchingProfiles, profilesDir } from './calibrated/findProfile.js';
import { modelShape, shapeDifference } from './calibrated/ModelShape.js';
import { enactmentKey, usesPagedKernels } from './calibrated/predictorFor.js';
import { scaleKernelTimes } from './calibrated/scaleKernelTimes.js';
import { readProfile } from './calibrated/readProfile.js';
import type { CostModel } from './CostModel.js';
import { RooflineCostModel } from './RooflineCostModel.js';
import type { RooflineOptions } from './RooflineOptions.js';

/** Attention kernel families `--attention-kernels` names (besides a file). */
export const ATTENTION_KERNEL_NAMES = ['kvsim', 'sdpa', 'vllm-0.2.7', 'fa2-paged', 'flashinfer-paged'] as const;
const PUBLISHED = new Set(['vllm-0.2.7', 'fa2-paged', 'flashinfer-paged']);

/** How a run's cost model is chosen (the same for `kvsim replay`, `simulate()`, `validate` and the notebooks). */
export interface CostModelOptions {
  /**
   * `auto`: the committed measured profile for this card whose shape (layers, heads, KV heads, head
   * dim, dtypes, dense sizes, TP) equals the model's, else the roofline; `roofline`; or a profile path.
   * @defaultValue 'auto'
   */
  profile?: string;
  /**
   * Attention kernels: `kvsim` (the profile's own, measured on our kernels), `sdpa` (PyTorch, measured,
   * profiles/<gpu>/attention-sdpa.json), `vllm-0.2.7` / `fa2-paged` / `flashinfer-paged` (published,
   * profiles/published/), or a file (bring-your-own timings, see bench/kernels/ATTENTION_FORMAT.md).
   * @defaultValue 'kvsim'
   */
  attentionKernels?: string;
  /**
   * Price terms the chosen tables lack with the roofline instead of failing; the run records the
   * share of iterations affected. @defaultValue false
   */
  allowFallback?: boolean;
  /** Options of the roofline (the model itself, or fallback). */
  roofline?: RooflineOptions;
  /** @defaultValue the package's profiles/ folder */
  profilesDir?: string;
  /**
   * Multiply the chosen profile's kernel-time tables by `factor` (host-side fits and communication
   * kept): what a validation's host-speed probe measured (src/gpu/hostSpeedProbe.ts). The note and
   * the profile's method string say so.
   */
  scaleKernels?: { factor: number; why: string };
  /**
   * The run executes decode-only iterations as CUDA graphs padded to these capture sizes
   * (`--cuda-graphs`): priced from the profile's enactment.<policy>.cudaGraphs fit; without a profile,
   * or with one lacking that fit, resolution fails (the roofline has no graph overhead).
   */
  cudaGraphs?: { captureSizes: readonly number[] };
}

export interface RunShape {
  model: ModelSpec;
  hardware: HardwareSpec;
  tp: number;
  policy: MemoryPolicy;
  policyOptions?: unknown;
}

export interface ResolvedCostModel {
  costModel: CostModel;
  /** One line for outputs: which model, which file(s), and why. */
  note: string;
  profilePath?: string;
  /** The calibration profile used (for a GPU replay's predictor, which must use the same). */
  profile?: { profile: CalibrationProfile; path: string };
  kernelsPath?: string;
}

/** The one resolution of the cost model: what the CLI, the library, validate and the notebooks call. */
export function resolveCostModel(run: RunShape, options: CostModelOptions = {}): ResolvedCostModel {
  const dir = options.profilesDir ?? profilesDir();
  const choice = options.profile ?? 'auto';
  const { model, hardware, tp, policy } = run;
  const shape = modelShape(model, tp);
  const shown = (p: string) => (p.startsWith(dir) ? relative(dirname(dir), p) : p);

  let profile: { profile: CalibrationProfile; path: string } | undefined;
  let why: string;
  if (choice === 'roofline') {
    why = 'roofline (asked for)';
  } else if (choice === 'auto') {
    const found = findMatchingProfiles(hardware.name, shape, dir)[0];
    if (found) {
      profile = { profile: found.profile, path: shown(found.path) };
      why = `measured profile ${profile.path} (${found.profile.card}, ${found.profile.date}), matched by card and shape`;
    } else {
      why = `roofline: no measured profile in ${shown(join(dir, hardware.name))}/ matches this card and shape (${shapeSummary(model, tp)})`;
    }
  } else {
    const p = readProfile(choice);
    if (p.gpu !== hardware.name) throw new UserError('PROFILE_MISMATCH', `${choice}: ${p.derivedFrom ? p.card : `measured on ${p.gpu} (${p.card})`} but the run is on ${hardware.name}; pass --gpu ${p.gpu} or a profile measured on this card`);
    const diff = p.shape ? shapeDifference(shape, p.shape) : undefined;
    if (diff) throw new UserError('PROFILE_MISMATCH', `${choice}: measured for another shape: ${diff}`);
    profile = { profile: p, path: choice };
    // A predicted profile (kvsim calibrate scale) says so first: its tables were not measured on this card.
    why = p.derivedFrom
      ? `profile ${choice} for ${p.gpu}: ${profileOrigin(p)} (${p.derivedFrom.profile}), not measured on this card`
      : `measured profile ${choice} (${p.card}, ${p.date})${p.shape ? '' : ', shape not recorded in the file'}`;
  }

  if (profile && options.scaleKernels) {
    const { factor, why: reason } = options.scaleKernels;
    profile = { profile: scaleKernelTimes(profile.profile, factor, reason), path: profile.path };
    why += `, kernel tables x${factor.toFixed(4)} (${reason})`;
  }

  const kernelsName = options.attentionKernels ?? 'kvsim';
  const kernels = kernelsName === 'kvsim' ? undefined : loadKernels(kernelsName, hardware, dir, shown);
  if (kernels?.profile.shape) checkKernelShape(kernels.profile, kernels.path, model, tp);
  const pagedKernels = usesPagedKernels(policy, run.policyOptions);
  const ctx = { model, hardware, tp, pagedKernels, allocationMode: policy.allocationMode };
  const blockSizeTokens = blockSizeOf(run.policyOptions);
  const costModel: CostModel =
    !profile && !kernels && !options.cudaGraphs
      ? new RooflineCostModel(ctx, options.roofline)
      : new CalibratedCostModel({
          ...ctx,
          profile: profile?.profile,
          profilePath: profile?.path,
          blockSizeTokens,
          policyKind: enactmentKey(policy, run.policyOptions),
          kernels,
          allowFallback: options.allowFallback ?? false,
          ...(options.cudaGraphs ? { cudaGraphs: options.cudaGraphs } : {}),
          roofline: options.roofline,
        });
  const attention = attentionLayers(model).length === 0 ? 'no attention layers' : kernels ? `attention kernels ${kernels.profile.name} (${kernels.path}, ${kernels.profile.provenance.kind})` : profile ? `attention kernels kvsim's (${profile.profile.derivedFrom ? 'predicted' : 'measured'} in the profile)` : 'attention analytic';
  return { costModel, note: `${why}; ${attention}`, profilePath: profile?.path, profile, kernelsPath: kernels?.path };
}

function loadKernels(name: string, hardware: HardwareSpec, dir: string, shown: (p: string) => string): { profile: AttentionKernelProfile; path: string } {
  let path: string;
  if (PUBLISHED.has(name)) {
    path = join(dir, 'published', `${name}.json`);
  } else if (name === 'sdpa') {
    path = join(dir, hardware.name, 'attention-sdpa.json');
    if (!existsSync(path)) {
      throw new UserError('PROFILE_MISSING', `--attention-kernels sdpa: no measured SDPA profile for ${hardware.name} (${shown(path)}); measure it on the GPU with \`python3 bench/kernels/measure_attention.py --kernels sdpa --out ${shown(path)}\``);
    }
  } else if (existsSync(name)) {
    path = name;
  } else {
    throw expected(`one of ${ATTENTION_KERNEL_NAMES.join(', ')} or an existing timings file`, '--attention-kernels', name);
  }
  return { profile: readAttentionKernels(path), path: shown(path) };
}

/** Measured kernel tables are per layer at one attention shape; the model's (per GPU) must be it. */
function checkKernelShape(k: AttentionKernelProfile, path: string, model: ModelSpec, tp: number): void {
  const s = k.shape!;
  for (const l of attentionLayers(model)) {
    const want = `${l.heads / tp}/${l.kvHeads / tp}/${l.headDim}/${elementBytes(l.dtype)} B`;
    const have = `${s.numQHeads}/${s.numKvHeads}/${s.headDim}/${elementBytes(s.dtype)} B`;
    if (want !== have) throw new UserError('PROFILE_MISMATCH', `${path}: timed at q heads/kv heads/head dim/element ${have}, but ${model.name} at TP ${tp} has ${want} per GPU`);
  }
}

function blockSizeOf(policyOptions: unknown): number {
  const o = policyOptions as { blockSizeTokens?: number; attentionOptions?: { blockSizeTokens?: number } } | undefined;
  return o?.blockSizeTokens ?? o?.attentionOptions?.blockSizeTokens ?? 16;
}

function shapeSummary(model: ModelSpec, tp: number): string {
  const a = attentionLayers(model)[0];
  const layers = `${model.layers.length} layers`;
  return a ? `${layers}, ${a.heads}/${a.kvHeads} heads, head dim ${a.headDim}, ${a.dtype}, TP ${tp}` : `${layers} (${model.layers[0]?.kind}), TP ${tp}`;
}

/** Bytes per element of a dtype name as timing files spell it (bf16, fp16, float16, fp32, fp8 ...). */
function elementBytes(dtype: string): number {
  const d = dtype.toLowerCase();
  if (/^(fp|float|f)?8|e4m3|e5m2/.test(d)) return 1;
  if (/16/.test(d)) return 2;
  if (/32/.test(d)) return 4;
  return Number.NaN;
}
