import { describe, expect, it } from 'vitest';
import { resolveAttentionCall } from '../../src/gpu/attentionCall.js';
import { vattentionKv } from '../../src/gpu/GpuExecutor.js';
import { fromHalfBits } from '../../src/gpu/halfBits.js';
import { replayOnGpu } from '../../src/gpu/replayOnGpu.js';
import type { PolicyOptions } from '../../src/sim/memory/PolicyOptions.js';
import { openTrace } from '../../src/sim/trace/openTrace.js';
import { megacacheCase } from './checks/megacacheCase.js';
import { type FakeCall, fakeBinding } from './fakes/fakeBinding.js';

// vAttention's megacache layout on the GPU side, checked on CPU: the addresses the executor hands the
// model (K/V buffers, per-layer offsets, token and slot strides), the attention call's validation,
// and the test layout megacache.gpu.test.ts feeds the kernels.

const MiB = 1024 * 1024;
/** Llama-3-8B, bf16, TP1: one layer's K row of a token (8 KV heads x 128 x 2 bytes). */
const ROW = 8 * 128 * 2;
const L = 32;

async function modelConfig(layout: 'perLayer' | 'megacache'): Promise<{ arena: Extract<FakeCall, { call: 'newArena' }>['options']; config: Extract<FakeCall, { call: 'newModel' }>['config'] }> {
  const fake = fakeBinding();
  const trace = await openTrace('synthetic:conv', { count: 2, seed: 3, maxContextTokens: 4096 });
  await replayOnGpu({ trace, model: 'llama-3-8b', hardware: 'h100', policy: 'vattention', policyOptions: { layout } as PolicyOptions, capacityBytes: 2 * 1024 * MiB, gpu: fake });
  const arena = fake.calls.find((c): c is Extract<FakeCall, { call: 'newArena' }> => c.call === 'newArena')!.options;
  const config = fake.calls.find((c): c is Extract<FakeCall, { call: 'newModel' }> => c.call === 'newModel')!.config;
  return { arena, config };
}

describe('megacache on the GPU backend (fake binding)', () => {
  it('megacache: 2 buffers; layer l reads buffer 0 (K) / 1 (V) at l*Hkv*D*b with a token stride of L*Hkv*D*b', async () => {
    const { arena, config } = await modelConfig('megacache');
    expect(arena.buffers).toBe(2);
    // The fake arena puts buffer b at 0x7f0000000000 + b * slots * slotBytes.
    const buffer = (b: number): bigint => 0x7f0000000000n + BigInt(b) * BigInt(arena.slots * arena.slotBytes);
    expect(config.kBase).toEqual(Array.from({ length: L }, (_, l) => buffer(0) + BigInt(l * ROW)));
    expect(config.vBase).toEqual(Array.from({ length: L }, (_, l) => buffer(1) + BigInt(l * ROW)));
    expect(config.tokenStrideBytes).toBe(L * ROW);
    // A slot spans maxContext tokens of every layer, rounded up to whole 2 MiB pages (vattention.cu init_buffer_sizes).
    expect(config.slotStrideBytes).toBe(arena.slotBytes);
    expect(arena.slotBytes).toBe(Math.ceil((config.maxContext * L * ROW) / (2 * MiB)) * 2 * MiB);
  });

  it('perLayer: 2L buffers, layer l reads buffers 2l and 2l+1 from their start, rows packed', async () => {
    const { arena, config } = await modelConfig('perLayer');
    expect(arena.buffers).toBe(2 * L);
    const buffer = (b: number): bigint => 0x7f0000000000n + BigInt(b) * BigInt(arena.slots * arena.slotBytes);
    expect(config.kBase).toEqual(Array.from({ length: L }, (_, l) => buffer(2 * l)));
    expect(config.vBase).toEqual(Array.from({ length: L }, (_, l) => buffer(2 * l + 1)));
    expect(config.tokenStrideBytes).toBe(0);
    expect(arena.slotBytes).toBe(Math.ceil((config.maxContext * ROW) / (2 * MiB)) * 2 * MiB);
  });

  it('vattentionKv: the last layer of the last token of the last slot ends inside the buffer', () => {
    const p = { options: { layout: 'megacache' as const }, layers: L, slotBytesPerBuffer: 128 * MiB, tokenBytesPerBuffer: L * ROW } as Parameters<typeof vattentionKv>[0];
    const kv = vattentionKv(p, { bufferAddress: (b: number) => BigInt(b) << 40n }, ROW);
    if (kv.layout !== 'contiguous') throw new Error('expected a contiguous cache');
    const slots = 4;
    const maxContext = (128 * MiB) / (L * ROW);
    const lastByte = kv.kBase[L - 1] + BigInt((slots - 1) * kv.slotStrideBytes + (maxContext - 1) * kv.tokenStrideBytes! + ROW - 1);
    expect(lastByte).toBe(BigInt(slots * 128 * MiB - 1)); // K is buffer 0, at address 0 here
    expect(kv.vBase[0]).toBe(1n << 40n);
  });
});

describe('attention call over the megacache layout (CPU: validation and the test layout)', () => {
  const c = { kind: 'decode' as const, dtype: 'bf16' as const, headDim: 64 as const, numQHeads: 4, numKvHeads: 2, layers: 3, layer: 1, contextLens: [5, 9, 1] };

  it('the layout: element (slot, token, layer, head) at slot*S + token*L*Hkv*D + layer*Hkv*D + head*D; the call view starts at the layer', () => {
    const m = megacacheCase(c, 'fixed');
    const rowElems = c.numKvHeads * c.headDim;
    expect(m.tokenStrideBytes).toBe(c.layers * rowElems * 2);
    expect(m.indexOf(2, 3, 1, 1)).toBe((2 * m.slotStrideBytes) / 2 + 3 * c.layers * rowElems + rowElems + c.headDim);
    // Reading the view with the token stride gives back the layer the reference used, for every request.
    for (let r = 0; r < c.contextLens.length; r++) {
      const s = m.slotOfRequest[r];
      for (let t = 0; t < c.contextLens[r]; t++) {
        const inView = (s * m.slotStrideBytes + t * m.tokenStrideBytes) / 2;
        expect(m.call.k[inView]).toBe(m.k[m.indexOf(s, t, c.layer, 0)]);
        expect(Number.isNaN(fromHalfBits(m.call.k[inView], 'bf16'))).toBe(false);
      }
      // Beyond the context: poison.
      expect(Number.isNaN(fromHalfBits(m.k[m.indexOf(s, c.contextLens[r], 0, 0)], 'bf16'))).toBe(c.contextLens[r] < Math.max(...c.contextLens));
    }
  });

  it('resolveAttentionCall passes the token stride through and checks it', () => {
    const m = megacacheCase(c, 'fixed');
    expect(resolveAttentionCall(m.call).tokenStrideBytes).toBe(m.tokenStrideBytes);
    const row = c.numKvHeads * c.headDim * 2;
    const withStride = (tokenStrideBytes: number) => ({ ...m.call, cache: { ...m.call.cache, tokenStrideBytes } as typeof m.call.cache });
    expect(() => resolveAttentionCall(withStride(row - 16))).toThrow(/cache.tokenStrideBytes/);
    expect(() => resolveAttentionCall(withStride(row + 8))).toThrow(/multiple of 16 bytes for attentionCall: cache.tokenStrideBytes/);
    // Packed rows (the default) are still accepted and sent as 0.
    const packed = { ...m.call, cache: { layout: 'contiguous' as const, slotStrideBytes: m.slotStrideBytes, slotOfRequest: m.slotOfRequest } };
    expect(resolveAttentionCall(packed).tokenStrideBytes).toBe(0);
    // A view cut one row short leaves the last request's last token outside k.
    const last = m.slotOfRequest.indexOf(Math.max(...m.slotOfRequest));
    const end = (m.slotOfRequest[last] * m.slotStrideBytes + (c.contextLens[last] - 1) * m.tokenStrideBytes + row) / 2;
    expect(() => resolveAttentionCall({ ...m.call, k: m.call.k.subarray(0, end - 1), v: m.call.v.subarray(0, end - 1) })).toThrow(/slot of request/);
    expect(() => resolveAttentionCall({ ...m.call, k: m.call.k.subarray(0, end), v: m.call.v.subarray(0, end) })).not.toThrow();
  });
});
