import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveCostModel } from '../../../src/sim/cost/resolveCostModel.js';
import { decodeIterationS } from '../../../src/sim/cost/compareAttention.js';
import { simulate } from '../../../src/sim/engine/simulate.js';
import { hardwarePreset } from '../../../src/sim/hardware/presets.js';
import { createPolicy } from '../../../src/sim/memory/createPolicy.js';
import { modelPreset } from '../../../src/sim/model/presets.js';
import { openTrace } from '../../../src/sim/trace/openTrace.js';

const FIXTURE = resolve('test/sim/cost/fixtures/timings-llama.csv');
const hardware = hardwarePreset('h100');
const llama = modelPreset('llama-3-8b');
const run = (kind: 'paged' | 'vattention', model = llama, blockSizeTokens = 16) => {
  const policyOptions = kind === 'paged' ? { blockSizeTokens } : {};
  return { model, hardware, tp: 1, policy: createPolicy(kind, { model, hardware, tp: 1 }, policyOptions as never), policyOptions };
};
const sources = (r: ReturnType<typeof resolveCostModel>) => r.costModel.describe().sources as Record<string, Record<string, number>>;

describe('resolveCostModel: the one cost resolution', () => {
  it('auto takes the committed profile measured on the card for the model shape, and says so', () => {
    const r = resolveCostModel(run('paged'));
    expect(r.profilePath).toBe('profiles/h100-sxm-80gb/llama-3-8b.json');
    expect(r.note).toMatch(/^measured profile profiles\/h100-sxm-80gb\/llama-3-8b\.json \(NVIDIA H100 80GB HBM3, 2026-12-06\), matched by card and shape/);
  });

  it('matches by shape, not by name: a renamed Llama-3-8B gets its profile, another shape gets the roofline with the reason', () => {
    expect(resolveCostModel(run('paged', { ...llama, name: 'my-finetune' })).profilePath).toBe('profiles/h100-sxm-80gb/llama-3-8b.json');
    const other = resolveCostModel(run('paged', modelPreset('llama-2-7b')));
    expect(other.profilePath).toBeUndefined();
    expect(other.note).toMatch(/^roofline: no measured profile in profiles\/h100-sxm-80gb\/ matches this card and shape \(32 layers, 32\/32 heads, head dim 128/);
    expect(resolveCostModel({ ...run('paged'), hardware: hardwarePreset('a100') }).note).toMatch(/^roofline: no measured profile in profiles\/a100-80gb\//);
  });

  it('simulate() resolves like kvsim replay by default, and reports the resolution in its result', async () => {
    const trace = () => openTrace('synthetic:conv', { count: 30, seed: 1 });
    const byDefault = await simulate({ trace: await trace(), model: 'llama-3-8b', hardware: 'h100', policy: 'vattention' });
    const explicit = await simulate({ trace: await trace(), model: 'llama-3-8b', hardware: 'h100', policy: 'vattention', costModelOptions: { profile: 'profiles/h100-sxm-80gb/llama-3-8b.json' } });
    const roofline = await simulate({ trace: await trace(), model: 'llama-3-8b', hardware: 'h100', policy: 'vattention', costModelOptions: { profile: 'roofline' } });
    expect((byDefault.config.costModel as { resolution: string }).resolution).toMatch(/^measured profile profiles\/h100-sxm-80gb\/llama-3-8b\.json/);
    expect(byDefault.summary.makespanS).toBe(explicit.summary.makespanS);
    expect(byDefault.summary.makespanS).not.toBe(roofline.summary.makespanS);
  });

  it('a paged block size the profile lacks fails in one line naming the tables and the command, unless fallback is allowed', () => {
    expect(() => resolveCostModel(run('paged', llama, 24))).toThrow(
      /^cost model: profiles\/h100-sxm-80gb\/llama-3-8b\.json has no decodeAttention\.paged\.24 table \(paged block sizes measured: 8, 16, 32, 64, 128, 256\); .*prefillAttention\.paged\.24.*; measure it with `kvsim calibrate --model llama-3-8b` on the GPU; or pass --allow-fallback/,
    );
    const r = resolveCostModel(run('paged', llama, 24), { allowFallback: true });
    decodeIterationS(r.costModel, 8, 1024);
    expect(Object.keys(sources(r).decodeAttention)).toEqual(['roofline fallback (profiles/h100-sxm-80gb/llama-3-8b.json has no decodeAttention.paged.24 table (paged block sizes measured: 8, 16, 32, 64, 128, 256))']);
    // Every block size a user can pick at the command line's powers of two is measured now.
    expect(() => resolveCostModel(run('paged', llama, 32))).not.toThrow();
  });

  it('--attention-kernels FILE prices attention from the timings and names them; what they lack is an error', () => {
    expect(() => resolveCostModel(run('paged', llama, 32), { attentionKernels: FIXTURE })).toThrow(`${FIXTURE} has no prefill paged.32 timings (it has: contiguous)`);
    const r = resolveCostModel(run('vattention'), { attentionKernels: FIXTURE });
    expect(r.note).toContain(`attention kernels fixture-kernel (${FIXTURE}, measured)`);
    const t = decodeIterationS(r.costModel, 64, 4095);
    const s = sources(r);
    expect(Object.keys(s.decodeAttention)).toEqual([`measured fixture-kernel (${FIXTURE}) decode contiguous [interpolated]`]);
    // 32 layers at the fixture's 6e-4 s beside the measured profile's GEMMs and overhead.
    const kvsim = resolveCostModel(run('vattention'));
    expect(t - decodeIterationS(kvsim.costModel, 64, 4095)).toBeCloseTo(32 * 6e-4 - 32 * interpolatedProfileDecode(), 6);
    expect(() => resolveCostModel(run('vattention', modelPreset('yi-6b')), { attentionKernels: FIXTURE })).toThrow('timed at q heads/kv heads/head dim/element 32/8/128/2 B, but yi-6b at TP 1 has 32/4/128/2 B per GPU');
  });

  it('published kernels scale the contiguous base by the paper figure and count estimates outside its stated range', () => {
    const r = resolveCostModel(run('paged'), { attentionKernels: 'vllm-0.2.7' });
    const base = resolveCostModel(run('vattention'));
    const ratio = (batch: number, ctx: number) => (decodeIterationS(r.costModel, batch, ctx) - decodeIterationS(base.costModel, batch, ctx)) / 32;
    expect(ratio(16, 16383)).toBeGreaterThan(0);
    const keys = Object.keys(sources(r).decodeAttention);
    expect(keys.some((k) => k.startsWith('published vllm-0.2.7 decode x2.85 at block 16') && k.endsWith('[published-in-range]'))).toBe(true);
    decodeIterationS(r.costModel, 64, 1024);
    expect(Object.keys(sources(r).decodeAttention).some((k) => k.endsWith('[published-out-of-range]'))).toBe(true);
    // SDPA is measured on the H100 (contiguous only): it prices contiguous attention and names itself;
    // paged memory needs paged timings it does not have.
    const sdpa = resolveCostModel(run('vattention'), { attentionKernels: 'sdpa' });
    expect(sdpa.note).toContain('attention-sdpa.json');
    expect(() => resolveCostModel(run('paged'), { attentionKernels: 'sdpa' })).toThrow('profiles/h100-sxm-80gb/attention-sdpa.json has no decode paged.16 timings (it has: contiguous)');
    expect(() => resolveCostModel({ ...run('vattention'), hardware: hardwarePreset('h200') }, { attentionKernels: 'sdpa' })).toThrow(
      '--attention-kernels sdpa: no measured SDPA profile for h200-141gb (profiles/h200-141gb/attention-sdpa.json); measure it on the GPU with `python3 bench/kernels/measure_attention.py --kernels sdpa --out profiles/h200-141gb/attention-sdpa.json`',
    );
    expect(() => resolveCostModel(run('paged'), { attentionKernels: 'nope' })).toThrow('Expected one of kvsim, sdpa, vllm-0.2.7, fa2-paged, flashinfer-paged or an existing timings file for --attention-kernels but received "nope"');
  });
});

/** The committed H100 profile's contiguous decode time per layer at batch 64, context 4096 (a grid point). */
function interpolatedProfileDecode(): number {
  const p = JSON.parse(readFileSync('profiles/h100-sxm-80gb/llama-3-8b.json', 'utf8')) as { decodeAttention: { contiguous: { a: number[]; b: number[]; timeS: number[][] } } };
  const c = p.decodeAttention.contiguous;
  return c.timeS[c.a.indexOf(64)][c.b.indexOf(4096)];
}
