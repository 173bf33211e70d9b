import { describe, expect, it } from 'vitest';
import { calibrate, type CalibrationGrid } from '../../src/gpu/calibrate.js';
import { GpuModel } from '../../src/gpu/GpuModel.js';
import type { GpuProfileOp, NativeGpuModelConfig } from '../../src/gpu/NativeGpuModel.js';
import { replayOnGpu } from '../../src/gpu/replayOnGpu.js';
import { validateProfile } from '../../src/sim/cost/calibrated/readProfile.js';
import { createPolicy } from '../../src/sim/memory/createPolicy.js';
import type { HybridPolicy } from '../../src/sim/memory/HybridPolicy.js';
import type { PolicyKind } from '../../src/sim/memory/MemoryPolicy.js';
import { hardwarePreset } from '../../src/sim/hardware/presets.js';
import { modelPreset } from '../../src/sim/model/presets.js';
import { openTrace } from '../../src/sim/trace/openTrace.js';
import { type FakeCall, fakeBinding } from './fakes/fakeBinding.js';

// The GPU executor's recurrent paths on CPU with a fake binding: sLSTM layers (xlstm71-1.3b) and the
// hybrid (hybrid-7b: attention KV + mLSTM state slots) through GpuModel, calibrate and replayOnGpu.

const newModel = (calls: FakeCall[]): NativeGpuModelConfig => calls.find((c): c is Extract<FakeCall, { call: 'newModel' }> => c.call === 'newModel')!.config;
const runs = (calls: FakeCall[]) => calls.flatMap((c) => (c.call === 'run' ? [c.iteration] : []));
const destroyed = (calls: FakeCall[]) => calls.flatMap((c) => (c.call === 'destroy' ? [c.what] : [])).sort();

/** A distinct time per (op, parameters) point, so each table cell can be traced to its point. */
const ids = new Map<string, number>();
function encode(op: GpuProfileOp, p: Record<string, number>): number {
  const key = [op, p.kind ?? '-', p.tokens ?? '-', p.batch ?? '-', p.rows ?? '-', p.context ?? '-', p.chunk ?? '-', p.paged ?? '-', p.blockSize ?? '-'].join(':');
  if (!ids.has(key)) ids.set(key, ids.size + 1);
  return ids.get(key)! * 1e-6;
}

const GRID: Partial<CalibrationGrid> = {
  gemmTokens: [1, 64, 512],
  lmHeadRows: [1, 8],
  decodeBatch: [1, 4],
  decodeContext: [128, 2048],
  prefillChunk: [16, 1024],
  prefillContext: [0, 4096],
  pagedBlockSizes: [16],
  recurrentBatch: [1, 16],
  recurrentPrefillTokens: [16, 256],
  reps: 5,
};

describe('GpuModel with sLSTM layers (fake binding)', () => {
  it('sends kind 2 layers (heads per GPU, head dim) between the mLSTM ones, and needs state slots', () => {
    const fake = fakeBinding();
    const model = modelPreset('xlstm71-1.3b');
    new GpuModel(fake.binding, { model, tp: 2, maxTokens: 64, maxBatch: 4, maxContext: 1024, kv: { layout: 'none' }, stateSlots: 4 }).destroy();
    const c = newModel(fake.calls);
    // sLSTM at blocks 3, 5, 7, 40, 42, 44 (the preset's slstm_at), mLSTM elsewhere.
    expect(c.layers.map((l) => l.kind).join('')).toBe(Array.from({ length: 48 }, (_, i) => ([3, 5, 7, 40, 42, 44].includes(i) ? '2' : '1')).join(''));
    expect(c.layers[7]).toEqual({ kind: 2, heads: 2, headDim: 512 });
    expect(c.layers[0]).toEqual({ kind: 1, heads: 2, dqk: 256, dv: 512 });
    expect([c.stateSlots, c.stateDtype, c.kvLayout]).toEqual([4, 0, -1]);
    expect(() => new GpuModel(fake.binding, { model, tp: 1, maxTokens: 64, maxBatch: 4, maxContext: 1024, kv: { layout: 'none' }, stateSlots: 0 })).toThrow(/recurrent .*stateSlots is 0/);
  });

  it('refuses what xlstm_slstm_step cannot run, and recurrent layers of two state dtypes', () => {
    const fake = fakeBinding();
    const base = modelPreset('xlstm71-1.3b');
    const odd = { ...base, layers: base.layers.map((l) => (l.kind === 'slstm' ? { ...l, headDim: 500 } : l)) };
    expect(() => new GpuModel(fake.binding, { model: odd, tp: 1, maxTokens: 64, maxBatch: 4, maxContext: 1024, kv: { layout: 'none' }, stateSlots: 4 })).toThrow(/multiple of 8/);
    const mixed = { ...base, layers: base.layers.map((l) => (l.kind === 'slstm' ? { ...l, stateDtype: 'bf16' as const } : l)) };
    expect(() => new GpuModel(fake.binding, { model: mixed, tp: 1, maxTokens: 64, maxBatch: 4, maxContext: 1024, kv: { layout: 'none' }, stateSlots: 4 })).toThrow(/one state dtype/);
    expect(fake.calls.filter((c) => c.call === 'newModel')).toHaveLength(0);
  });
});

describe('calibrate with sLSTM layers and hybrids (fake binding)', () => {
  it('xlstm71-1.3b: mLSTM and sLSTM GEMM, step and prefill tables, each cell its own native point; the profile validates', () => {
    const fake = fakeBinding({ timeS: encode });
    const progress: [number, number][] = [];
    const p = calibrate(fake.binding, fake.info, { model: modelPreset('xlstm71-1.3b'), gpu: 'h100', tp: 1, grid: GRID, onPoint: (_w, done, total) => progress.push([done, total]) });
    const g = GRID as CalibrationGrid;
    expect(p.layerGemm?.slstm).toEqual({ x: g.gemmTokens, xName: 'tokens', timeS: g.gemmTokens.map((tokens) => encode('layerGemm', { kind: 2, tokens })) });
    expect(p.layerGemm?.mlstm?.timeS).toEqual(g.gemmTokens.map((tokens) => encode('layerGemm', { kind: 1, tokens })));
    expect(p.slstmStep).toEqual({ x: g.recurrentBatch, xName: 'batch', timeS: g.recurrentBatch.map((batch) => encode('slstmStep', { batch })) });
    expect(p.slstmPrefill).toEqual({ x: g.recurrentPrefillTokens, xName: 'tokens', timeS: g.recurrentPrefillTokens.map((tokens) => encode('slstmPrefill', { tokens })) });
    expect(p.recurrentStep?.timeS).toEqual(g.recurrentBatch.map((batch) => encode('mlstmStep', { batch })));
    expect(p.decodeAttention).toBeUndefined();
    const timed = fake.calls.filter((c) => c.call === 'time').length;
    expect(progress.at(-1)).toEqual([timed, timed]);
    expect(newModel(fake.calls).stateSlots).toBe(16);
    expect(validateProfile(JSON.parse(JSON.stringify(p)), 'x.json')).toEqual(p);
    expect(destroyed(fake.calls)).toEqual(['model']);
  });

  it('hybrid-7b: attention tables and mLSTM tables in one profile, the point count exact', () => {
    const fake = fakeBinding({ timeS: encode });
    const progress: [number, number][] = [];
    const p = calibrate(fake.binding, fake.info, { model: modelPreset('hybrid-7b'), gpu: 'h100', tp: 1, grid: GRID, onPoint: (_w, done, total) => progress.push([done, total]) });
    expect(Object.keys(p.layerGemm ?? {}).sort()).toEqual(['attention', 'mlstm']);
    expect(p.decodeAttention?.paged?.['16']).toBeDefined();
    expect(p.recurrentStep).toBeDefined();
    expect(p.slstmStep).toBeUndefined();
    const timed = fake.calls.filter((c) => c.call === 'time').length;
    expect(progress.at(-1)).toEqual([timed, timed]);
  });
});

describe('createPolicy: a KV policy named for a hybrid model', () => {
  const ctx = { model: modelPreset('hybrid-7b'), hardware: hardwarePreset('h100'), tp: 1 };
  it.each(['static', 'paged', 'vattention'] as const)('%s builds the hybrid with that policy for the attention layers', (kind) => {
    const p = createPolicy(kind, ctx, kind === 'paged' ? { blockSizeTokens: 32 } : undefined) as HybridPolicy;
    expect(p.kind).toBe('hybrid');
    expect(p.parts.attention.kind).toBe(kind);
    expect(p.parts.recurrent.kind).toBe('recurrent');
    if (kind === 'paged') expect(p.parts.attention.label).toBe('paged(block=32)');
  });
  it('still refuses a KV policy for a model without attention layers', () => {
    expect(() => createPolicy('paged', { ...ctx, model: modelPreset('xlstm71-1.3b') })).toThrow(/does not apply to xlstm71-1\.3b/);
  });
});

describe('replayOnGpu through recurrent layers (fake binding)', () => {
  const cases: [string, PolicyKind, number][] = [
    ['hybrid-7b', 'paged', 1],
    ['hybrid-7b', 'vattention', 0],
    ['hybrid-7b', 'hybrid', 1],
    ['xlstm71-1.3b', 'recurrent', -1],
  ];
  for (const [model, policy, kvLayout] of cases) {
    it(`${model} under ${policy}: KV for the attention layers only, a state slot for every row, every request complete, every resource freed`, async () => {
      const fake = fakeBinding();
      const trace = await openTrace('synthetic:conv', { count: 10, seed: 3, maxContextTokens: 4096 });
      const g = await replayOnGpu({ trace, model, hardware: 'h100', policy, gpu: fake });
      expect(g.run.summary.completed).toBe(10);
      const c = newModel(fake.calls);
      expect(c.kvLayout).toBe(kvLayout);
      const attention = modelPreset(model).layers.filter((l) => l.kind === 'attention').length;
      expect(c.kBase).toHaveLength(kvLayout === -1 ? 0 : attention);
      expect(c.stateSlots).toBeGreaterThan(0);
      const pool = fake.calls.find((x) => x.call === 'newPool');
      if (kvLayout === 1) expect(pool && pool.call === 'newPool' && pool.options.layers).toBe(attention);
      const its = runs(fake.calls);
      expect(its.length).toBe(g.pairs.gpuS.length);
      for (const it of its) {
        expect(it.stateSlot.every((s) => s >= 0 && s < c.stateSlots)).toBe(true);
        // Two rows of one iteration never share a slot (the kernels would race).
        expect(new Set(it.stateSlot).size).toBe(it.stateSlot.length);
      }
      // A request's first iteration starts from context 0, where the native side zeroes its state slot.
      expect(its.some((it) => it.context.includes(0))).toBe(true);
      expect(destroyed(fake.calls)).toEqual(kvLayout === 1 ? ['model', 'pool'] : kvLayout === 0 ? ['arena', 'model'] : ['model']);
      // The roofline predictor prices paged kernels exactly when the attention part is paged.
      expect(g.predictor.includes('paged prefill')).toBe(kvLayout === 1);
    });
  }

  it('xlstm71-1.3b with a profile from calibrate: predictions priced from the sLSTM tables, no fallback', async () => {
    const fake = fakeBinding({ timeS: encode });
    const profile = calibrate(fake.binding, fake.info, { model: modelPreset('xlstm71-1.3b'), gpu: 'h100-sxm-80gb', tp: 1, grid: GRID });
    profile.iterationOverheadS = 0;
    const trace = await openTrace('synthetic:conv', { count: 6, seed: 3, maxContextTokens: 4096 });
    const g = await replayOnGpu({ trace, model: 'xlstm71-1.3b', hardware: 'h100', policy: 'recurrent', gpu: fake, profile: { profile, path: 'fake.json' } });
    expect(g.predictor).toMatch(/^calibrated\(/);
    expect(g.pairs.simS.every((s) => s > 0)).toBe(true);
    expect(g.run.summary.completed).toBe(6);
  });
});
