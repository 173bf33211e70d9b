import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { checkInt, InvalidOptionError } from '../errors.js';
import { resolveModelArg } from './modelArg.js';
import { checkOutputPath } from '../io/checkOutputPath.js';
import { writeJsonOutput } from '../io/writeJsonOutput.js';
import { usesPagedKernels } from '../sim/cost/calibrated/predictorFor.js';
import { schedulerCaptureSizes } from '../sim/cost/calibrated/cudaGraphSizes.js';
import { resolveCostModel } from '../sim/cost/resolveCostModel.js';
import { simulate } from '../sim/engine/simulate.js';
import { hardwarePreset } from '../sim/hardware/presets.js';
import { createPolicy } from '../sim/memory/createPolicy.js';
import type { PolicyKind } from '../sim/memory/MemoryPolicy.js';
import { checkTensorParallel } from '../sim/model/derived.js';
import { openTrace } from '../sim/trace/openTrace.js';
import { checkSchedulerKind, resolveSchedulerOptions } from '../sim/scheduler/SchedulerOptions.js';
import { compareRuns, VALIDATION_TARGETS, type ValidationSummary } from '../sim/validation/compareRuns.js';
import { formatDrift, formatPhaseErrors } from '../sim/validation/formatDrift.js';
import { formatGpuSpread, gpuSpread } from '../sim/validation/gpuSpread.js';
import type { HostProbeResult } from '../gpu/hostSpeedProbe.js';

interface ValidateArgs {
  trace: string;
  model: string;
  policy: string;
  gpu?: string;
  tp: number;
  profile?: string;
  first?: number;
  timeScale?: number;
  json?: string;
  runs?: string;
  device: number;
  eagerPages?: number;
  mapping?: string;
  blockSize?: number;
  scheduler: string;
  rate?: number;
  maxNumBatchedTokens?: number;
  maxNumSeqs?: number;
  enablePrefixCaching?: boolean;
  hostProbe: boolean;
  repeat: number;
  cudaGraphs: boolean;
}

export const validateCommand: CommandModule<object, ValidateArgs> = {
  command: 'validate',
  describe: 'Replay one trace in the simulator and on the GPU and report how far the simulator is off',
  builder: (y: Argv) =>
    y
      .option('trace', { type: 'string', default: 'synthetic:conv', describe: 'registry name, synthetic spec or path' })
      .option('model', { type: 'string', default: 'llama-3-8b' })
      .option('policy', { type: 'string', default: 'vattention', describe: 'static | paged | vattention | recurrent | hybrid' })
      .option('gpu', { type: 'string', describe: 'hardware preset of this card (default: detected)' })
      .option('tp', { alias: 'tensor-parallel-size', type: 'number', default: 1 })
      .option('profile', { type: 'string', describe: 'calibration profile (default: the committed profile measured on this card for the model\'s shape, else the roofline model)' })
      .option('first', { type: 'number', describe: 'keep the first N requests of the trace' })
      .option('time-scale', { type: 'number', describe: 'multiply inter-arrival times (compress a long trace)' })
      .option('json', { type: 'string', describe: 'write the validation result (pairs and errors) here' })
      .option('runs', { type: 'string', describe: 'write both RunResults here as <prefix>.sim.json and <prefix>.gpu.json' })
      .option('device', { type: 'number', default: 0 })
      .option('eager-pages', { type: 'number', describe: 'vattention: page groups mapped ahead of need (lets mapping overlap compute on the GPU)' })
      .option('mapping', { type: 'string', choices: ['overlapped', 'sync'], describe: 'vattention: overlapped (background thread) or synchronous mapping' })
      .option('block-size', { type: 'number', describe: 'paged: tokens per block' })
      .option('scheduler', { type: 'string', default: 'vllm', describe: 'vllm (V1) | vllm-v0 | sarathi | orca: the same scheduler runs in both replays' })
      .option('rate', { type: 'number', describe: 'rescale arrivals to this mean rate, requests/s' })
      .option('max-num-batched-tokens', { type: 'number', alias: 'max-batched-tokens', describe: 'scheduler token budget per step' })
      .option('max-num-seqs', { type: 'number', describe: 'most requests running at once' })
      .option('enable-prefix-caching', { type: 'boolean', describe: 'paged: automatic prefix caching (default: on under vllm)' })
      .option('repeat', { type: 'number', default: 1, describe: "replay on the GPU this many times (1-10) and print the GPU's own run-to-run spread beside the errors (errors use the first replay)" })
      .option('host-probe', { type: 'boolean', default: false, describe: "re-measure 5 of the profile's cells on this GPU first and scale its kernel tables by what this lease runs (off by default: on the one H100 lease tried it did not reduce the error; see README)" })
      .option('cuda-graphs', { type: 'boolean', default: false, describe: "run decode-only iterations on the GPU as CUDA graphs padded to vLLM V1's capture sizes (prefill and mixed ones eager); both replays are priced with the profile's enactment.<policy>.cudaGraphs fit (kvsim calibrate --cuda-graphs)" })
      .example('$0 validate --trace azure-conv-2023 --first 300 --policy paged', 'the first 300 Azure conversation requests under PagedAttention')
      .strict() as unknown as Argv<ValidateArgs>,
  handler: async (args: ArgumentsCamelCase<ValidateArgs>) => {
    // GPU modules load only when this command runs: every other command (replay) starts faster.
    const [{ detectGpuPreset }, { replayOnGpu, checkGpuReplayTp, checkCudaGraphs }, { requireGpu }, { checkPrefillKernel, gpuPrefillKernel }, { checkMlstmPrefillAlgorithm, gpuMlstmPrefillAlgorithm }, { checkSlstmStepVariant, gpuSlstmStepVariant }] = await Promise.all([
      import('../gpu/detectGpuPreset.js'), import('../gpu/replayOnGpu.js'), import('../gpu/requireGpu.js'), import('../gpu/prefillAttentionKernel.js'), import('../gpu/mlstmPrefillAlgorithm.js'),
      import('../gpu/slstmStepVariant.js'),
    ]);
    const cudaGraphs = checkCudaGraphs(args.cudaGraphs, '--cuda-graphs');
    const { binding, info } = requireGpu(args.device);
    // Outputs are checked before the two replays run, not after.
    if (args.json !== undefined) checkOutputPath(args.json, '--json');
    if (args.runs !== undefined) {
      checkOutputPath(`${args.runs}.sim.json`, '--runs');
      checkOutputPath(`${args.runs}.gpu.json`, '--runs');
    }
    const model = resolveModelArg(args.model);
    const tp = checkTensorParallel(model, args.tp);
    checkGpuReplayTp(tp);
    const repeat = checkInt('--repeat', args.repeat, 1, 10);
    const gpu = args.gpu ?? detectGpuPreset(info.name);
    if (!gpu) throw new InvalidOptionError(`validate: cannot tell which hardware preset "${info.name}" is; pass --gpu`);
    const hardware = hardwarePreset(gpu);
    const policyKind = args.policy as PolicyKind;
    const traceOptions = { first: args.first, timeScale: args.timeScale, rate: args.rate, maxContextTokens: model.maxContextTokens };
    const scheduler = checkSchedulerKind(args.scheduler);
    const schedulerOptions = {
      ...(args.maxNumBatchedTokens !== undefined ? { maxNumBatchedTokens: args.maxNumBatchedTokens } : {}),
      ...(args.maxNumSeqs !== undefined ? { maxNumSeqs: args.maxNumSeqs } : {}),
    };

    const kvOptions = {
      ...(args.eagerPages !== undefined ? { eagerPages: args.eagerPages } : {}),
      ...(args.mapping !== undefined ? { mapping: args.mapping } : {}),
      ...(args.blockSize !== undefined ? { blockSizeTokens: args.blockSize } : {}),
      ...(args.enablePrefixCaching !== undefined ? { enablePrefixCaching: args.enablePrefixCaching } : {}),
    };
    // `--policy hybrid` takes its attention part's options nested (HybridPolicy: attentionOptions); at the
    // top level the hybrid ignored them (a --block-size ran block 16 while the predictor priced paged.<block>).
    const policyOptions = policyKind === 'hybrid' && Object.keys(kvOptions).length > 0 ? { attentionOptions: kvOptions } : kvOptions;
    const sched = resolveSchedulerOptions(schedulerOptions, scheduler, { gpuMemoryBytes: hardware.memoryBytes, gpuName: hardware.name });
    const maxNumSeqs = sched.maxNumSeqs;
    const simPolicy = createPolicy(policyKind, { model, hardware, tp, vllmV1Defaults: scheduler === 'vllm', maxNumSeqs }, policyOptions as never);
    // The one cost resolution, as replay and simulate(); the GPU side's predictor uses the same profile.
    const runShape = { model, hardware, tp, policy: simPolicy, policyOptions };
    // With --cuda-graphs both replays price the GPU's own rule: decode batches padded to the capture
    // sizes replayOnGpu uses, with the profile's graph overhead fit (refused without one).
    const graphs = cudaGraphs ? { cudaGraphs: { captureSizes: schedulerCaptureSizes(sched) } } : {};
    let resolved = resolveCostModel(runShape, { profile: args.profile ?? 'auto', ...graphs });
    // The host-speed probe (issue 21: the same card runs a whole replay ~2% faster on one lease than on
    // another): the profile's kernel tables are rescaled by what this GPU measures now, before either replay.
    // Opt-in: on the lease where it was tried (H100, 2026-12-06) the probed cells ran x1.012 of the profile
    // while whole decode iterations ran 3.3% faster than predicted, so it moved the error the wrong way:
    // the lease-to-lease drift is not in the kernel cells it re-measures.
    let hostProbe: HostProbeResult | undefined;
    if (args.hostProbe) {
      // Asked for and not possible is an error, never a silent skip: the roofline has no kernel tables to rescale.
      if (!resolved.profile) throw new InvalidOptionError(`--host-probe: the run is priced by the roofline (${resolved.note}), which has no kernel tables to rescale; pass --profile, or leave out --host-probe`);
      const { hostSpeedProbe, formatHostProbe } = await import('../gpu/hostSpeedProbe.js');
      // The attention tables the predictor reads (predictorFor): a hybrid's attention part decides, and its block size.
      const pagedBlockSize = usesPagedKernels(simPolicy, policyOptions) ? (args.blockSize ?? 16) : undefined;
      hostProbe = hostSpeedProbe(binding, resolved.profile.profile, { model, tp, device: args.device, pagedBlockSize });
      process.stdout.write(formatHostProbe(hostProbe));
      resolved = resolveCostModel(runShape, { profile: args.profile ?? 'auto', ...graphs, scaleKernels: { factor: hostProbe.factor, why: 'host-speed probe at validation start' } });
    }
    const { profile, costModel } = resolved;
    process.stdout.write(`cost model: ${resolved.note}\n`);
    // The profile's prefill tables were measured with one of several prefill kernels; if this GPU runs
    // another (a new default, KVSIM_ATTN_PREFILL), the comparison mixes unlike things: one warning line,
    // and the same fact in --json. Never a refusal: comparing across kernels can be the point.
    const prefillKernel = profile ? checkPrefillKernel(profile.profile, profile.path, gpuPrefillKernel(binding, model, tp, args.device)) : undefined;
    if (prefillKernel?.warning) process.stderr.write(`${prefillKernel.warning}\n`);
    // The same for an mLSTM model's recurrentPrefill table: xlstm_mlstm_prefill's auto picks sequential
    // or tfla by prompt length (its rule is the name compared). Only where the model has mLSTM layers (else the GPU runs no mLSTM prefill to compare).
    const mlstmAlgorithm = profile && model.layers.some((l) => l.kind === 'mlstm') ? checkMlstmPrefillAlgorithm(profile.profile, profile.path, gpuMlstmPrefillAlgorithm(binding, model)) : undefined;
    if (mlstmAlgorithm?.warning) process.stderr.write(`${mlstmAlgorithm.warning}\n`);
    // And an sLSTM model's slstmStep table: xlstm_slstm_step runs one of several variants (KVSIM_SLSTM_VARIANT).
    const slstmVariant = profile && model.layers.some((l) => l.kind === 'slstm') ? checkSlstmStepVariant(profile.profile, profile.path, gpuSlstmStepVariant(binding, model)) : undefined;
    if (slstmVariant?.warning) process.stderr.write(`${slstmVariant.warning}\n`);
    const sim = await simulate({ trace: await openTrace(args.trace, traceOptions), traceName: args.trace, model, hardware, tp, policy: simPolicy, policyOptions, scheduler, schedulerOptions, costModel });
    const gpuReplay = async () => replayOnGpu({ trace: await openTrace(args.trace, traceOptions), traceName: args.trace, model, hardware, tp, policy: policyKind, policyOptions, scheduler, schedulerOptions, device: args.device, profile, ...(cudaGraphs ? { cudaGraphs } : {}) });
    const g = await gpuReplay();
    // Repeats: the same GPU replay again, compared with the first by plan (gpuSpread), so every error can
    // be read beside what the card itself does from run to run.
    const repeats = [];
    for (let i = 1; i < repeat; i++) repeats.push(await gpuReplay());
    const spread = repeat > 1 ? gpuSpread([g, ...repeats].map((r) => ({ run: r.run, pairs: r.pairs }))) : undefined;
    const summary = compareRuns(sim, g.run, g.pairs);
    process.stdout.write(formatValidation(summary, { card: g.card, model: model.name, policy: simPolicy.label, trace: args.trace, predictor: g.predictor }));
    if (spread) process.stdout.write(formatGpuSpread(spread));
    if (args.json) {
      const out = { schema: 'kvsim.validation/1', card: g.card, model: model.name, policy: simPolicy.label, trace: args.trace, predictor: g.predictor, date: new Date().toISOString(), ...(prefillKernel ? { prefillAttentionKernel: prefillKernel } : {}), ...(mlstmAlgorithm ? { recurrentPrefillAlgorithm: mlstmAlgorithm } : {}), ...(slstmVariant ? { slstmStepVariant: slstmVariant } : {}), ...(hostProbe ? { hostProbe } : {}), summary, ...(spread ? { gpuSpread: spread } : {}), iterations: g.pairs };
      await writeJsonOutput(args.json, out, { option: '--json' });
    }
    if (args.runs) {
      await writeJsonOutput(`${args.runs}.sim.json`, sim, { option: '--runs' });
      await writeJsonOutput(`${args.runs}.gpu.json`, g.run, { option: '--runs' });
    }
  },
};

function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}

/** The validation table users read. */
export function formatValidation(s: ValidationSummary, m: { card: string; model: string; policy: string; trace: string; predictor: string }): string {
  const e = s.endToEnd;
  const ok = (b: boolean) => (b ? 'met' : 'MISSED');
  return [
    `validate: ${m.model} under ${m.policy} on ${m.card}, trace ${m.trace}`,
    `predictor: ${m.predictor}`,
    `per-iteration |sim-gpu|/gpu over ${s.perIteration.count} iterations: median ${pct(s.perIteration.median)} (target < ${pct(VALIDATION_TARGETS.iterationMedian)}: ${ok(s.targets.iterationMedian)}), p90 ${pct(s.perIteration.p90)}, p95 ${pct(s.perIteration.p95)} (target < ${pct(VALIDATION_TARGETS.iterationP95)}: ${ok(s.targets.iterationP95)}), p99 ${pct(s.perIteration.p99)}, bias ${pct(s.perIteration.meanSigned)}`,
    `end to end (sim-gpu)/gpu: makespan ${pct(e.makespanS)} (target |x| < ${pct(VALIDATION_TARGETS.makespan)}: ${ok(s.targets.makespan)}), throughput ${pct(e.outputTokensPerS)}`,
    `  TTFT p50 ${pct(e.ttftP50)} p90 ${pct(e.ttftP90)} p99 ${pct(e.ttftP99)} | TBT p50 ${pct(e.tbtP50)} p90 ${pct(e.tbtP90)} p99 ${pct(e.tbtP99)} | E2E p50 ${pct(e.e2eP50)} p90 ${pct(e.e2eP90)} p99 ${pct(e.e2eP99)}`,
    '',
  ].join('\n') +
    (s.perPhase ? formatPhaseErrors(s.perPhase) : '') +
    (s.drift ? formatDrift(s.drift) : s.driftUnavailable ? `independent replays not compared: ${s.driftUnavailable}\n` : '');
}
