import { mkdir } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import type { CommandModule } from 'yargs';
import { checkInt, checkNumber, expected, InvalidOptionError, UserError } from '../errors.js';
import { simulate } from '../sim/engine/simulate.js';
import { hardwarePreset } from '../sim/hardware/presets.js';
import type { PolicyKind } from '../sim/memory/MemoryPolicy.js';
import { createPolicy, POLICY_KINDS } from '../sim/memory/createPolicy.js';
import type { CalibrationProfile } from '../sim/cost/calibrated/CalibrationProfile.js';
import { findMatchingProfiles, profilesDir } from '../sim/cost/calibrated/findProfile.js';
import { modelShape } from '../sim/cost/calibrated/ModelShape.js';
import { schedulerCaptureSizes } from '../sim/cost/calibrated/cudaGraphSizes.js';
import { readProfile } from '../sim/cost/calibrated/readProfile.js';
import { formatCostSources } from '../sim/cost/formatCostSources.js';
import { ATTENTION_KERNEL_NAMES } from '../sim/cost/resolveCostModel.js';
import type { ModelSpec } from '../sim/model/ModelSpec.js';
import { acceptedPolicyKinds, describeAcceptedPolicies, policyKindsFor } from '../sim/memory/policyKindsFor.js';
import type { PolicyOptions } from '../sim/memory/PolicyOptions.js';
import { comparisonTable } from '../sim/metrics/comparisonTable.js';
import type { RunResult } from '../sim/metrics/RunResult.js';
import { checkSchedulerKind, resolveSchedulerOptions, SCHEDULER_KINDS } from '../sim/scheduler/SchedulerOptions.js';
import { DEFAULT_TRACE } from '../sim/trace/defaultTrace.js';
import { openTrace, syntheticTraceSpec } from '../sim/trace/openTrace.js';
import { DEFAULT_SEED } from '../sim/trace/TraceOptions.js';
import { checkOutputDir, checkOutputPath } from '../io/checkOutputPath.js';
import { outputError } from '../io/outputError.js';
import { writeJsonOutput, writeTextOutput } from '../io/writeJsonOutput.js';
import { resolveModelArg } from './modelArg.js';
import { formatSizeFlag, pagedDefault, schedulerDefault, vattentionDefault } from './optionDefaults.js';
import { inapplicableOptionWarnings } from './optionWarnings.js';
import { formatServingMetrics, parseGoodput } from './servingMetrics.js';
import { addVllmOptions, applyNumPrompts, type VllmArgs, vllmServingOptions } from './vllmFlags.js';
import { parseList, parseMemorySize, parseSize } from './parseArgs.js';
import { addTraceOptions, reportSkipped, type TraceArgs, traceOptionsFromArgs } from './traceArgs.js';

interface ReplayArgs extends TraceArgs, VllmArgs {
  trace: string;
  model?: string;
  gpu: string;
  policy?: string;
  scheduler: string;
  'page-size'?: string;
  'block-size'?: number;
  tp: number;
  mapping?: string;
  layout?: string;
  'assume-page-cost'?: number;
  'max-num-seqs'?: number;
  'max-batched-tokens'?: number;
  'token-budget'?: number;
  'chunk-size'?: number;
  'kv-memory'?: string;
  'single-step'?: boolean;
  json?: string;
  csv?: string;
  report?: string;
  progress?: boolean;
  'cost-model': string;
  'attention-kernels'?: string;
  'allow-fallback'?: boolean;
  backend: string;
  device: number;
  'cuda-graphs'?: boolean;
}

/** Models replayed when --model is not given: a transformer and the constant-memory recurrent model. */
const DEFAULT_MODELS = ['llama-3-8b', 'xlstm-7b'];

/** `kvsim replay`: the simulator's main job — a trace through every applicable memory policy, one comparison table. */
export const replayCommand: CommandModule<object, ReplayArgs> = {
  command: 'replay',
  describe: 'Replay a request trace through a serving scheduler under each memory policy and compare latency, throughput and memory',
  builder: (y) =>
    addVllmOptions(addTraceOptions(
      y
        .option('trace', { type: 'string', default: DEFAULT_TRACE, describe: 'registry name (azure-conv-2023), synthetic spec (synthetic:conv[:count=N,rate=R,seed=S]) or path' })
        .option('model', { type: 'string', describe: `model preset(s), comma-separated (default: ${DEFAULT_MODELS.join(',')})` })
        .option('gpu', { type: 'string', default: 'h100', describe: 'GPU preset (h100, h200, a100)' })
        .option('policy', { type: 'string', describe: `memory policies, comma-separated: ${POLICY_KINDS.join(', ')} (default: every one that applies to the model)` })
        .option('scheduler', { type: 'string', default: 'vllm', describe: `scheduler: ${SCHEDULER_KINDS.join(', ')}` })
        .option('page-size', { type: 'string', describe: `vAttention page size: 64K, 128K, 256K, 2M or a multiple of 2M (default ${formatSizeFlag(vattentionDefault('pageSizeBytes'))})` })
        .option('block-size', { type: 'number', describe: `paged block size in tokens, 1-256 (default ${pagedDefault('blockSizeTokens')})` })
        .option('tp', { type: 'number', default: 1, describe: 'tensor-parallel degree (results are per GPU)' })
        .option('mapping', { type: 'string', describe: `vAttention page mapping: overlapped (background thread) or sync (default ${vattentionDefault('mapping')})` })
        .option('layout', { type: 'string', describe: `vAttention virtual buffers: perLayer (2L) or megacache (one K and one V over all layers) (default ${vattentionDefault('layout')})` })
        .option('assume-page-cost', { type: 'number', describe: 'vAttention 64K/128K/256K pages (modified driver, not measured): assumed microseconds per map call' })
        .option('max-num-seqs', { type: 'number', describe: `most running requests (default ${schedulerDefault('maxNumSeqs')})` })
        .option('max-batched-tokens', { type: 'number', describe: `vllm/orca: most tokens per iteration (default ${schedulerDefault('maxNumBatchedTokens')})` })
        .option('token-budget', { type: 'number', describe: `sarathi: tokens per iteration (default ${schedulerDefault('tokenBudget')})` })
        .option('chunk-size', { type: 'number', describe: 'sarathi: largest prefill chunk (default: the token budget)' })
        .option('kv-memory', { type: 'string', describe: 'memory for KV/state instead of what the GPU leaves after weights, e.g. 8G, 512M' })
        .option('single-step', { type: 'boolean', describe: 'plan every iteration one by one (no decode skip-ahead; same results, slower)' })
        .option('json', { type: 'string', describe: 'write the runs (kvsim.run/1) to this JSON file' })
        .option('csv', { type: 'string', describe: 'write summary.csv and per-run request/iteration CSVs to this directory' })
        .option('report', { type: 'string', describe: 'write a self-contained HTML report of the runs to this file' })
        .option('cost-model', { type: 'string', default: 'auto', describe: 'auto (the committed profile measured on this GPU for this model\'s shape when one exists, else roofline; the notes say which), roofline, or a profile JSON path' })
        .option('attention-kernels', { type: 'string', describe: `attention kernels that price attention: ${ATTENTION_KERNEL_NAMES.join(', ')} (published: vAttention paper) or a timings file (bench/kernels/ATTENTION_FORMAT.md) (default: kvsim)` })
        .option('allow-fallback', { type: 'boolean', describe: 'price terms the chosen profile lacks with the roofline (warns with the share of iterations) instead of failing' })
        .option('backend', { type: 'string', default: 'sim', choices: ['sim', 'gpu'], describe: 'sim: the simulator predicts; gpu: run every iteration on the local GPU (needs the native addon)' })
        .option('device', { type: 'number', default: 0, describe: 'CUDA device for --backend gpu' })
        .option('cuda-graphs', { type: 'boolean', describe: "decode-only iterations as CUDA graphs padded to vLLM V1's capture sizes: priced so by the simulator, run so with --backend gpu (needs a profile with enactment.<policy>.cudaGraphs: kvsim calibrate --cuda-graphs; e.g. --cost-model profiles/h100-sxm-80gb/cuda-graphs/llama-3-8b.2026-12-07.json)" })
        .option('progress', { type: 'boolean', describe: 'progress on stderr (default: when stderr is a terminal)' })
        .example('$0 replay', 'the default trace, Llama-3-8B and xLSTM-7B on an H100, every policy')
        .example('$0 replay --trace azure-conv-2023 --model llama-3-8b --policy paged,vattention --page-size 64K', 'the Azure conversation trace, two policies')
        .example('$0 replay --scheduler sarathi --token-budget 512 --json runs.json && $0 report runs.json', 'chunked prefill, then an HTML report')
        .example('$0 replay --trace azure-conv-2023 --first 300 --model llama-3-8b --policy paged --backend gpu', 'the same replay run and timed on the local GPU')
        .example('$0 replay --model meta-llama/Meta-Llama-3-8B --request-rate 4 --num-prompts 500 --max-num-seqs 256 --goodput ttft:500 tpot:50', 'a vLLM benchmark command line, flags as vLLM names them'),
    )),
  handler: async (args) => {
    // Output paths are checked before the run: a typo must not cost the whole simulation.
    if (args.json !== undefined) checkOutputPath(args.json, '--json');
    if (args.report !== undefined) checkOutputPath(args.report, '--report');
    if (args.csv !== undefined) checkOutputDir(args.csv, '--csv');
    const slos = parseGoodput(args.goodput);
    const runs = await replay(args);
    process.stdout.write(comparisonTable(runs));
    process.stdout.write(notes(runs));
    process.stdout.write(formatServingMetrics(runs, slos));
    // Streamed: the JSON of millions of requests is never one string (same bytes as runsToJson).
    if (args.json) await writeJsonOutput(args.json, runs.length === 1 ? runs[0] : { runs }, { option: '--json' });
    if (args.report) {
      // Loaded only when asked: the report's D3 and DOM shim cost half a second of start-up.
      const { writeReport } = await import('../report/writeReport.js');
      await writeTextOutput(args.report, writeReport(runs), { option: '--report' });
    }
    if (args.csv) {
      try {
        await mkdir(args.csv, { recursive: true });
      } catch (err) {
        throw outputError('--csv', args.csv, err);
      }
      // Loaded only when asked: the CSV formatter comes from d3 (tens of ms of start-up).
      const { runsToCsv } = await import('../sim/metrics/runsToCsv.js');
      for (const f of runsToCsv(runs)) await writeTextOutput(join(args.csv, f.name), f.text, { option: '--csv' });
    }
  },
};

interface Plan {
  model: string;
  policy: PolicyKind;
}

/** Runs the replays the arguments ask for, in order (models, then policies). */
export async function replay(rawArgs: ReplayArgs): Promise<RunResult[]> {
  const args = applyNumPrompts(rawArgs);
  const traceOptions = traceOptionsFromArgs(args);
  const hardware = hardwarePreset(args.gpu);
  const tp = checkInt('--tp', args.tp, 1);
  const vllm = vllmServingOptions(args, checkSchedulerKind(args.scheduler));
  const scheduler = vllm.scheduler;
  const skipped: string[] = [];
  const plans = planRuns(args, skipped);
  for (const line of [...vllm.notes, ...skipped, ...inapplicableOptionWarnings(args as unknown as Record<string, unknown>, scheduler, plans.map((p) => p.policy))]) process.stderr.write(`${line}\n`);
  const kvsimPolicyOptions = policyOptionsFromArgs(args);
  // vLLM-named flags (--max-model-len, --gpu-memory-utilization, prefix caching) add to the kvsim ones.
  const policyOptions = (kind: PolicyKind): PolicyOptions => {
    const fromVllm = vllm.policyOptions(kind) as { attentionOptions?: object };
    const own = (kvsimPolicyOptions(kind) ?? {}) as { attentionOptions?: object };
    const attention = fromVllm.attentionOptions || own.attentionOptions ? { attentionOptions: { ...fromVllm.attentionOptions, ...own.attentionOptions } } : {};
    return { ...fromVllm, ...own, ...attention } as PolicyOptions;
  };
  const schedulerOptions = {
    maxNumSeqs: args['max-num-seqs'] === undefined ? undefined : checkInt('--max-num-seqs', args['max-num-seqs'], 1),
    maxNumBatchedTokens: args['max-batched-tokens'] === undefined ? undefined : checkInt('--max-batched-tokens', args['max-batched-tokens'], 1),
    tokenBudget: args['token-budget'] === undefined ? undefined : checkInt('--token-budget', args['token-budget'], 1),
    chunkSizeTokens: args['chunk-size'] === undefined ? undefined : checkInt('--chunk-size', args['chunk-size'], 1),
    ...vllm.schedulerOptions,
  };
  const capacityBytes = args['kv-memory'] === undefined ? undefined : parseMemorySize(args['kv-memory'], '--kv-memory');
  const trace = await openTrace(args.trace, traceOptions);
  const showProgress = args.progress ?? process.stderr.isTTY === true;
  const keepColumns = args.json !== undefined || args.csv !== undefined || args.report !== undefined;
  const backend = args.backend ?? 'sim';
  if (backend !== 'sim' && backend !== 'gpu') throw expected('"sim" or "gpu"', '--backend', backend);
  const cudaGraphs = args['cuda-graphs'];
  if (cudaGraphs !== undefined && typeof cudaGraphs !== 'boolean') throw expected('true or false', '--cuda-graphs', cudaGraphs);
  const runs: RunResult[] = [];
  for (const [i, p] of plans.entries()) {
    const tag = `[${i + 1}/${plans.length}] ${p.model} ${p.policy}`;
    const total = expectedCount(args);
    const onProgress = showProgress ? (done: number, nowS: number) => progressLine(`${tag} ${bar(done, total)} ${nowS.toFixed(1)} s simulated`) : undefined;
    const model = vllm.model(resolveModelArg(p.model));
    const options = policyOptions(p.policy);
    const engine = {
      skipAhead: !args['single-step'],
      onProgress,
      // Per-request columns (56 bytes a request) feed the vLLM metrics' TPOT, total-token throughput and
      // goodput; kept for files, --goodput, or a trace known to hold at most a million requests, so memory
      // stays flat on long traces (the metrics table then says what it lacks). Iterations only for files.
      metrics: keepColumns ? {} : { maxIterationRecords: 0, perRequest: args.goodput !== undefined || (total !== undefined && total <= 1_000_000) },
    };
    if (backend === 'gpu') {
      const profile = profileFor(args['cost-model'] ?? 'auto', hardware.name, model, tp);
      const { replayOnGpu } = await import('../gpu/replayOnGpu.js');
      const g = await replayOnGpu({ trace, model, hardware, tp, policy: p.policy, policyOptions: options, capacityBytes, scheduler, schedulerOptions, seed: seedOf(args), engine, device: args.device, profile, ...(cudaGraphs ? { cudaGraphs } : {}) });
      runs.push(g.run);
    } else {
      const sched = resolveSchedulerOptions(schedulerOptions, scheduler, { gpuMemoryBytes: hardware.memoryBytes, gpuName: hardware.name });
      const policy = createPolicy(p.policy, { model, hardware, tp, capacityBytes, vllmV1Defaults: scheduler === 'vllm', maxNumSeqs: sched.maxNumSeqs }, options as never);
      // --cuda-graphs: decode batches priced padded to the capture sizes the GPU executor would use (the same
      // rule as kvsim validate --cuda-graphs) with the profile's graph fit; refused, in one line, without one.
      // The GPU executor also keeps one spare KV block / slot for the padding rows; the simulator does not.
      const graphs = cudaGraphs ? { cudaGraphs: { captureSizes: schedulerCaptureSizes(sched) } } : {};
      // The one cost resolution (resolveCostModel), as simulate() does by default; the notes print its choice.
      const costModelOptions = { profile: args['cost-model'] ?? 'auto', attentionKernels: args['attention-kernels'], allowFallback: args['allow-fallback'], ...graphs };
      runs.push(await simulate({ trace, model, hardware, tp, policy, policyOptions: options, scheduler, schedulerOptions, seed: seedOf(args), engine, costModelOptions }));
    }
    if (showProgress) progressLine('');
    if (i === 0) reportSkipped(trace);
  }
  return runs;
}

/** The runs to make; `skipped` gets a note per model or policy left out (printed once planning succeeded). */
function planRuns(args: ReplayArgs, skipped: string[] = []): Plan[] {
  const models = args.model === undefined ? DEFAULT_MODELS : parseList('--model', args.model);
  const asked = args.policy === undefined ? undefined : parseList('--policy', args.policy).map((p) => checkPolicy(p));
  const plans: Plan[] = [];
  const used = new Set<PolicyKind>();
  for (const model of models) {
    const spec = resolveModelArg(model);
    const applicable = policyKindsFor(spec);
    // On a hybrid model a KV policy names the hybrid with that policy for its attention layers
    // (createPolicy), as `kvsim validate` takes it: asked for explicitly, never by default.
    const accepted = acceptedPolicyKinds(spec);
    const calls = describeAcceptedPolicies(spec);
    const chosen = asked === undefined ? applicable : asked.filter((p) => accepted.includes(p));
    // A model named explicitly must get at least one of the asked policies; a defaulted one is left out.
    if (chosen.length === 0 && args.model !== undefined) {
      throw new UserError('POLICY_NOT_APPLICABLE', `--policy ${asked!.join(',')} does not apply to ${model}: its layers call for ${calls}`);
    }
    // Never a silent drop: a default model none of the asked policies fits is named, with the reason.
    if (chosen.length === 0) skipped.push(`kvsim: note: ${model} skipped: --policy ${asked!.join(',')} does not apply to it (its layers call for ${calls})`);
    const notFitting = asked === undefined ? [] : asked.filter((p) => !accepted.includes(p));
    if (chosen.length > 0 && notFitting.length > 0 && models.length > 1) skipped.push(`kvsim: note: ${model}: ${notFitting.join(', ')} skipped (its layers call for ${calls})`);
    for (const policy of chosen) {
      plans.push({ model, policy });
      used.add(policy);
    }
  }
  const unused = (asked ?? []).filter((p) => !used.has(p));
  if (unused.length > 0) throw expected(`policies that apply to ${models.join(' or ')}`, '--policy', unused.join(','));
  return plans;
}

function policyOptionsFromArgs(args: ReplayArgs): (kind: PolicyKind) => PolicyOptions | undefined {
  const blockSizeTokens = args['block-size'] === undefined ? undefined : checkInt('--block-size', args['block-size'], 1, 256);
  const pageSizeBytes = args['page-size'] === undefined ? undefined : parseSize(String(args['page-size']), '--page-size');
  const mapping = args.mapping as 'overlapped' | 'sync' | undefined;
  if (mapping !== undefined && mapping !== 'overlapped' && mapping !== 'sync') throw expected('"overlapped" or "sync"', '--mapping', mapping);
  const paged = blockSizeTokens === undefined ? {} : { blockSizeTokens };
  const layout = args.layout as 'perLayer' | 'megacache' | undefined;
  if (layout !== undefined && layout !== 'perLayer' && layout !== 'megacache') throw expected('"perLayer" or "megacache"', '--layout', layout);
  const assumeUs = args['assume-page-cost'] === undefined ? undefined : checkNumber('--assume-page-cost', args['assume-page-cost'], 0, 1e6);
  // vAttention's slots follow the scheduler's max_num_seqs through the policy context (createPolicy).
  const vattention = {
    ...(pageSizeBytes === undefined ? {} : { pageSizeBytes }),
    ...(mapping === undefined ? {} : { mapping }),
    ...(layout === undefined ? {} : { layout }),
    ...(assumeUs === undefined ? {} : { assumePageCostS: assumeUs * 1e-6 }),
  };
  return (kind) => {
    switch (kind) {
      case 'paged':
        return paged;
      case 'vattention':
        return vattention;
      case 'hybrid':
        return { attentionOptions: paged };
      default:
        return {};
    }
  };
}

/**
 * The calibration profile the GPU backend's predictor uses: `auto` takes the committed profile measured
 * on this GPU for the model's shape when one exists, `roofline` none, else a path.
 */
function profileFor(choice: string, gpu: string, model: ModelSpec, tp: number): { profile: CalibrationProfile; path: string } | undefined {
  if (choice === 'roofline') return undefined;
  const path = choice === 'auto' ? findMatchingProfiles(gpu, modelShape(model, tp))[0]?.path : choice;
  if (path === undefined) return undefined;
  // A committed profile is named relative to the package, so results do not depend on where it is installed.
  const shown = choice === 'auto' ? relative(dirname(profilesDir()), path) : path;
  return { profile: readProfile(path), path: shown };
}

function checkPolicy(p: string): PolicyKind {
  if (!(POLICY_KINDS as readonly string[]).includes(p)) throw expected(`one of ${POLICY_KINDS.join(', ')}`, '--policy', p);
  return p as PolicyKind;
}

/** The seed the trace was generated or sampled with (recorded in every result). */
function seedOf(args: ReplayArgs): number {
  return args.seed ?? syntheticTraceSpec(args.trace)?.seed ?? DEFAULT_SEED;
}

/** What a reader needs to interpret the table: where times come from, why requests were dropped. */
function notes(runs: RunResult[]): string {
  const lines = [`trace ${runs[0].config.trace}, ${runs[0].config.gpu}, TP ${runs[0].config.tp}, scheduler ${runs[0].config.scheduler}`];
  lines.push(`times: ${runs.map((r) => r.config.executor).filter((v, i, a) => a.indexOf(v) === i).join('; ')}`);
  lines.push('latency percentiles within 0.1% (streaming histograms)');
  const sim = runs.filter((r) => r.config.backend === 'sim');
  const sources = formatCostSources(sim.map((r) => ({ tag: `${r.config.model} ${(r.config.policyOptions as { kind?: string }).kind ?? r.config.policy}`, costModel: r.config.costModel as Record<string, unknown> | undefined })));
  lines.push(...sources.lines, ...sources.warnings);
  for (const r of runs) {
    const reasons = r.summary.dropReasons;
    if (reasons) lines.push(`${r.config.model} ${r.config.policy}: dropped ${Object.entries(reasons).map(([k, v]) => `${v} ${k}`).join(', ')}`);
  }
  return `\n${lines.join('\n')}\n`;
}

/** Requests the trace will deliver, when the options say (synthetic count, --first, --sample); else undefined. */
function expectedCount(args: ReplayArgs): number | undefined {
  const synthetic = syntheticTraceSpec(args.trace);
  const own = synthetic ? (args.count ?? synthetic.count) : undefined;
  const caps = [own, args.first, args.sample].filter((v): v is number => v !== undefined);
  return caps.length > 0 ? Math.min(...caps) : undefined;
}

/** `[#######.......]  812/2000` when the total is known, else `812 requests`. */
function bar(done: number, total: number | undefined): string {
  if (total === undefined || total <= 0) return `${done} requests`;
  const width = 24;
  const filled = Math.min(width, Math.round((done / total) * width));
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`;
}

function progressLine(text: string): void {
  const width = Math.max(20, (process.stderr.columns ?? 80) - 1);
  process.stderr.write(`\r${text.slice(0, width).padEnd(width)}${text === '' ? '\r' : ''}`);
}
