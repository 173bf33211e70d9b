import { describe, expect, it } from 'vitest';
import { emptyIterationCost } from '../../../src/sim/cost/CostModel.js';
import { emptyAggregate, type IterationAggregate } from '../../../src/sim/cost/IterationAggregate.js';
import { RooflineCostModel, type AllocationMode } from '../../../src/sim/cost/RooflineCostModel.js';
import { hardwarePreset } from '../../../src/sim/hardware/presets.js';
import { modelPreset } from '../../../src/sim/model/presets.js';

// H100 figures the model defaults to (measured, DESIGN.md): 772 TFLOP/s GEMM, 2.99 TB/s copy.
const RATE = 772e12;
const BW = 2.99e12;
const LAUNCH = 3e-6;
const OVERHEAD = 5e-4;

function model(name: string, pagedKernels = false, allocationMode: AllocationMode = 'none', tp = 1) {
  return new RooflineCostModel({ model: modelPreset(name), hardware: hardwarePreset('h100'), tp, pagedKernels, allocationMode });
}

function agg(fields: Partial<IterationAggregate>): IterationAggregate {
  return { ...emptyAggregate(), ...fields };
}

// Llama-3-8B's four fused GEMMs per layer, [in, out]: QKV (32+8+8 heads x 128), O, gate+up, down.
const LLAMA_GEMMS = [
  [4096, 6144],
  [4096, 4096],
  [4096, 2 * 14336],
  [14336, 4096],
];

/** The GEMM term by hand: per matrix max(2*T*W / rate, (2 bytes * W + 2 bytes * T * (in+out)) / bw) + launch. */
function llamaGemmS(tokens: number, rows: number): number {
  let s = 0;
  for (const [i, o] of LLAMA_GEMMS) s += 32 * (Math.max((2 * i * o * tokens) / RATE, (2 * i * o + 2 * tokens * (i + o)) / BW) + LAUNCH);
  const head = 4096 * 128256;
  return s + Math.max((2 * head * rows) / RATE, (2 * head + 2 * rows * (4096 + 128256)) / BW) + LAUNCH;
}

describe('RooflineCostModel', () => {
  it('a single decode token is memory-bound: ~ the weights read once over the measured bandwidth', () => {
    const c = model('llama-3-8b').iterationCost(agg({ batchSize: 1, decodeTokens: 1, decodeKvTokens: 1 }), emptyIterationCost());
    expect(c.terms.gemmS).toBeCloseTo(llamaGemmS(1, 1), 12);
    // 32 layers x 218 M weights + LM head 525 M ≈ 7.5 G bf16 params -> ~5 ms at 2.99 TB/s.
    expect(c.terms.gemmS).toBeGreaterThan(4.5e-3);
    expect(c.terms.gemmS).toBeLessThan(5.5e-3);
  });

  it('a long prefill is compute-bound in GEMMs and attention', () => {
    const T = 8192;
    const c = model('llama-3-8b').iterationCost(
      agg({ batchSize: 1, prefillTokens: T, prefillRequests: 1, prefillAttentionPairs: T * (0 + T / 2), prefillKvTokens: T }),
      emptyIterationCost(),
    );
    expect(c.terms.gemmS).toBeCloseTo(llamaGemmS(T, 1), 12);
    // Attention: 4 * Hq * D * pairs FLOPs at 72% of the GEMM rate (SDPA measured 559 of 772 TFLOP/s).
    const flops = 4 * 32 * 128 * T * (T / 2);
    expect(c.terms.prefillAttentionS).toBeCloseTo(32 * (flops / (RATE * 0.72) + LAUNCH), 12);
    expect(c.terms.decodeAttentionS).toBe(0);
  });

  it('decode attention reads the KV of every context token; paged kernels pay the cited slowdown', () => {
    const a = agg({ batchSize: 64, decodeTokens: 64, decodeKvTokens: 64 * 1024 });
    const bytesPerLayer = 64 * 1024 * 4096 + 64 * 2 * 4096 * 2; // KV (2*8*128*2 B/token) + Q/O
    const contiguous = model('llama-3-8b').iterationCost(a, emptyIterationCost());
    const paged = model('llama-3-8b', true).iterationCost(a, emptyIterationCost());
    expect(contiguous.terms.decodeAttentionS).toBeCloseTo(32 * (bytesPerLayer / BW + LAUNCH), 12);
    expect(paged.terms.decodeAttentionS).toBeCloseTo(32 * ((bytesPerLayer / BW) * 2.8 + LAUNCH), 12);
    expect(paged.terms.gemmS).toBe(contiguous.terms.gemmS);
  });

  it('tensor parallelism splits weights and KV heads', () => {
    const a = agg({ batchSize: 64, decodeTokens: 64, decodeKvTokens: 64 * 1024 });
    const tp1 = model('llama-3-8b').iterationCost(a, emptyIterationCost());
    const tp2 = model('llama-3-8b', false, 'none', 2).iterationCost(a, emptyIterationCost());
    expect(tp2.terms.gemmS).toBeLessThan(tp1.terms.gemmS * 0.6);
    expect(tp2.terms.decodeAttentionS).toBeLessThan(tp1.terms.decodeAttentionS * 0.6);
  });

  it('xLSTM: the recurrent step reads and writes each request state once, whatever the context', () => {
    const state = 8 * (256 * 512 + 256 + 1) * 4; // one mLSTM layer, fp32
    const c = model('xlstm-7b').iterationCost(agg({ batchSize: 10, decodeTokens: 10, decodeKvTokens: 10 * 5000 }), emptyIterationCost());
    expect(c.terms.recurrentS).toBeCloseTo(32 * ((2 * state * 10) / BW + LAUNCH), 12);
    expect(c.terms.decodeAttentionS).toBe(0);
    expect(c.terms.prefillAttentionS).toBe(0);
  });

  it('VMM work: overlapped stalls only for the excess over compute; sync adds it all', () => {
    // All of this work maps pages ahead of need (look-ahead / eager), which a background thread can overlap.
    const a = agg({ batchSize: 8, decodeTokens: 8, decodeKvTokens: 8 * 100, allocTimeS: 0.5, aheadAllocTimeS: 0.5 });
    const none = model('llama-3-8b').iterationCost({ ...a, allocTimeS: 0 }, emptyIterationCost());
    const over = model('llama-3-8b', false, 'overlapped').iterationCost(a, emptyIterationCost());
    const sync = model('llama-3-8b', false, 'sync').iterationCost(a, emptyIterationCost());
    expect(over.durationS).toBeCloseTo(0.5, 12);
    expect(over.stallS).toBeCloseTo(0.5 - none.durationS, 12);
    expect(sync.durationS).toBeCloseTo(none.durationS + 0.5, 12);
    expect(sync.terms.allocationS).toBe(0.5);
    const small = model('llama-3-8b', false, 'overlapped').iterationCost({ ...a, allocTimeS: 1e-4, aheadAllocTimeS: 1e-4 }, emptyIterationCost());
    expect(small.stallS).toBe(0);
    expect(small.durationS).toBe(none.durationS);
  });

  it('overlapped VMM work the iteration itself needs (a new prompt\'s pages) stalls in full', () => {
    const a = agg({ batchSize: 8, decodeTokens: 8, decodeKvTokens: 8 * 100, allocTimeS: 3e-3, aheadAllocTimeS: 1e-4 });
    const none = model('llama-3-8b').iterationCost({ ...a, allocTimeS: 0, aheadAllocTimeS: 0 }, emptyIterationCost());
    const over = model('llama-3-8b', false, 'overlapped').iterationCost(a, emptyIterationCost());
    expect(over.stallS).toBeCloseTo(3e-3 - 1e-4, 15);
    expect(over.durationS).toBeCloseTo(none.durationS + 3e-3 - 1e-4, 15);
  });

  it('every term is visible: duration = compute terms + overhead + stall', () => {
    const a = agg({ batchSize: 3, prefillTokens: 500, prefillRequests: 1, prefillAttentionPairs: 500 * 250, prefillKvTokens: 500, decodeTokens: 2, decodeKvTokens: 900, allocTimeS: 0.002 });
    const c = model('llama-3-8b', true, 'sync').iterationCost(a, emptyIterationCost());
    const t = c.terms;
    expect(t.overheadS).toBe(OVERHEAD);
    expect(c.durationS).toBeCloseTo(t.gemmS + t.prefillAttentionS + t.decodeAttentionS + t.recurrentS + t.overheadS + c.stallS, 15);
  });

  it('rejects bad options with the option named', () => {
    expect(() => new RooflineCostModel({ model: modelPreset('llama-3-8b'), hardware: hardwarePreset('h100'), tp: 1, pagedKernels: true, allocationMode: 'none' }, { pagedDecodeSlowdown: 0.5 })).toThrow(
      /pagedDecodeSlowdown/,
    );
  });
});
