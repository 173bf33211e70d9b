import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, describe, expect, it } from 'vitest';
import type { CalibrationProfile } from '../../../../src/sim/cost/calibrated/CalibrationProfile.js';
import { compareProfiles } from '../../../../src/sim/cost/calibrated/compareProfiles.js';
import { findMatchingProfiles, findProfile } from '../../../../src/sim/cost/calibrated/findProfile.js';
import { modelShape } from '../../../../src/sim/cost/calibrated/ModelShape.js';
import { readProfile, validateProfile } from '../../../../src/sim/cost/calibrated/readProfile.js';
import { scaleProfile, SCALING_RULE } from '../../../../src/sim/cost/calibrated/scaleProfile.js';
import { decodeIterationS } from '../../../../src/sim/cost/compareAttention.js';
import { formatCostSources } from '../../../../src/sim/cost/formatCostSources.js';
import { resolveCostModel } from '../../../../src/sim/cost/resolveCostModel.js';
import { simulate } from '../../../../src/sim/engine/simulate.js';
import { hardwarePreset } from '../../../../src/sim/hardware/presets.js';
import { createPolicy } from '../../../../src/sim/memory/createPolicy.js';
import { modelPreset } from '../../../../src/sim/model/presets.js';
import { openTrace } from '../../../../src/sim/trace/openTrace.js';

const h100 = hardwarePreset('h100-sxm-80gb');
const h200 = hardwarePreset('h200-141gb');
const llama = modelPreset('llama-3-8b');
const dir = mkdtempSync(join(tmpdir(), 'kvsim-scale-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ajv = new Ajv2020({ strict: true, allErrors: true });
const profileSchema = ajv.compile(JSON.parse(readFileSync('schemas/kvsim.profile-1.schema.json', 'utf8')) as object);

/**
 * Llama-3-8B's shape with three cells chosen by their arithmetic intensity: a GEMM over 8192 tokens
 * (about 2,000 FLOP per byte: compute-bound on both cards), decode attention at batch 256 x 16k
 * context (1 FLOP per byte: memory-bound on both), and a GEMM over one token (weights only: memory-bound).
 */
const synthetic: CalibrationProfile = {
  schema: 'kvsim.profile/1',
  card: 'Synthetic H100',
  gpu: 'h100-sxm-80gb',
  driver: '0',
  cudaRuntime: '0',
  date: '2026-01-02',
  model: 'llama-3-8b',
  tp: 1,
  dtype: 'bf16',
  method: 'fixture',
  shape: modelShape(llama, 1),
  layerGemm: { attention: { x: [1, 8192], timeS: [1e-4, 5e-3], xName: 'tokens' } },
  decodeAttention: { contiguous: { a: [256], b: [16384], timeS: [[6e-3]], aName: 'batch', bName: 'contextTokens' } },
  enactment: { paged: { iterationS: 1e-4, allocIterationS: 2e-5, perAllocOpS: 3e-7, iterations: 10 } },
  iterationOverheadS: 5e-5,
};

const bwRatio = h100.measuredCopyBandwidthBytesPerS / h200.measuredCopyBandwidthBytesPerS;
const flopRatio = h100.measuredGemmFlopsPerS / h200.measuredGemmFlopsPerS;

describe('scaleProfile: the roofline scaling rule', () => {
  it('a memory-bound cell scales by the bandwidth ratio, a compute-bound one by the FLOP-rate ratio (measured ceilings)', () => {
    const { profile: p, tables } = scaleProfile(synthetic, 'synthetic.json', h200);
    expect(p.decodeAttention!.contiguous!.timeS[0][0] / 6e-3).toBeCloseTo(bwRatio, 12);
    expect(p.layerGemm!.attention!.timeS[0] / 1e-4).toBeCloseTo(bwRatio, 12);
    expect(p.layerGemm!.attention!.timeS[1] / 5e-3).toBeCloseTo(flopRatio, 12);
    // The two ratios differ a lot (4.3/2.99 TB/s vs 788/772 TFLOP/s), so the test can tell them apart.
    expect(Math.abs(bwRatio - flopRatio)).toBeGreaterThan(0.25);
    expect(tables.find((t) => t.table === 'layerGemm.attention')).toMatchObject({ cells: 2, memoryBoundCells: 1 });
    // Host-side terms are kept as measured.
    expect(p.enactment).toEqual(synthetic.enactment);
    expect(p.iterationOverheadS).toBe(synthetic.iterationOverheadS);
  });

  it('is the identity when the two cards are the same', () => {
    const { profile: p } = scaleProfile(synthetic, 'synthetic.json', h100);
    expect(p.layerGemm).toEqual(synthetic.layerGemm);
    expect(p.decodeAttention).toEqual(synthetic.decodeAttention);
  });

  it('uses datasheet figures for both cards, labelled, when one preset has no measured ceilings (a100): like for like', () => {
    const { profile: p } = scaleProfile(synthetic, 'synthetic.json', hardwarePreset('a100'));
    const { from, to } = p.derivedFrom!.ceilings;
    expect(to.bandwidthBytesPerS).toBe(hardwarePreset('a100').hbmBandwidthBytesPerS);
    expect(to.bandwidthSource).toMatch(/^published .*not measured$/);
    // The H100's measured figures are not divided by the A100's datasheet ones.
    expect(from.bandwidthBytesPerS).toBe(h100.hbmBandwidthBytesPerS);
    expect(from.flopsPerS).toBe(h100.peakBf16FlopsPerS);
    expect(from.bandwidthSource).toMatch(/^published .*the other card has none: like for like$/);
  });

  it('records where it comes from, and its card and method say PREDICTED', () => {
    const { profile: p } = scaleProfile(synthetic, 'synthetic.json', h200);
    expect(p.derivedFrom).toMatchObject({ profile: 'synthetic.json', card: 'Synthetic H100', gpu: 'h100-sxm-80gb', date: '2026-01-02', rule: SCALING_RULE });
    expect(p.derivedFrom!.ceilings.to).toMatchObject({ gpu: 'h200-141gb', bandwidthBytesPerS: h200.measuredCopyBandwidthBytesPerS, flopsPerS: h200.measuredGemmFlopsPerS });
    expect(p.derivedFrom!.kept).toMatch(/assumed unchanged \(host-bound\)/);
    expect(p.gpu).toBe('h200-141gb');
    expect(p.card).toMatch(/^PREDICTED for h200-141gb from Synthetic H100 profile of 2026-01-02 by roofline scaling; not measured$/);
    expect(p.method).toMatch(/^PREDICTED, not measured: /);
    expect(p.driver).toMatch(/^none: predicted/);
    // The input is not modified.
    expect(synthetic.layerGemm!.attention!.timeS).toEqual([1e-4, 5e-3]);
  });

  it('the schema and the reader accept the output; the schema is closed over derivedFrom', () => {
    const { profile: p } = scaleProfile(synthetic, 'synthetic.json', h200);
    const asWritten = JSON.parse(JSON.stringify(p)) as CalibrationProfile;
    expect(profileSchema(asWritten), ajv.errorsText(profileSchema.errors)).toBe(true);
    expect(validateProfile(asWritten, 'x.json').derivedFrom!.rule).toBe(SCALING_RULE);
    const { rule: _, ...noRule } = asWritten.derivedFrom!;
    expect(profileSchema({ ...asWritten, derivedFrom: noRule })).toBe(false);
    expect(profileSchema({ ...asWritten, derivedFrom: { ...asWritten.derivedFrom, extra: 1 } })).toBe(false);
    expect(() => validateProfile({ ...asWritten, derivedFrom: noRule }, 'x.json')).toThrow('x.json: derivedFrom.rule: expected a non-empty string');
  });

  it('fails in one line naming the table when the shape is missing or lacks the layer kind; refuses a predicted input', () => {
    const { shape: _, ...noShape } = synthetic;
    expect(() => scaleProfile(noShape, 'p.json', h200)).toThrow(/^calibrate scale: p\.json: layerGemm\.attention: the profile records no shape, so the bytes and FLOPs of its cells are unknown; re-measure it with `kvsim calibrate` \(which records the shape\)$/);
    const recurrentShape = modelShape(modelPreset('xlstm-7b'), 1);
    expect(() => scaleProfile({ ...synthetic, layerGemm: undefined, shape: recurrentShape }, 'p.json', h200)).toThrow(/^calibrate scale: p\.json: decodeAttention\.contiguous: the shape has no attention layer, so/);
    const predicted = scaleProfile(synthetic, 'p.json', h200).profile;
    expect(() => scaleProfile(predicted, 'q.json', h100)).toThrow(/^calibrate scale: q\.json: already predicted \(from p\.json, Synthetic H100\)/);
    expect(() => scaleProfile({ ...synthetic, newTable: {} } as CalibrationProfile, 'p.json', h200)).toThrow(/^calibrate scale: p\.json: newTable: no scaling rule for this field$/);
  });
});

describe('compareProfiles', () => {
  it('a prediction compared with itself (same card) has zero error in every row', () => {
    const path = 'profiles/h100-sxm-80gb/llama-3-8b.json';
    const measured = readProfile(path);
    const rows = compareProfiles(scaleProfile(measured, path, h100).profile, measured, path);
    expect(rows.map((r) => r.row)).toContain('decodeAttention.paged (block 8..256)');
    for (const r of rows) {
      expect(r.cells, r.row).toBeGreaterThan(0);
      expect([r.median, r.p95, r.max], r.row).toEqual([0, 0, 0]);
    }
  });

  it('reports the relative error per row and refuses another card or a predicted "measurement"', () => {
    const predicted = scaleProfile(synthetic, 'synthetic.json', h200).profile;
    const measured = { ...structuredClone(predicted), derivedFrom: undefined };
    measured.decodeAttention!.contiguous!.timeS[0][0] = predicted.decodeAttention!.contiguous!.timeS[0][0] / 1.1;
    const rows = compareProfiles(predicted, measured, 'm.json');
    expect(rows.find((r) => r.row === 'decodeAttention.contiguous')!.max).toBeCloseTo(0.1, 12);
    expect(rows.find((r) => r.row === 'layerGemm.attention')!.max).toBe(0);
    expect(() => compareProfiles(predicted, synthetic, 'm.json')).toThrow(/^calibrate scale --compare: m\.json: measured on h100-sxm-80gb, but the prediction is for h200-141gb$/);
    expect(() => compareProfiles(predicted, predicted, 'm.json')).toThrow(/is itself predicted/);
  });
});

describe('the committed H100 llama-3-8b profile predicted for the H200', () => {
  const source = 'profiles/h100-sxm-80gb/llama-3-8b.json';
  const out = join(dir, 'llama-3-8b.h200-predicted.json');
  writeFileSync(out, `${JSON.stringify(scaleProfile(readProfile(source), source, h200).profile, null, 1)}\n`);
  const run = (hardware = h200) => ({ model: llama, hardware, tp: 1, policy: createPolicy('paged', { model: llama, hardware, tp: 1 }, { blockSizeTokens: 16 } as never), policyOptions: { blockSizeTokens: 16 } });

  it('reads back, validates against the schema, and prices decode attention below the H100 measurement', () => {
    const p = readProfile(out);
    expect(profileSchema(p), ajv.errorsText(profileSchema.errors)).toBe(true);
    const onH200 = resolveCostModel(run(), { profile: out });
    const onH100 = resolveCostModel(run(h100), { profile: source });
    const d200 = decodeIterationS(onH200.costModel, 64, 4096);
    const d100 = decodeIterationS(onH100.costModel, 64, 4096);
    expect(d200).toBeGreaterThan(0);
    expect(d200).toBeLessThan(d100);
  });

  it('prices a replay; the resolution and every cost source say predicted, not measured', async () => {
    const trace = await openTrace('synthetic:conv', { count: 30, seed: 3 });
    const r = await simulate({ trace, model: 'llama-3-8b', hardware: 'h200', policy: 'paged', costModelOptions: { profile: out } });
    expect(r.summary.makespanS).toBeGreaterThan(0);
    const { lines } = formatCostSources([{ tag: 'llama-3-8b paged', costModel: r.config.costModel as Record<string, unknown> }]);
    const text = lines.join('\n');
    expect(text).toMatch(/^cost model: profile .*llama-3-8b\.h200-predicted\.json for h200-141gb: predicted from NVIDIA H100 80GB HBM3 profile \(2026-12-06\) by roofline scaling/);
    expect(text).toMatch(/GEMMs \+ LM head: predicted from NVIDIA H100 80GB HBM3 profile \(2026-12-06\) by roofline scaling /);
    expect(text).toMatch(/decode attention: predicted from NVIDIA H100 80GB HBM3 profile \(2026-12-06\) by roofline scaling .*decodeAttention\.paged\.16/);
    expect(text).toMatch(/per-iteration overhead: fitted .* \(fitted on NVIDIA H100 80GB HBM3, assumed unchanged: host-bound\)/);
    // No source is labelled as a measurement ("cost model: measured profile ...", "decode attention: measured ...").
    expect(text).not.toMatch(/(: |; )measured /);
  });

  it('is never picked automatically as a measurement of the H200, nor run on another card', () => {
    const profiles = join(dir, 'profiles');
    mkdirSync(join(profiles, 'h200-141gb'), { recursive: true });
    writeFileSync(join(profiles, 'h200-141gb', 'llama-3-8b.json'), readFileSync(out));
    expect(findMatchingProfiles('h200-141gb', modelShape(llama, 1), profiles)).toEqual([]);
    expect(findProfile('h200-141gb', 'llama-3-8b', 1, profiles)).toBeUndefined();
    expect(resolveCostModel(run(), { profilesDir: profiles }).note).toMatch(/^roofline: no measured profile/);
    expect(() => resolveCostModel(run(h100), { profile: out })).toThrow(/: PREDICTED for h200-141gb from NVIDIA H100 80GB HBM3 profile of 2026-12-06 by roofline scaling; not measured but the run is on h100-sxm-80gb/);
  });

  it('sLSTM tables (xLSTM[7:1]) scale by their own work: a batch-1 step reads its recurrent weights, memory-bound', () => {
    const shape = modelShape(modelPreset('xlstm71-1.3b'), 1);
    const t = (x: number[]) => ({ x, timeS: x.map(() => 1e-4), xName: 'n' });
    const m: CalibrationProfile = { ...synthetic, shape, layerGemm: { mlstm: t([1, 64]), slstm: t([1, 64]) }, decodeAttention: undefined, recurrentStep: t([1, 256]), recurrentPrefill: t([16, 1024]), slstmStep: t([1, 256]), slstmPrefill: t([16, 1024]) };
    const { profile: p, tables } = scaleProfile(m, 'x.json', h200);
    expect(tables.map((x) => x.table)).toEqual(['layerGemm.mlstm', 'layerGemm.slstm', 'recurrentStep', 'recurrentPrefill', 'slstmStep', 'slstmPrefill']);
    expect(p.slstmStep!.timeS[0] / 1e-4).toBeCloseTo(bwRatio, 12);
    for (const x of tables) expect(x.minFactor > 0 && x.maxFactor <= 1, x.table).toBe(true);
    expect(() => scaleProfile({ ...synthetic, slstmStep: t([1]) }, 'p.json', h200)).toThrow(/^calibrate scale: p\.json: slstmStep: the shape has no sLSTM layer, so/);
  });

  it('the committed xLSTM-7B profile scales too: its recurrent step is memory-bound, so it moves by the bandwidth ratio', () => {
    const x = 'profiles/h100-sxm-80gb/xlstm-7b.json';
    const m = readProfile(x);
    const p = scaleProfile(m, x, h200).profile;
    expect(p.recurrentStep!.timeS[0] / m.recurrentStep!.timeS[0]).toBeCloseTo(bwRatio, 10);
  });
});
