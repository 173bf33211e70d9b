import type { Argv } from 'yargs';
import { checkInt, checkNumber, expected, UserError } from '../errors.js';
import type { Dtype } from '../sim/model/dtype.js';
import type { ModelSpec } from '../sim/model/ModelSpec.js';
import type { PolicyKind } from '../sim/memory/MemoryPolicy.js';
import type { SchedulerKind } from '../sim/scheduler/SchedulerKind.js';
import { pagedDefault } from './optionDefaults.js';

/**
 * vLLM's flag names, accepted by `kvsim replay` with vLLM's meaning and units (vllm/engine/arg_utils.py
 * EngineArgs for the engine flags; benchmarks/benchmark_serving.py for --request-rate, --num-prompts and
 * --goodput). The mapping table is in the README. Flags that are plain renames are yargs aliases of the
 * kvsim option; the others are options of their own, turned into kvsim options by `vllmServingOptions`.
 */
export const VLLM_ALIASES: Readonly<Record<string, string>> = {
  'request-rate': 'rate',
  'max-num-batched-tokens': 'max-batched-tokens',
  'tensor-parallel-size': 'tp',
};

export interface VllmArgs {
  'num-prompts'?: number;
  'max-model-len'?: number;
  'gpu-memory-utilization'?: number;
  'enable-chunked-prefill'?: boolean;
  'enable-prefix-caching'?: boolean;
  'long-prefill-token-threshold'?: number;
  'kv-cache-dtype'?: string;
  goodput?: string[];
}

const KV_CACHE_DTYPES: Readonly<Record<string, Dtype | 'auto'>> = { auto: 'auto', fp16: 'fp16', float16: 'fp16', bf16: 'bf16', bfloat16: 'bf16', fp8: 'fp8', fp8_e4m3: 'fp8', fp8_e5m2: 'fp8', fp32: 'fp32', float32: 'fp32' };

/** Adds the vLLM-named flags (group "vLLM-compatible options" in --help). */
export function addVllmOptions<T>(y: Argv<T>): Argv<T & VllmArgs> {
  let p = y
    .option('num-prompts', { type: 'number', describe: 'vLLM: requests to replay (synthetic traces generate this many; file and registry traces keep the first N)' })
    .option('max-model-len', { type: 'number', describe: 'vLLM: largest prompt + output per request, tokens (static reservations and vAttention buffers are sized to it; longer requests are dropped as too-long)' })
    .option('gpu-memory-utilization', { type: 'number', describe: `vLLM: fraction of GPU memory the server may use, (0, 1] (default ${pagedDefault('gpuMemoryUtilization')})` })
    .option('enable-chunked-prefill', { type: 'boolean', describe: 'vLLM: chunk prompts under one token budget (vllm: always on; with --scheduler vllm-v0 replays the sarathi scheduler, V0\'s chunked-prefill path)' })
    .option('enable-prefix-caching', { type: 'boolean', describe: 'vLLM: automatic prefix caching for paged KV (default on under --scheduler vllm; --no-enable-prefix-caching turns it off)' })
    .option('long-prefill-token-threshold', { type: 'number', describe: 'vLLM V1: most prefill tokens of one request per step (0 = no cap)' })
    .option('kv-cache-dtype', { type: 'string', describe: `vLLM: KV-cache element type: ${Object.keys(KV_CACHE_DTYPES).join(', ')} (auto = the model's)` })
    .option('goodput', { type: 'string', array: true, describe: 'vLLM benchmark SLOs in ms, e.g. --goodput ttft:500 tpot:50 e2el:10000: requests/s meeting all of them' });
  for (const [alias, key] of Object.entries(VLLM_ALIASES)) p = p.alias(key, alias);
  return p.group(['num-prompts', 'request-rate', 'max-num-batched-tokens', 'tensor-parallel-size', 'max-model-len', 'gpu-memory-utilization', 'enable-chunked-prefill', 'enable-prefix-caching', 'long-prefill-token-threshold', 'kv-cache-dtype', 'goodput'], 'vLLM-compatible options:') as Argv<T & VllmArgs>;
}

/** What the vLLM-named flags change in a replay. */
export interface VllmServingOptions {
  /** The scheduler to run (--enable-chunked-prefill may pick V0's chunked path). */
  scheduler: SchedulerKind;
  /** Scheduler options to add. */
  schedulerOptions: { longPrefillTokenThreshold?: number; tokenBudget?: number };
  /** Policy options to add, per policy kind. */
  policyOptions: (kind: PolicyKind) => Record<string, unknown>;
  /** The model as the KV-cache dtype makes it. */
  model: (m: ModelSpec) => ModelSpec;
  /** Lines saying what a flag turned into, for stderr. */
  notes: string[];
}

/**
 * Turns the vLLM-named flags into kvsim options. Contradictions (chunked prefill off under a scheduler
 * that always chunks, on under one that never does) are one-line errors, not silent choices.
 */
export function vllmServingOptions(args: VllmArgs & { 'max-batched-tokens'?: number; 'token-budget'?: number }, scheduler: SchedulerKind): VllmServingOptions {
  const notes: string[] = [];
  let kind = scheduler;
  const schedulerOptions: VllmServingOptions['schedulerOptions'] = {};
  const chunked = args['enable-chunked-prefill'];
  if (chunked === true) {
    if (kind === 'orca') throw new UserError('INVALID_OPTION', '--enable-chunked-prefill: the orca scheduler batches whole prompts; use --scheduler vllm (V1, always chunked) or sarathi');
    if (kind === 'vllm-v0') {
      // vLLM V0 with chunked prefill schedules decodes first, then prompt chunks under one token budget
      // (vllm/core/scheduler.py, Scheduler._schedule_chunked_prefill): the sarathi scheduler here.
      kind = 'sarathi';
      if (args['max-batched-tokens'] !== undefined && args['token-budget'] === undefined) schedulerOptions.tokenBudget = args['max-batched-tokens'];
      notes.push('kvsim: note: --enable-chunked-prefill with vllm-v0: replaying the sarathi scheduler (V0\'s chunked-prefill path), token budget = --max-num-batched-tokens');
    }
  } else if (chunked === false) {
    if (kind === 'vllm' || kind === 'sarathi') {
      throw new UserError('INVALID_OPTION', `--no-enable-chunked-prefill: the ${kind} scheduler always chunks prefill here; use --scheduler vllm-v0 (vLLM V0, whole prompts) or orca`);
    }
  }
  if (args['long-prefill-token-threshold'] !== undefined) {
    schedulerOptions.longPrefillTokenThreshold = checkInt('--long-prefill-token-threshold', args['long-prefill-token-threshold'], 0);
  }
  const maxContextTokens = args['max-model-len'] === undefined ? undefined : checkInt('--max-model-len', args['max-model-len'], 1);
  const util = args['gpu-memory-utilization'] === undefined ? undefined : checkNumber('--gpu-memory-utilization', args['gpu-memory-utilization'], 0.01, 1);
  const caching = args['enable-prefix-caching'];
  const budget = util === undefined ? {} : { gpuMemoryUtilization: util };
  const context = maxContextTokens === undefined ? {} : { maxContextTokens };
  const policyOptions = (p: PolicyKind): Record<string, unknown> => {
    switch (p) {
      case 'paged':
        return { ...budget, ...context, ...(caching === undefined ? {} : { enablePrefixCaching: caching }) };
      case 'static':
      case 'vattention':
        return { ...budget, ...context };
      case 'hybrid':
        return { ...budget, attentionOptions: { ...context, ...(caching === undefined ? {} : { enablePrefixCaching: caching }) } };
      default:
        return { ...budget };
    }
  };
  const dtypeText = args['kv-cache-dtype'];
  let dtype: Dtype | 'auto' = 'auto';
  if (dtypeText !== undefined) {
    const d = KV_CACHE_DTYPES[String(dtypeText).toLowerCase()];
    if (d === undefined) throw expected(`one of ${Object.keys(KV_CACHE_DTYPES).join(', ')}`, '--kv-cache-dtype', dtypeText);
    dtype = d;
  }
  const model = (m: ModelSpec): ModelSpec => (dtype === 'auto' ? m : withKvDtype(m, dtype));
  return { scheduler: kind, schedulerOptions, policyOptions, model, notes };
}

/** The model with every attention layer's KV-cache in `dtype` (recurrent state keeps its own type). */
export function withKvDtype(m: ModelSpec, dtype: Dtype): ModelSpec {
  return { ...m, layers: m.layers.map((l) => (l.kind === 'attention' ? { ...l, dtype } : l)) };
}

/**
 * `--num-prompts N` as vLLM means it (how many requests the benchmark sends): a synthetic trace
 * generates N, a file or registry trace keeps its first N. Given with --count or --first, the smaller wins.
 */
export function applyNumPrompts<A extends VllmArgs & { trace: string; count?: number; first?: number }>(args: A): A {
  const n = args['num-prompts'];
  if (n === undefined) return args;
  checkInt('--num-prompts', n, 1);
  if (String(args.trace).startsWith('synthetic:')) return { ...args, count: Math.min(n, args.count ?? n) };
  return { ...args, first: Math.min(n, args.first ?? n) };
}
