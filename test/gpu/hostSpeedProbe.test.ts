import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { formatHostProbe, hostSpeedProbe } from '../../src/gpu/hostSpeedProbe.js';
import type { GpuProfileOp } from '../../src/gpu/NativeGpuModel.js';
import { validateProfile } from '../../src/sim/cost/calibrated/readProfile.js';
import { modelPreset } from '../../src/sim/model/presets.js';
import { fakeBinding } from './fakes/fakeBinding.js';

// The host-speed probe on CPU: a fake GPU answers each profiled cell with the committed profile's own
// time times a known speed, and the probe must report that speed, from the cells it claims.
const llama = validateProfile(JSON.parse(readFileSync('profiles/h100-sxm-80gb/llama-3-8b.json', 'utf8')), 'llama-3-8b.json');
const xlstm = validateProfile(JSON.parse(readFileSync('profiles/h100-sxm-80gb/xlstm-7b.json', 'utf8')), 'xlstm-7b.json');

/** The profile's time of the cell an (op, params) call names (grid points only). */
function profileTime(p: typeof llama, op: GpuProfileOp, q: Record<string, number>): number {
  const at1 = (t: { x: number[]; timeS: number[] }, x: number) => t.timeS[t.x.indexOf(x)];
  const at2 = (t: { a: number[]; b: number[]; timeS: number[][] }, a: number, b: number) => t.timeS[t.a.indexOf(a)][t.b.indexOf(b)];
  switch (op) {
    case 'layerGemm': return at1(q.kind === 0 ? p.layerGemm!.attention! : q.kind === 1 ? p.layerGemm!.mlstm! : p.layerGemm!.slstm!, q.tokens);
    case 'lmHead': return at1(p.lmHead!, q.rows);
    case 'decode': return at2(q.paged ? p.decodeAttention!.paged![String(q.blockSize)] : p.decodeAttention!.contiguous!, q.batch, q.context);
    case 'prefill': return at2(q.paged ? p.prefillAttention!.paged![String(q.blockSize)] : p.prefillAttention!.contiguous!, q.chunk, q.context);
    case 'mlstmStep': return at1(p.recurrentStep!, q.batch);
    case 'mlstmPrefill': return at1(p.recurrentPrefill!, q.tokens);
    case 'slstmStep': return at1(p.slstmStep!, q.batch);
    default: throw new Error(`hostSpeedProbe.test: the probe asked for an op it should not time: ${op}`);
  }
}

describe('hostSpeedProbe (fake GPU)', () => {
  it('reports the speed the GPU runs the profile cells at, and probes the policy\'s paged tables', () => {
    const fake = fakeBinding({ timeS: (op, q) => 0.97 * profileTime(llama, op, q) });
    const r = hostSpeedProbe(fake.binding, llama, { model: modelPreset('llama-3-8b'), tp: 1, pagedBlockSize: 16 });
    expect(r.factor).toBeCloseTo(0.97, 10);
    expect(r.cells.map((c) => c.cell)).toEqual([
      'layerGemm.attention tokens=8', 'layerGemm.attention tokens=1024', 'lmHead rows=4',
      'decodeAttention.paged.16 8x2048', 'prefillAttention.paged.16 1024x0',
    ]);
    for (const c of r.cells) expect(c.measuredS / c.profileS).toBeCloseTo(0.97, 10);
    expect(r.cells.find((c) => c.cell.startsWith('layerGemm'))!.weight).toBe(32);
    expect(formatHostProbe(r)).toMatch(/^host-speed probe: .* x0\.9700 of its times \(5 cells/);
    // The GPU model it timed on was released.
    expect(fake.calls.filter((c) => c.call === 'destroy' && c.what === 'model').length).toBe(1);
  });

  it('weights cells by the reference iterations: a slow GEMM moves the factor more than a slow LM head', () => {
    const gemmSlow = fakeBinding({ timeS: (op, q) => (op === 'layerGemm' ? 1.1 : 1) * profileTime(llama, op, q) });
    const headSlow = fakeBinding({ timeS: (op, q) => (op === 'lmHead' ? 1.1 : 1) * profileTime(llama, op, q) });
    const m = { model: modelPreset('llama-3-8b'), tp: 1 };
    const g = hostSpeedProbe(gemmSlow.binding, llama, m).factor;
    const h = hostSpeedProbe(headSlow.binding, llama, m).factor;
    expect(g).toBeGreaterThan(h);
    expect(h).toBeGreaterThan(1);
    expect(g).toBeLessThan(1.1);
  });

  it('probes an xLSTM profile\'s recurrent tables', () => {
    const fake = fakeBinding({ timeS: (op, q) => 1.02 * profileTime(xlstm, op, q) });
    const r = hostSpeedProbe(fake.binding, xlstm, { model: modelPreset('xlstm-7b'), tp: 1 });
    expect(r.factor).toBeCloseTo(1.02, 10);
    expect(r.cells.map((c) => c.cell.split(' ')[0])).toEqual(['layerGemm.mlstm', 'layerGemm.mlstm', 'lmHead', 'recurrentStep', 'recurrentPrefill']);
  });

  it('probes an sLSTM model\'s sLSTM GEMM and step cells too', () => {
    const quick = validateProfile(JSON.parse(readFileSync('profiles/h100-sxm-80gb/validation/xlstm71-1.3b.quick-profile.json', 'utf8')), 'q.json');
    const fake = fakeBinding({ timeS: (op, q) => 0.95 * profileTime(quick, op, q) });
    const r = hostSpeedProbe(fake.binding, quick, { model: modelPreset('xlstm71-1.3b'), tp: 1 });
    expect(r.factor).toBeCloseTo(0.95, 10);
    expect(r.cells.map((c) => c.cell.split(' ')[0])).toEqual(['layerGemm.mlstm', 'layerGemm.slstm', 'layerGemm.mlstm', 'layerGemm.slstm', 'lmHead', 'recurrentStep', 'recurrentPrefill', 'slstmStep']);
    expect(r.cells.find((c) => c.cell.startsWith('slstmStep'))!.weight).toBe(6);
  });

  it('refuses a factor that says the profile is another card\'s', () => {
    const fake = fakeBinding({ timeS: (op, q) => 2 * profileTime(llama, op, q) });
    expect(() => hostSpeedProbe(fake.binding, llama, { model: modelPreset('llama-3-8b'), tp: 1 })).toThrow(/x2\.000 of its times \(expected 0\.67\.\.1\.5\).*leave out --host-probe/);
    // A user's error (wrong profile for this card), printed in one line by the CLI, not an internal error.
    expect(() => hostSpeedProbe(fake.binding, llama, { model: modelPreset('llama-3-8b'), tp: 1 })).toThrow(UserError);
  });
});
