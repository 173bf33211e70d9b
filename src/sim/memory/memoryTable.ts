import { checkInt, expected } from '../../errors.js';
import type { HardwareSpec } from '../hardware/HardwareSpec.js';
import type { ModelSpec } from '../model/ModelSpec.js';
import { createPolicy } from './createPolicy.js';
import { HybridPolicy } from './HybridPolicy.js';
import { kvBudgetBytes } from './kvBudget.js';
import type { MemoryPolicy, PolicyKind } from './MemoryPolicy.js';
import { PagedPolicy } from './PagedPolicy.js';
import type { PolicyContext } from './PolicyContext.js';
import type { PolicyOptions } from './PolicyOptions.js';
import { policyKindsFor } from './policyKindsFor.js';
import { RecurrentStatePolicy } from './RecurrentStatePolicy.js';
import { StaticPolicy } from './StaticPolicy.js';
import { isVAttentionPageSize, VATTENTION_MAX_BATCH_LIMIT } from './VAttentionOptions.js';
import { VAttentionPolicy } from './VAttentionPolicy.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** What to tabulate. */
export interface MemoryTableOptions {
  /**
   * Paged block sizes, tokens.
   * @defaultValue [16, 32, 128]
   */
  blockSizesTokens?: number[];
  /**
   * vAttention page sizes, bytes.
   * @defaultValue [64 KiB, 128 KiB, 256 KiB, 2 MiB]
   */
  pageSizesBytes?: number[];
  /**
   * Fraction of device memory the server may use.
   * @defaultValue 0.9
   */
  gpuMemoryUtilization?: number;
  /**
   * Largest context a request may reach (static reserves it; vAttention sizes slots for it).
   * @defaultValue model.maxContextTokens
   */
  maxContextTokens?: number;
  /**
   * Bytes for KV / state per GPU, overriding the budget derived from the GPU (as `kvsim replay
   * --kv-memory` does), so the table describes the same memory the replays had.
   * @defaultValue kvBudgetBytes(model, hardware, tp, { gpuMemoryUtilization })
   */
  budgetBytes?: number;
}

/** One policy configuration's memory characteristics. */
export interface MemoryTableRow {
  policy: PolicyKind;
  /** e.g. `paged(block=16)`, `vattention(page=64KiB)`, `hybrid(paged(block=16)+recurrent(...))`. */
  label: string;
  /** KV bytes per token (all attention layers), 0 for pure recurrent. */
  bytesPerToken: number;
  /** Recurrent state bytes per request, 0 for pure attention. */
  stateBytesPerRequest: number;
  /** Tokens added by one allocation (block, page group, static region); null when state is fixed. */
  growthTokens: number | null;
  /** Bytes one allocation adds (for recurrent: the state, once per request). */
  growthBytes: number;
  /** Worst-case internal fragmentation of one request, tokens of KV and bytes. */
  worstFragmentationTokens: number;
  worstFragmentationBytes: number;
  /** Bytes the policy manages (the budget rounded down to whole blocks / page groups / slots). */
  capacityBytes: number;
  /** Requests of exactly contextsTokens[i] tokens admitted before the first refusal (measured by admitting). */
  maxRequests: number[];
}

export interface MemoryTable {
  model: string;
  gpu: string;
  tp: number;
  /** Bytes left for KV / state per GPU (memory * utilization - weights - reserve). */
  budgetBytes: number;
  contextsTokens: number[];
  rows: MemoryTableRow[];
}

/**
 * The table a user reads before choosing a policy and page size: per policy configuration, bytes per
 * token, growth granularity, worst internal fragmentation, and how many requests of each context
 * length fit at once. Capacities are measured by admitting requests into a fresh policy until it
 * refuses, so they include every rounding the policy really does.
 */
export function memoryTable(
  model: ModelSpec,
  hardware: HardwareSpec,
  tp: number,
  contextsTokens: number[],
  options: MemoryTableOptions = {},
): MemoryTable {
  if (!Array.isArray(contextsTokens) || contextsTokens.length === 0) throw expected('a non-empty list of token counts', 'contexts', contextsTokens);
  contextsTokens.forEach((c, i) => checkInt(`contexts[${i}]`, c, 1));
  const blockSizes = options.blockSizesTokens ?? [16, 32, 128];
  blockSizes.forEach((b, i) => checkInt(`blockSizes[${i}]`, b, 1, 256));
  const pageSizes = options.pageSizesBytes ?? [64 * KiB, 128 * KiB, 256 * KiB, 2 * MiB];
  pageSizes.forEach((p, i) => {
    if (!isVAttentionPageSize(p)) throw expected('64 KiB, 128 KiB, 256 KiB or a multiple of 2 MiB', `pageSizes[${i}]`, p);
  });
  const gpuMemoryUtilization = options.gpuMemoryUtilization ?? 0.9;
  const maxContextTokens = options.maxContextTokens;
  const budgetBytes = options.budgetBytes === undefined ? kvBudgetBytes(model, hardware, tp, { gpuMemoryUtilization }) : checkInt('budgetBytes', options.budgetBytes, 1);
  const ctx: PolicyContext = { model, hardware, tp, capacityBytes: budgetBytes };
  // vAttention: slots at its real limit (max_batch_size < 1000) so memory, not max_num_seqs, binds;
  // nothing here is timed, so small pages need no assumed map cost.
  const vattention = { maxContextTokens, maxBatch: VATTENTION_MAX_BATCH_LIMIT, assumePageCostS: 0 };

  const configs: { kind: PolicyKind; options: PolicyOptions }[] = [];
  for (const kind of policyKindsFor(model)) {
    if (kind === 'static') configs.push({ kind, options: { maxContextTokens } });
    if (kind === 'paged') for (const b of blockSizes) configs.push({ kind, options: { blockSizeTokens: b, maxContextTokens } });
    if (kind === 'vattention') for (const p of pageSizes) configs.push({ kind, options: { ...vattention, pageSizeBytes: p } });
    if (kind === 'recurrent') configs.push({ kind, options: {} });
    if (kind === 'hybrid') {
      configs.push({ kind, options: { attention: 'static', attentionOptions: { maxContextTokens } } });
      for (const b of blockSizes) configs.push({ kind, options: { attention: 'paged', attentionOptions: { blockSizeTokens: b, maxContextTokens } } });
      for (const p of pageSizes) configs.push({ kind, options: { attention: 'vattention', attentionOptions: { ...vattention, pageSizeBytes: p } } });
    }
  }
  const rows = configs.map(({ kind, options: o }) => {
    const probe = createPolicy(kind, ctx, o);
    const row = describe(probe);
    row.maxRequests = contextsTokens.map((c) => countAdmitted(createPolicy(kind, ctx, o), c));
    return row;
  });
  return { model: model.name, gpu: hardware.name, tp, budgetBytes, contextsTokens: [...contextsTokens], rows };
}

/** Admits requests of `tokens` tokens until the policy refuses; returns how many got in. */
function countAdmitted(policy: MemoryPolicy, tokens: number): number {
  let n = 0;
  while (policy.admit(n, tokens)) n++;
  return n;
}

function describe(p: MemoryPolicy): MemoryTableRow {
  const row: MemoryTableRow = {
    policy: p.kind,
    label: p.label,
    bytesPerToken: 0,
    stateBytesPerRequest: 0,
    growthTokens: null,
    growthBytes: 0,
    worstFragmentationTokens: 0,
    worstFragmentationBytes: 0,
    capacityBytes: p.capacityBytes,
    maxRequests: [],
  };
  const attention = p instanceof HybridPolicy ? p.parts.attention : p;
  if (p instanceof HybridPolicy) row.stateBytesPerRequest = p.parts.recurrent.stateBytes;
  if (attention instanceof PagedPolicy) {
    row.bytesPerToken = attention.bytesPerToken;
    row.growthTokens = attention.blockSizeTokens;
    row.growthBytes = attention.blockBytes;
    row.worstFragmentationTokens = attention.blockSizeTokens - 1;
    row.worstFragmentationBytes = row.worstFragmentationTokens * attention.bytesPerToken;
  } else if (attention instanceof VAttentionPolicy) {
    row.bytesPerToken = attention.bytesPerToken;
    row.growthTokens = attention.tokensPerGroup;
    row.growthBytes = attention.groupBytes;
    // One token spilling into a fresh page group wastes the rest of the group.
    row.worstFragmentationTokens = Math.max(0, Math.ceil(attention.tokensPerGroup) - 1);
    row.worstFragmentationBytes = attention.groupBytes - Math.min(attention.groupBytes, attention.bytesPerToken);
  } else if (attention instanceof StaticPolicy) {
    row.bytesPerToken = attention.bytesPerToken;
    row.growthTokens = attention.maxTokensPerRequest;
    row.growthBytes = attention.slotBytes;
    // A one-token request leaves the rest of its reservation unused.
    row.worstFragmentationTokens = attention.maxTokensPerRequest - 1;
    row.worstFragmentationBytes = row.worstFragmentationTokens * attention.bytesPerToken;
  } else if (attention instanceof RecurrentStatePolicy) {
    row.stateBytesPerRequest = attention.stateBytes;
    row.growthBytes = attention.stateBytes;
  }
  return row;
}
