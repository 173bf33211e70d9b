import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CalibratedCostModel } from '../../../src/sim/cost/calibrated/CalibratedCostModel.js';
import type { CalibrationProfile } from '../../../src/sim/cost/calibrated/CalibrationProfile.js';
import { emptyIterationCost } from '../../../src/sim/cost/CostModel.js';
import { formatCostSources } from '../../../src/sim/cost/formatCostSources.js';
import { emptyAggregate, type IterationAggregate } from '../../../src/sim/cost/IterationAggregate.js';
import { RooflineCostModel } from '../../../src/sim/cost/RooflineCostModel.js';
import { TpCommunication } from '../../../src/sim/cost/TpCommunication.js';
import { simulate } from '../../../src/sim/engine/simulate.js';
import { hardwarePreset } from '../../../src/sim/hardware/presets.js';
import { modelPreset } from '../../../src/sim/model/presets.js';
import { openTrace } from '../../../src/sim/trace/openTrace.js';

const h100 = hardwarePreset('h100');
const llama70 = modelPreset('llama-3-70b');
const roofline = (tp: number, model = llama70, hardware = h100) => new RooflineCostModel({ model, hardware, tp, pagedKernels: false, allocationMode: 'none' });
const decode = (batch: number, context = 2048): IterationAggregate => ({ ...emptyAggregate(), batchSize: batch, decodeTokens: batch, decodeKvTokens: batch * (context + 1) });

describe('TpCommunication: what a tensor-parallel pass sends', () => {
  it('Llama-3-70B: 2 all-reduces per layer + 1 after the embedding = 161; zero at TP 1', () => {
    const c = new TpCommunication(llama70, 1, h100, 2);
    expect(c.allReducesPerPass).toBe(161);
    expect(c.iterationS(32, 32)).toBe(0);
    expect(c.label).toBe('no communication (tp=1)');
    expect(c.allReduceBytes(32)).toBe(32 * 8192 * 2);
  });

  // Hand-computed: 32 decode tokens -> 161 all-reduces of 512 KiB (LL protocol at every TP, see
  // ncclRingTime.test) + the logits of 32 rows x 128256 x 2 B gathered (Simple at TP 2 and 4, LL128 at 8).
  it.each([
    // tp, all-reduce us, gather us
    [2, 7.8 + 524288 / 141e3, 11.8 + 8208384 / 900e3],
    [4, 10.2 + 524288 / 94e3, 18.6 + (8208384 * 3) / (450e3 * 4)],
    [8, 15.0 + (524288 * 14) / (141e3 * 8), 27.3 + (8208384 * 7) / (414e3 * 8)],
  ])('decode of 32 requests at TP %i: 161 x all-reduce + gather, in the commS term', (tp, allReduceUs, gatherUs) => {
    const m = roofline(tp);
    const c = m.iterationCost(decode(32), emptyIterationCost());
    expect(c.terms.commS * 1e6).toBeCloseTo(161 * allReduceUs + gatherUs, 6);
    // Not overlapped with compute: it adds to the iteration (vLLM RowParallelLinear all-reduces inline).
    const t = c.terms;
    expect(c.durationS).toBeCloseTo(t.gemmS + t.decodeAttentionS + t.commS + t.overheadS, 15);
  });

  it('TP 1 is what it was: no comm term, no comm source, no interconnect in describe()', () => {
    const m = roofline(1);
    const c = m.iterationCost(decode(32), emptyIterationCost());
    expect(c.terms.commS).toBe(0);
    const t = c.terms;
    expect(c.durationS).toBe(t.gemmS + t.prefillAttentionS + t.decodeAttentionS + t.recurrentS + t.overheadS);
    const d = m.describe();
    expect(Object.keys(d.sources as object)).not.toContain('comm');
    expect(d).not.toHaveProperty('interconnect');
  });

  it('records its source with the link, its bandwidth and the model (provenance), once per iteration with communication', () => {
    const m = roofline(4);
    m.iterationCost(decode(8), emptyIterationCost());
    m.iterationCost({ ...emptyAggregate() }, emptyIterationCost()); // nothing ran: nothing sent
    const comm = (m.describe().sources as Record<string, Record<string, number>>).comm;
    const [label, n] = Object.entries(comm)[0];
    expect(n).toBe(1);
    expect(label).toMatch(/^NCCL's ring tuning model \(src\/graph\/tuning\.cc, NVIDIA\/nccl [0-9a-f]{7}\) over NVLink 4 .* at 450 GB\/s per direction \(published peak\), 161 all-reduces \+ 1 logits gather per pass, not overlapped/);
    expect(m.describe().interconnect).toMatchObject({ name: 'NVLink 4 (18 links, NVSwitch)', bandwidthBytesPerS: 450e9 });
    const { lines } = formatCostSources([{ tag: 'llama-3-70b', costModel: m.describe() }]);
    expect(lines.join('\n')).toMatch(/tensor-parallel communication: NCCL's ring tuning model .* 100%/);
  });

  it('xLSTM: recurrent blocks all-reduce twice too, and the label says that sharding is assumed', () => {
    const x = modelPreset('xlstm-7b');
    const c = new TpCommunication(x, 2, h100, 2);
    expect(c.allReducesPerPass).toBe(2 * x.layers.length + 1);
    expect(c.label).toMatch(/recurrent layers sharded like attention \(assumed\)/);
    expect(roofline(2, x).iterationCost(decode(16), emptyIterationCost()).terms.commS).toBeGreaterThan(0);
  });

  it('a hardware spec without an interconnect refuses TP > 1 in one line instead of pricing zero', () => {
    const bare = { ...h100, interconnect: undefined };
    expect(() => roofline(2, llama70, bare)).toThrow(/^hardware h100-sxm-80gb has no interconnect: tensor parallelism \(tp=2\) needs HardwareSpec\.interconnect/);
    expect(() => roofline(1, llama70, bare)).not.toThrow();
  });

  it('monotone: more tokens or a higher TP never communicate less; iteration time with comm >= without (seeded)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4096 }), fc.integer({ min: 0, max: 4096 }), fc.constantFrom(2, 4), (tokens, more, tp) => {
        const a = roofline(tp).comm.iterationS(tokens, Math.min(tokens, 256));
        expect(roofline(tp).comm.iterationS(tokens + more, Math.min(tokens + more, 256))).toBeGreaterThanOrEqual(a);
        expect(roofline(2 * tp).comm.iterationS(tokens, Math.min(tokens, 256))).toBeGreaterThanOrEqual(a);
      }),
      { seed: 2020, numRuns: 100 },
    );
  });
});

describe('TP communication in a calibrated model', () => {
  const base: CalibrationProfile = {
    schema: 'kvsim.profile/1', card: 'fixture', gpu: 'h100-sxm-80gb', driver: '0', cudaRuntime: '0', date: '2026-01-01',
    model: 'llama-3-70b', tp: 2, dtype: 'bf16', method: 'fixture',
    layerGemm: { attention: { x: [1, 1024], timeS: [1e-4, 1e-3], xName: 'tokens' } },
    lmHead: { x: [1, 256], timeS: [1e-4, 2e-4], xName: 'rows' },
    decodeAttention: { contiguous: { a: [1, 64], b: [128, 4096], timeS: [[1e-5, 2e-5], [4e-5, 6e-4]], aName: 'batch', bName: 'context' } },
    prefillAttention: { contiguous: { a: [16, 4096], b: [0, 4096], timeS: [[1e-5, 2e-5], [1e-3, 3e-3]], aName: 'chunkTokens', bName: 'contextTokens' } },
    iterationOverheadS: 1e-3,
  };
  const ctx = (profile: CalibrationProfile, allowFallback = false) => ({
    model: llama70, hardware: h100, tp: 2, pagedKernels: false, allocationMode: 'none' as const, profile, profilePath: 'fixture.json', allowFallback,
  });

  it('a profile measured at TP > 1 without an allReduce table is a missing table, naming the command', () => {
    expect(() => new CalibratedCostModel(ctx(base))).toThrow(/fixture\.json has no allReduce table \(tp=2\); measure it with `kvsim gpu bench allreduce --tp 2 --model llama-3-70b`/);
    const m = new CalibratedCostModel(ctx(base, true));
    const c = m.iterationCost(decode(32), emptyIterationCost());
    expect(c.terms.commS).toBeCloseTo(roofline(2).comm.iterationS(32, 32), 15);
    expect(Object.keys((m.describe().sources as Record<string, Record<string, number>>).comm)[0]).toMatch(/^roofline fallback \(fixture\.json has no allReduce table/);
  });

  it('with the measured table: 161 x the interpolated all-reduce + the modelled logits gather, labelled measured', () => {
    const allReduce = { x: [262144, 1048576], timeS: [10e-6, 20e-6], xName: 'bytes' };
    const m = new CalibratedCostModel(ctx({ ...base, allReduce }));
    const c = m.iterationCost(decode(32), emptyIterationCost()); // 512 KiB: a third of the way
    const gather = roofline(2).comm.gatherS(32);
    expect(c.terms.commS).toBeCloseTo(161 * (10e-6 + (262144 / 786432) * 10e-6) + gather, 12);
    expect(Object.keys((m.describe().sources as Record<string, Record<string, number>>).comm)[0]).toMatch(/^measured fixture\.json allReduce x161 per pass \+ logits gather by NCCL's ring tuning model/);
  });
});

describe('TP communication through simulate()', () => {
  it('a TP 4 replay shows commS in every iteration that ran tokens, and the source in the run', async () => {
    const trace = await openTrace('synthetic:conv', { count: 12, seed: 3 });
    const r = await simulate({ trace, model: 'llama-3-70b', hardware: 'h100', tp: 4, policy: 'vattention' });
    const it = r.iterations;
    expect(it.commS.length).toBe(it.startS.length);
    for (let i = 0; i < it.startS.length; i++) {
      if (it.prefillTokens[i] + it.decodeTokens[i] > 0) expect(it.commS[i]).toBeGreaterThan(0);
    }
    const cm = r.config.costModel as { sources: Record<string, Record<string, number>> };
    expect(Object.keys(cm.sources.comm)[0]).toMatch(/^NCCL's ring tuning model/);
  });
});
