import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { calibrate, type CalibrationGrid, PRIME_NS } from '../../src/gpu/calibrate.js';
import type { GpuProfileOp } from '../../src/gpu/NativeGpuModel.js';
import { validateProfile } from '../../src/sim/cost/calibrated/readProfile.js';
import { modelPreset } from '../../src/sim/model/presets.js';
import { type FakeCall, fakeBinding } from './fakes/fakeBinding.js';
import { runKvsim } from '../cli/runKvsim.js';

// calibrate's table building, on CPU: the fake GpuModel answers each profiled operation with a value
// that encodes the operation and its parameters, so every cell of every table can be checked against
// the point it claims to hold.

/** The point an (op, params) pair names, without reps: what each table cell should hold. */
function pointKey(op: GpuProfileOp, p: Record<string, number>): string {
  return [op, ...['kind', 'tokens', 'rows', 'batch', 'context', 'chunk', 'paged', 'blockSize', 'blockOrder'].map((k) => p[k] ?? '-')].join(':');
}
const ids = new Map<string, number>();
/** A distinct time per point (same point, same time), whichever order they are asked in. */
function encode(op: GpuProfileOp, p: Record<string, number>): number {
  const key = pointKey(op, p);
  if (!ids.has(key)) ids.set(key, ids.size + 1);
  return ids.get(key)! * 1e-6;
}

const GRID: Partial<CalibrationGrid> = {
  gemmTokens: [1, 64, 512],
  lmHeadRows: [1, 8],
  decodeBatch: [1, 4, 32],
  decodeContext: [128, 2048],
  prefillChunk: [16, 1024],
  prefillContext: [0, 4096],
  pagedBlockSizes: [16, 32],
  recurrentBatch: [1, 16],
  recurrentPrefillTokens: [16, 256, 1024],
  reps: 7,
};

function timeCalls(calls: FakeCall[]): Extract<FakeCall, { call: 'time' }>[] {
  return calls.filter((c): c is Extract<FakeCall, { call: 'time' }> => c.call === 'time');
}

describe('calibrate builds the grid it claims (fake binding)', () => {
  it('llama-3-8b: every table cell holds the measurement of its own (op, parameters) point, at the requested reps', () => {
    const fake = fakeBinding({ timeS: encode });
    const progress: [number, number][] = [];
    const p = calibrate(fake.binding, fake.info, { model: modelPreset('llama-3-8b'), gpu: 'h100', tp: 1, grid: GRID, onPoint: (_w, done, total) => progress.push([done, total]) });
    const g = GRID as CalibrationGrid;
    expect(p.schema).toBe('kvsim.profile/1');
    expect([p.card, p.gpu, p.model, p.tp, p.driver, p.cudaRuntime]).toEqual([fake.info.name, 'h100', 'llama-3-8b', 1, '13.0', '13.0']);
    expect(p.lmHead).toEqual({ x: g.lmHeadRows, xName: 'rows', timeS: g.lmHeadRows.map((rows) => encode('lmHead', { rows })) });
    expect(p.layerGemm?.attention).toEqual({ x: g.gemmTokens, xName: 'tokens', timeS: g.gemmTokens.map((tokens) => encode('layerGemm', { kind: 0, tokens })) });
    expect(p.layerGemm?.mlstm).toBeUndefined();
    const decode = (paged: number, blockSize: number) => g.decodeBatch.map((batch) => g.decodeContext.map((context) => encode('decode', { batch, context, paged, blockSize })));
    const prefill = (paged: number, blockSize: number) => g.prefillChunk.map((chunk) => g.prefillContext.map((context) => encode('prefill', { chunk, context, paged, blockSize })));
    expect(p.decodeAttention?.contiguous).toEqual({ a: g.decodeBatch, aName: 'batch', b: g.decodeContext, bName: 'contextTokens', timeS: decode(0, 16) });
    expect(p.prefillAttention?.contiguous).toEqual({ a: g.prefillChunk, aName: 'chunkTokens', b: g.prefillContext, bName: 'contextTokens', timeS: prefill(0, 16) });
    expect(Object.keys(p.decodeAttention?.paged ?? {})).toEqual(['16', '32']);
    for (const b of g.pagedBlockSizes) {
      expect(p.decodeAttention?.paged?.[String(b)].timeS).toEqual(decode(1, b));
      expect(p.prefillAttention?.paged?.[String(b)].timeS).toEqual(prefill(1, b));
    }
    expect(p.recurrentStep).toBeUndefined();
    // The default block order is today's: shuffled tables only, the native side never asked for another order.
    expect(p.decodeAttention?.pagedAscending).toBeUndefined();
    expect(p.prefillAttention?.pagedAscending).toBeUndefined();
    expect(p.method).toMatch(/; random bf16 data; paged block tables shuffled; attention cells interleaved \(contiguous then every paged variant at one point before the next\); kvsim GpuModel\.time /);
    expect(p.method).not.toMatch(/blockOrder|pagedAscending/);
    const times = timeCalls(fake.calls);
    expect(times.some((c) => 'blockOrder' in c.params)).toBe(false);
    expect(times.every((c) => c.params.reps === 7)).toBe(true);
    // Default timing: isolated (no busy-wait asked for, the method says nothing about priming).
    expect(times.some((c) => 'primeNs' in c.params)).toBe(false);
    expect(p.method).not.toMatch(/primed|busy-wait/);
    // Each point measured once; progress counts every one and claims the right total.
    const points = g.gemmTokens.length + g.lmHeadRows.length + 3 * (g.decodeBatch.length * g.decodeContext.length + g.prefillChunk.length * g.prefillContext.length);
    expect(times.length).toBe(points);
    expect(new Set(times.map((c) => pointKey(c.op, c.params))).size).toBe(points);
    expect(progress.map(([d]) => d)).toEqual(Array.from({ length: points }, (_, i) => i + 1));
    expect(progress.every(([, t]) => t === points)).toBe(true);
    // Interleaved: each attention point's contiguous and paged variants are timed back to back.
    const attention = times.filter((c) => c.op === 'decode' || c.op === 'prefill').map((c) => `${c.op}:${c.params.batch ?? c.params.chunk}:${c.params.context}:${c.params.paged ? c.params.blockSize : 'c'}`);
    const perPoint = 1 + g.pagedBlockSizes.length;
    for (let i = 0; i < attention.length; i += perPoint) {
      const group = attention.slice(i, i + perPoint);
      expect(new Set(group.map((k) => k.split(':').slice(0, 3).join(':'))).size).toBe(1);
      expect(group.map((k) => k.split(':')[3])).toEqual(['c', ...g.pagedBlockSizes.map(String)]);
    }
  });

  it("--block-order both: the paged tables twice, shuffled as paged and ascending as pagedAscending, each cell its own native point", () => {
    const g = GRID as CalibrationGrid;
    const shuffledOnly = fakeBinding({ timeS: encode });
    const base = calibrate(shuffledOnly.binding, shuffledOnly.info, { model: modelPreset('llama-3-8b'), gpu: 'h100', tp: 1, grid: GRID });
    const fake = fakeBinding({ timeS: encode });
    const progress: [number, number][] = [];
    const p = calibrate(fake.binding, fake.info, { model: modelPreset('llama-3-8b'), gpu: 'h100', tp: 1, grid: GRID, blockOrder: 'both', onPoint: (_w, done, total) => progress.push([done, total]) });
    // The shuffled tables are the default's, cell for cell; only the ascending ones and the method differ.
    expect(p.decodeAttention?.paged).toEqual(base.decodeAttention?.paged);
    expect(p.prefillAttention?.paged).toEqual(base.prefillAttention?.paged);
    expect(p.decodeAttention?.contiguous).toEqual(base.decodeAttention?.contiguous);
    for (const b of g.pagedBlockSizes) {
      const decodeAsc = g.decodeBatch.map((batch) => g.decodeContext.map((context) => encode('decode', { batch, context, paged: 1, blockSize: b, blockOrder: 1 })));
      const prefillAsc = g.prefillChunk.map((chunk) => g.prefillContext.map((context) => encode('prefill', { chunk, context, paged: 1, blockSize: b, blockOrder: 1 })));
      expect(p.decodeAttention?.pagedAscending?.[String(b)]).toEqual({ a: g.decodeBatch, aName: 'batch', b: g.decodeContext, bName: 'contextTokens', timeS: decodeAsc });
      expect(p.prefillAttention?.pagedAscending?.[String(b)]).toEqual({ a: g.prefillChunk, aName: 'chunkTokens', b: g.prefillContext, bName: 'contextTokens', timeS: prefillAsc });
      expect(decodeAsc.flat()).not.toEqual(p.decodeAttention?.paged?.[String(b)].timeS.flat());
    }
    expect(p.method).toContain('blockOrder=both; paged.<block>: block tables shuffled; pagedAscending.<block>: block tables ascending');
    expect([base.command, p.command]).toEqual(['kvsim calibrate --model llama-3-8b', 'kvsim calibrate --model llama-3-8b --block-order both']);
    const times = timeCalls(fake.calls);
    const attention = g.decodeBatch.length * g.decodeContext.length + g.prefillChunk.length * g.prefillContext.length;
    const points = g.gemmTokens.length + g.lmHeadRows.length + (1 + 2 * g.pagedBlockSizes.length) * attention;
    expect(times.length).toBe(points);
    expect(new Set(times.map((c) => pointKey(c.op, c.params))).size).toBe(points);
    expect(times.filter((c) => c.params.blockOrder === 1).length).toBe(g.pagedBlockSizes.length * attention);
    expect(times.every((c) => c.params.blockOrder === undefined || (c.params.blockOrder === 1 && c.params.paged === 1))).toBe(true);
    expect(progress.every(([, t]) => t === points)).toBe(true);
    expect(progress.at(-1)?.[0]).toBe(points);
    // The reader and the published schema accept the new tables, and check them like the others.
    expect(validateProfile(JSON.parse(JSON.stringify(p)), 'both.json')).toEqual(p);
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    const schema = ajv.compile(JSON.parse(readFileSync('schemas/kvsim.profile-1.schema.json', 'utf8')) as object);
    expect(schema(JSON.parse(JSON.stringify(p))), ajv.errorsText(schema.errors)).toBe(true);
    const broken = JSON.parse(JSON.stringify(p)) as typeof p;
    broken.decodeAttention!.pagedAscending!['16'].timeS[0] = [1];
    expect(() => validateProfile(broken, 'both.json')).toThrow(/^both\.json: decodeAttention\.pagedAscending\.16\.timeS\[0\]: expected/);
    // The schema checks types, not row lengths: a table whose cell is not a time is refused.
    expect(schema(broken)).toBe(true);
    broken.decodeAttention!.pagedAscending!['16'].timeS[0] = ['x' as never];
    expect(schema(broken)).toBe(false);
    expect(schema({ ...JSON.parse(JSON.stringify(p)), decodeAttention: { pagedAscendingX: {} } })).toBe(false);
  });

  it('--block-order ascending measures the paged tables with ascending block tables (and says so); a bad order fails before the GPU model is created', () => {
    const g = GRID as CalibrationGrid;
    const fake = fakeBinding({ timeS: encode });
    const p = calibrate(fake.binding, fake.info, { model: modelPreset('llama-3-8b'), gpu: 'h100', tp: 1, grid: GRID, blockOrder: 'ascending' });
    for (const b of g.pagedBlockSizes) {
      expect(p.decodeAttention?.paged?.[String(b)].timeS).toEqual(g.decodeBatch.map((batch) => g.decodeContext.map((context) => encode('decode', { batch, context, paged: 1, blockSize: b, blockOrder: 1 }))));
    }
    expect(p.decodeAttention?.pagedAscending).toBeUndefined();
    expect(p.method).toContain('blockOrder=ascending; paged.<block>: block tables ascending');
    expect(timeCalls(fake.calls).filter((c) => c.params.paged === 1).every((c) => c.params.blockOrder === 1)).toBe(true);
    const bad = fakeBinding({ timeS: encode });
    expect(() => calibrate(bad.binding, bad.info, { model: modelPreset('llama-3-8b'), gpu: 'h100', tp: 1, grid: GRID, blockOrder: 'sorted' as never })).toThrow('Expected one of shuffled, ascending, both for blockOrder but received "sorted"');
    expect(bad.calls).toEqual([]);
  });

  it('timing primed: every point asks for the busy-wait, the method and the command say so; a bad timing fails before the GPU model is created', () => {
    const fake = fakeBinding({ timeS: encode });
    const p = calibrate(fake.binding, fake.info, { model: modelPreset('llama-3-8b'), gpu: 'h100', tp: 1, grid: GRID, timing: 'primed' });
    const times = timeCalls(fake.calls);
    expect(times.length).toBeGreaterThan(0);
    expect(times.every((c) => c.params.primeNs === PRIME_NS)).toBe(true);
    expect(p.method).toContain(`median of 7 primed runs (each after a ${PRIME_NS / 1000} us GPU busy-wait`);
    expect(p.command).toBe('kvsim calibrate --model llama-3-8b --timing primed');
    // Same points, same tables: priming changes how a run starts, not what is measured.
    const iso = fakeBinding({ timeS: encode });
    const q = calibrate(iso.binding, iso.info, { model: modelPreset('llama-3-8b'), gpu: 'h100', tp: 1, grid: GRID });
    expect(p.decodeAttention).toEqual(q.decodeAttention);
    expect(p.layerGemm).toEqual(q.layerGemm);
    const bad = fakeBinding({ timeS: encode });
    expect(() => calibrate(bad.binding, bad.info, { model: modelPreset('llama-3-8b'), gpu: 'h100', tp: 1, grid: GRID, timing: 'queued' as never })).toThrow('Expected one of isolated, primed for timing but received "queued"');
    expect(bad.calls).toEqual([]);
  });

  it('kvsim calibrate --timing: a bad value is one line naming the option, before the GPU is looked for', async () => {
    const bad = await runKvsim(['calibrate', '--timing', 'queued']);
    expect(bad.code).toBe(2);
    expect(bad.err.trimEnd().split('\n')).toHaveLength(1);
    expect(bad.err).toContain('Expected one of isolated, primed for --timing but received "queued"');
  });

  it('kvsim calibrate --block-order: a bad value is one line naming the option, before the GPU is looked for', async () => {
    const bad = await runKvsim(['calibrate', '--block-order', 'sorted']);
    expect(bad.code).toBe(2);
    expect(bad.err.trimEnd().split('\n')).toHaveLength(1);
    expect(bad.err).toContain('Expected one of shuffled, ascending, both for --block-order but received "sorted"');
  });

  it('records the prefill kernel the binding reports as prefillAttention.kernel, asked at the shape GpuModel runs (bf16, one rank\'s heads); readers and the schema accept it', () => {
    const fake = fakeBinding({ timeS: encode, prefillKernel: 'ws' });
    const p = calibrate(fake.binding, fake.info, { model: modelPreset('llama-3-8b'), gpu: 'h100', tp: 1, grid: GRID, device: 0 });
    expect(p.prefillAttention?.kernel).toBe('ws');
    expect(Object.keys(p.prefillAttention ?? {})[0]).toBe('kernel'); // first in the written file, before the tables
    expect(p.decodeAttention).not.toHaveProperty('kernel');
    const asked = fake.calls.filter((c): c is Extract<FakeCall, { call: 'attentionPrefillKernel' }> => c.call === 'attentionPrefillKernel');
    expect(asked.map((c) => c.shape)).toEqual([{ device: 0, dtype: 1, numQHeads: 32, numKvHeads: 8, headDim: 128 }]);
    const written = JSON.parse(JSON.stringify(p)) as typeof p;
    expect(validateProfile(written, 'ws.json').prefillAttention?.kernel).toBe('ws');
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    const schema = ajv.compile(JSON.parse(readFileSync('schemas/kvsim.profile-1.schema.json', 'utf8')) as object);
    expect(schema(written), ajv.errorsText(schema.errors)).toBe(true);
    expect(schema({ ...written, prefillAttention: { ...written.prefillAttention, kernel: 7 } })).toBe(false);
    expect(() => validateProfile({ ...written, prefillAttention: { ...written.prefillAttention, kernel: '' } }, 'bad.json')).toThrow(/^bad\.json: prefillAttention\.kernel: expected a non-empty kernel name/);
    // An addon that cannot say (built before attentionPrefillKernel): nothing recorded, read as unrecorded.
    const old = fakeBinding({ timeS: encode });
    const q = calibrate(old.binding, old.info, { model: modelPreset('llama-3-8b'), gpu: 'h100', tp: 1, grid: GRID });
    expect(q.prefillAttention).not.toHaveProperty('kernel');
    expect(q.prefillAttention?.contiguous).toEqual(p.prefillAttention?.contiguous);
    // No attention layer, no prefill attention tables: the addon is not asked.
    const rec = fakeBinding({ timeS: encode, prefillKernel: 'ws' });
    expect(calibrate(rec.binding, rec.info, { model: modelPreset('xlstm-7b'), gpu: 'h100', tp: 1, grid: GRID }).prefillAttention).toBeUndefined();
    expect(rec.calls.some((c) => c.call === 'attentionPrefillKernel')).toBe(false);
  });

  it('records the mLSTM prefill algorithm the binding reports as recurrentPrefill.algorithm, asked for GpuModel\'s value (auto); readers and the schema accept it', () => {
    const fake = fakeBinding({ timeS: encode, mlstmPrefillAlgorithm: 'tfla' });
    const p = calibrate(fake.binding, fake.info, { model: modelPreset('xlstm-7b'), gpu: 'h100', tp: 1, grid: GRID });
    expect(p.recurrentPrefill?.algorithm).toBe('tfla');
    expect(Object.keys(p.recurrentPrefill ?? {})[0]).toBe('algorithm'); // first in the written file, before the table
    expect(p.recurrentStep).not.toHaveProperty('algorithm');
    expect(p.slstmPrefill).toBeUndefined();
    expect(fake.calls.filter((c) => c.call === 'xlstmMlstmPrefillAlgorithm')).toEqual([{ call: 'xlstmMlstmPrefillAlgorithm', algorithm: 0 }]);
    const written = JSON.parse(JSON.stringify(p)) as typeof p;
    expect(validateProfile(written, 'tfla.json').recurrentPrefill?.algorithm).toBe('tfla');
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    const schema = ajv.compile(JSON.parse(readFileSync('schemas/kvsim.profile-1.schema.json', 'utf8')) as object);
    expect(schema(written), ajv.errorsText(schema.errors)).toBe(true);
    expect(schema({ ...written, recurrentPrefill: { ...written.recurrentPrefill, algorithm: 2 } })).toBe(false);
    expect(schema({ ...written, recurrentPrefill: { ...written.recurrentPrefill, algorithm: '' } })).toBe(false);
    expect(schema({ ...written, recurrentPrefill: { ...written.recurrentPrefill, kernel: 'tfla' } })).toBe(false); // still a closed table
    const { algorithm: _, ...unrecorded } = written.recurrentPrefill!;
    expect(schema({ ...written, recurrentPrefill: unrecorded })).toBe(true); // profiles from before it was recorded
    expect(() => validateProfile({ ...written, recurrentPrefill: { ...written.recurrentPrefill, algorithm: '' } }, 'bad.json')).toThrow(/^bad\.json: recurrentPrefill\.algorithm: expected a non-empty algorithm name/);
    // An addon that cannot say (built before xlstmMlstmPrefillAlgorithm): nothing recorded, read as unrecorded.
    const old = fakeBinding({ timeS: encode });
    const q = calibrate(old.binding, old.info, { model: modelPreset('xlstm-7b'), gpu: 'h100', tp: 1, grid: GRID });
    expect(q.recurrentPrefill).not.toHaveProperty('algorithm');
    expect(q.recurrentPrefill?.timeS).toEqual(p.recurrentPrefill?.timeS);
    // No mLSTM layer, no recurrentPrefill table: the addon is not asked.
    const rec = fakeBinding({ timeS: encode, mlstmPrefillAlgorithm: 'tfla' });
    expect(calibrate(rec.binding, rec.info, { model: modelPreset('llama-3-8b'), gpu: 'h100', tp: 1, grid: GRID }).recurrentPrefill).toBeUndefined();
    expect(rec.calls.some((c) => c.call === 'xlstmMlstmPrefillAlgorithm')).toBe(false);
  });

  it('xlstm-7b: mLSTM tables (GEMMs, step over batch, chunkwise prefill) and no attention tables; the model is sized from the grid and freed', () => {
    const fake = fakeBinding({ timeS: encode });
    const g = GRID as CalibrationGrid;
    const p = calibrate(fake.binding, fake.info, { model: modelPreset('xlstm-7b'), gpu: 'h100', tp: 1, grid: GRID });
    expect(p.layerGemm?.mlstm?.timeS).toEqual(g.gemmTokens.map((tokens) => encode('layerGemm', { kind: 1, tokens })));
    expect(p.recurrentStep).toEqual({ x: g.recurrentBatch, xName: 'batch', timeS: g.recurrentBatch.map((batch) => encode('mlstmStep', { batch })) });
    expect(p.recurrentPrefill).toEqual({ x: g.recurrentPrefillTokens, xName: 'tokens', timeS: g.recurrentPrefillTokens.map((tokens) => encode('mlstmPrefill', { tokens })) });
    expect(p.decodeAttention).toBeUndefined();
    expect(p.layerGemm?.attention).toBeUndefined();
    const created = fake.calls.find((c): c is Extract<FakeCall, { call: 'newModel' }> => c.call === 'newModel')!.config;
    expect(created.kvLayout).toBe(-1);
    expect(created.maxTokens).toBe(1024); // the largest of gemmTokens and recurrentPrefillTokens
    expect(created.maxBatch).toBe(32); // the largest of lmHeadRows and decodeBatch
    expect(created.stateSlots).toBe(16); // the largest recurrent batch
    expect(fake.calls.at(-1)).toEqual({ call: 'destroy', what: 'model' });
  });

  it('frees the model when a measurement fails, and names a build without GpuModel', () => {
    const fake = fakeBinding({
      timeS: (op) => {
        if (op === 'decode') throw new Error('boom');
        return 1e-4;
      },
    });
    expect(() => calibrate(fake.binding, fake.info, { model: modelPreset('llama-3-8b'), gpu: 'h100', tp: 1, grid: GRID })).toThrow('boom');
    expect(fake.calls.at(-1)).toEqual({ call: 'destroy', what: 'model' });
    const bare = fakeBinding({ withoutGpuModel: true });
    expect(() => calibrate(bare.binding, bare.info, { model: modelPreset('llama-3-8b'), gpu: 'h100', tp: 1, grid: GRID })).toThrow(/no GpuModel/);
  });
});
