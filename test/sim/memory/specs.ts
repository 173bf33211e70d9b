import { expect } from 'vitest';
import { hardwarePreset } from '../../../src/sim/hardware/presets.js';
import { HybridPolicy } from '../../../src/sim/memory/HybridPolicy.js';
import type { MemoryPolicy } from '../../../src/sim/memory/MemoryPolicy.js';
import { PagedPolicy } from '../../../src/sim/memory/PagedPolicy.js';
import type { PagedOptions } from '../../../src/sim/memory/PagedOptions.js';
import type { PolicyContext } from '../../../src/sim/memory/PolicyContext.js';
import { RecurrentStatePolicy } from '../../../src/sim/memory/RecurrentStatePolicy.js';
import type { RecurrentOptions } from '../../../src/sim/memory/RecurrentOptions.js';
import { StaticPolicy } from '../../../src/sim/memory/StaticPolicy.js';
import type { StaticOptions } from '../../../src/sim/memory/StaticOptions.js';
import { VAttentionPolicy } from '../../../src/sim/memory/VAttentionPolicy.js';
import type { VAttentionOptions } from '../../../src/sim/memory/VAttentionOptions.js';
import { dtypeBytes } from '../../../src/sim/model/dtype.js';
import type { AttentionLayerSpec, ModelSpec } from '../../../src/sim/model/ModelSpec.js';
import { modelPreset } from '../../../src/sim/model/presets.js';
import type { HybridOptions } from '../../../src/sim/memory/HybridOptions.js';
import type { CheckedPolicy, PartCheck, RoomRule } from './PolicyModel.js';

/** A policy under test with its reference rule and checks, all derived from first principles. */
export interface Spec {
  policy: CheckedPolicy;
  rule: RoomRule;
  liveBytes: (tokens: ReadonlyMap<number, number>) => number;
  checkPart: PartCheck;
  /** Largest request worth generating, and a typical growth step, for the command arbitraries. */
  maxTokens: number;
  step: number;
}

const sum = (m: ReadonlyMap<number, number>, f: (t: number) => number) => {
  let s = 0;
  for (const t of m.values()) s += f(t);
  return s;
};

/** K (or V) bytes per token per attention layer on one GPU, computed here by hand: Hkv/tp * D * b. */
function tokenBytesPerLayer(model: ModelSpec, tp: number): { perLayer: number; layers: number } {
  const att = model.layers.filter((l): l is AttentionLayerSpec => l.kind === 'attention');
  const l = att[0];
  return { perLayer: Math.max(1, Math.ceil(l.kvHeads / tp)) * l.headDim * dtypeBytes(l.dtype), layers: att.length };
}

function ctx(model: string, tp: number, capacityBytes: number): PolicyContext {
  return { model: modelPreset(model), hardware: hardwarePreset('h100'), tp, capacityBytes, recordOps: true };
}

export interface StaticParams { model: string; tp: number; slots: number; slack: number; options: StaticOptions }
export function staticSpec(p: StaticParams): Spec {
  const m = modelPreset(p.model);
  const { perLayer, layers } = tokenBytesPerLayer(m, p.tp);
  const bpt = 2 * layers * perLayer;
  const max = p.options.maxContextTokens!;
  const policy = new StaticPolicy(ctx(p.model, p.tp, p.slots * max * bpt + (p.slack % (max * bpt))), p.options);
  return {
    policy,
    rule: {
      admit: (tokens, t) => t <= max && tokens.size < p.slots,
      grow: (_tokens, _id, total) => total <= max,
    },
    liveBytes: (tokens) => sum(tokens, (t) => t * bpt),
    checkPart: (pol, tokens, mirror) => staticCheck(pol, tokens, mirror, max, bpt),
    maxTokens: max,
    step: Math.max(1, max >> 3),
  };
}

function staticCheck(pol: MemoryPolicy, tokens: ReadonlyMap<number, number>, mirror: { slotOwner: Map<string, number> }, max: number, bpt: number) {
  const s = pol.snapshot();
  // Static waste is exact: every request reserves max tokens.
  expect(s.fragmentationBytes).toBe(sum(tokens, (t) => (max - t) * bpt));
  expect(s.allocatedBytes).toBe(tokens.size * max * bpt);
  expect([...mirror.slotOwner.keys()].filter((k) => k.startsWith('kv:'))).toHaveLength(tokens.size);
}

export interface PagedParams { model: string; tp: number; blocks: number; slack: number; options: PagedOptions }
export function pagedSpec(p: PagedParams, capacityOverride?: number): Spec {
  const m = modelPreset(p.model);
  const { perLayer, layers } = tokenBytesPerLayer(m, p.tp);
  const bpt = 2 * layers * perLayer;
  const bs = p.options.blockSizeTokens ?? 16;
  const max = p.options.maxContextTokens ?? m.maxContextTokens;
  const blockBytes = bs * bpt;
  const capacity = capacityOverride ?? p.blocks * blockBytes + (p.slack % blockBytes);
  const blocks = Math.floor(capacity / blockBytes);
  const wm = Math.floor((p.options.watermark ?? 0.01) * blocks);
  const need = (t: number) => Math.ceil(t / bs);
  const policy = new PagedPolicy(ctx(p.model, p.tp, capacity), p.options);
  return {
    policy,
    rule: {
      // vLLM: admit only if the watermark stays free afterwards; growth may use the watermark.
      admit: (tokens, t) => t <= max && blocks - sum(tokens, need) - need(t) >= wm,
      grow: (tokens, id, total) => total <= max && need(total) - need(tokens.get(id)!) <= blocks - sum(tokens, need),
    },
    liveBytes: (tokens) => sum(tokens, (t) => t * bpt),
    checkPart: (pol, tokens, mirror) => {
      const s = pol.snapshot();
      for (const [id, t] of tokens) {
        const held = mirror.blocksOf.get(id) ?? 0;
        expect(held).toBe(need(t));
        // Internal fragmentation below one block per request.
        expect(held * bs - t).toBeGreaterThanOrEqual(0);
        expect(held * bs - t).toBeLessThan(bs);
      }
      expect(mirror.blockOwner.size * blockBytes).toBe(s.allocatedBytes);
      expect(s.fragmentationBytes).toBe(sum(tokens, (t) => (need(t) * bs - t) * bpt));
      expect(pol.stats.allocTimeS).toBe(0);
    },
    maxTokens: Math.min(max, blocks * bs + 2 * bs),
    step: bs,
  };
}

export interface VAttentionParams { model: string; tp: number; groups: number; slack: number; options: VAttentionOptions }
export function vattentionSpec(p: VAttentionParams, capacityOverride?: number): Spec {
  const m = modelPreset(p.model);
  const { perLayer, layers } = tokenBytesPerLayer(m, p.tp);
  // perLayer: 2L buffers of Hkv*D*b per token; megacache: 2 buffers of Hkv*D*b*L (vattention.cu).
  const mega = p.options.layout === 'megacache';
  const buffers = mega ? 2 : 2 * layers;
  const perBuffer = mega ? perLayer * layers : perLayer;
  const bpt = 2 * layers * perLayer;
  const page = p.options.pageSizeBytes ?? 2 * 2 ** 20;
  const max = p.options.maxContextTokens ?? m.maxContextTokens;
  const mapping = p.options.mapping ?? 'overlapped';
  const deferred = p.options.deferredReclamation ?? mapping === 'overlapped';
  const groupBytes = buffers * page;
  const capacity = capacityOverride ?? p.groups * groupBytes + (p.slack % groupBytes);
  // utils.h get_num_phys_blocks: whole pages, a multiple of 2L.
  const pages = Math.floor(capacity / page);
  const pool = (pages - (pages % (2 * layers))) / buffers;
  const wm = Math.floor((p.options.watermark ?? 0.01) * pool);
  const maxBatch = p.options.maxBatch ?? 256;
  const g = (t: number) => Math.ceil((t * perBuffer) / page);
  const policy = new VAttentionPolicy(ctx(p.model, p.tp, capacity), p.options);
  // Groups a running request may hold beyond its need: eager pages or the background look-ahead.
  const eager = policy.aheadAllowance;
  const costs = policy.pageCosts;
  return {
    policy,
    rule: {
      // Everything not needed by a running request (free, cached in free slots, mapped ahead) can be
      // made free, so room = pool - sum of needs; a new request must also leave the 1% watermark
      // (sarathi-lean can_allocate) and find a slot.
      admit: (tokens, t) => t <= max && tokens.size < maxBatch && g(t) <= pool - sum(tokens, g) - wm,
      grow: (tokens, id, total) => total <= max && g(total) - g(tokens.get(id)!) <= pool - sum(tokens, g),
    },
    liveBytes: (tokens) => sum(tokens, (t) => t * bpt),
    checkPart: (pol, tokens, mirror) => {
      const s = pol.snapshot();
      let frag = 0;
      for (const [id, t] of tokens) {
        const slot = mirror.kvSlotOf(id);
        expect(slot).toBeGreaterThanOrEqual(0);
        expect(slot).toBeLessThan(maxBatch);
        expect(mirror.slotPages.get(slot) ?? 0).toBeGreaterThanOrEqual(g(t));
        const waste = g(t) * groupBytes - t * bpt;
        // Internal fragmentation below one page group per request (extras counted apart).
        expect(waste).toBeGreaterThanOrEqual(0);
        expect(waste).toBeLessThan(groupBytes);
        frag += waste;
      }
      expect(s.fragmentationBytes).toBe(frag);
      expect(mirror.mappedGroups * groupBytes).toBe(s.allocatedBytes);
      expect(mirror.mappedGroups).toBeLessThanOrEqual(pool);
      expect(s.eagerBytes).toBeLessThanOrEqual(tokens.size * eager * groupBytes);
      if (!deferred && mapping === 'sync') {
        for (const [slot, pages] of mirror.slotPages) {
          if (!mirror.slotOwner.has(`kv:${slot}`)) expect(pages).toBe(0);
        }
      }
      // Synchronous mapping has no background step: only eager pages (a kvsim extension) are ahead.
      if (mapping === 'sync' && (p.options.eagerPages ?? 0) === 0) expect(pol.stats.aheadAllocOps ?? 0).toBe(0);
      expect(pol.stats.allocOps).toBe(mirror.groupsMapped * buffers);
      expect(pol.stats.freeOps).toBe(mirror.groupsUnmapped * buffers);
      expect(pol.stats.aheadAllocOps ?? 0).toBeLessThanOrEqual(pol.stats.allocOps + pol.stats.freeOps);
      const t = (mirror.groupsMapped * costs.mapS + mirror.groupsUnmapped * costs.unmapS) * buffers;
      expect(pol.stats.allocTimeS).toBeCloseTo(t, 12);
    },
    maxTokens: Math.min(max, Math.ceil(((pool + 2) * page) / perBuffer)),
    step: Math.max(1, Math.floor(page / perBuffer)),
  };
}

export interface RecurrentParams { slots: number; slack: number; options: RecurrentOptions }
export function recurrentSpec(p: RecurrentParams): Spec {
  // xLSTM-7B: 32 mLSTM layers x 8 heads x (256*512 + 256 + 1) elements.
  const state = 32 * 8 * (256 * 512 + 256 + 1) * dtypeBytes(p.options.stateDtype ?? 'fp32');
  const policy = new RecurrentStatePolicy(ctx('xlstm-7b', 1, p.slots * state + (p.slack % state)), p.options);
  return {
    policy,
    rule: { admit: (tokens) => tokens.size < p.slots, grow: () => true },
    liveBytes: (tokens) => tokens.size * state,
    checkPart: (pol, tokens, mirror) => recurrentCheck(pol, tokens, mirror, state),
    maxTokens: 100_000,
    step: 1000,
  };
}

function recurrentCheck(pol: MemoryPolicy, tokens: ReadonlyMap<number, number>, mirror: { slotOwner: Map<string, number> }, state: number) {
  const s = pol.snapshot();
  expect(s.allocatedBytes).toBe(tokens.size * state);
  expect(s.fragmentationBytes).toBe(0);
  expect([...mirror.slotOwner.keys()].filter((k) => k.startsWith('state:'))).toHaveLength(tokens.size);
}

export type HybridParams = { capacity: number; options: HybridOptions } & (
  | { attention: 'static'; part: StaticOptions }
  | { attention: 'paged'; part: PagedOptions }
  | { attention: 'vattention'; part: VAttentionOptions }
);
export function hybridSpec(p: HybridParams): Spec {
  const model = 'hybrid-7b';
  const m = modelPreset(model);
  // hybrid-7b: 24 mLSTM layers (xLSTM-7B shapes, fp32 state) and 8 attention layers.
  const state = 24 * 8 * (256 * 512 + 256 + 1) * 4;
  const policy = new HybridPolicy(ctx(model, 1, p.capacity), { ...p.options, attention: p.attention, attentionOptions: p.part });
  const recurrentBytes = Math.floor(p.capacity * policy.recurrentFraction);
  const slots = Math.floor(recurrentBytes / state);
  const attCapacity = p.capacity - recurrentBytes;
  const { perLayer, layers } = tokenBytesPerLayer(m, 1);
  const bpt = 2 * layers * perLayer;
  let att: Spec;
  if (p.attention === 'paged') att = pagedSpec({ model, tp: 1, blocks: 0, slack: 0, options: p.part }, attCapacity);
  else if (p.attention === 'vattention') att = vattentionSpec({ model, tp: 1, groups: 0, slack: 0, options: p.part }, attCapacity);
  else {
    const max = p.part.maxContextTokens!;
    const staticSlots = Math.floor(attCapacity / (max * bpt));
    att = {
      ...staticSpec({ model, tp: 1, slots: staticSlots, slack: 0, options: p.part }),
      checkPart: (pol, tokens, mirror) => staticCheck(pol, tokens, mirror, max, bpt),
    };
  }
  return {
    policy,
    rule: {
      admit: (tokens, t) => tokens.size < slots && att.rule.admit(tokens, t),
      grow: (tokens, id, total) => att.rule.grow(tokens, id, total),
    },
    liveBytes: (tokens) => sum(tokens, (t) => t * bpt) + tokens.size * state,
    checkPart: (pol, tokens, mirror) => {
      const h = pol as HybridPolicy;
      att.checkPart(h.parts.attention, tokens, mirror);
      recurrentCheck(h.parts.recurrent, tokens, mirror, state);
    },
    maxTokens: att.maxTokens,
    step: att.step,
  };
}
