import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { CalibrationProfile } from '../../src/sim/cost/calibrated/CalibrationProfile.js';
import { runKvsim } from '../cli/runKvsim.js';
import { type FakeBinding, fakeBinding } from './fakes/fakeBinding.js';

// kvsim validate on CPU for an xLSTM model: requireGpu hands out a fake binding whose
// xlstmMlstmPrefillAlgorithm names an algorithm, so the one warning line (and the --json field) can
// be checked against each kind of profile. The prefill attention check has its own test
// (validatePrefillKernel.test.ts); an xLSTM model has no attention, so it stays silent here.

let current: FakeBinding = fakeBinding();
vi.mock('../../src/gpu/requireGpu.js', () => ({ requireGpu: () => ({ binding: current.binding, info: current.info }) }));
const { checkMlstmPrefillAlgorithm, gpuMlstmPrefillAlgorithm } = await import('../../src/gpu/mlstmPrefillAlgorithm.js');

const COMMITTED = 'profiles/h100-sxm-80gb/xlstm-7b.json';
const committed = JSON.parse(readFileSync(COMMITTED, 'utf8')) as CalibrationProfile;
const dir = mkdtempSync(join(tmpdir(), 'kvsim-mlstm-algorithm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The committed profile with recurrentPrefill.algorithm set (or, undefined, removed: a profile older than the field). */
function profileWith(algorithm: string | undefined): string {
  const p = structuredClone(committed);
  const { algorithm: _recorded, ...table } = p.recurrentPrefill!;
  p.recurrentPrefill = algorithm !== undefined ? { ...table, algorithm } : table;
  const path = join(dir, `xlstm-7b.${algorithm ?? 'unrecorded'}.json`);
  writeFileSync(path, JSON.stringify(p));
  return path;
}

const ajv = new Ajv2020({ strict: true, allErrors: true });
const validationSchema = ajv.compile(JSON.parse(readFileSync('schemas/kvsim.validation-1.schema.json', 'utf8')) as object);

let runs = 0;
/** `kvsim validate` of xlstm-7b on a small trace with the fake GPU running `gpuAlgorithm`; the lines that mention mLSTM prefill, and the --json. */
async function validate(gpuAlgorithm: string | undefined, profileArgs: string[], extra: string[] = []) {
  current = fakeBinding({ prefillKernel: 'ws', ...(gpuAlgorithm !== undefined ? { mlstmPrefillAlgorithm: gpuAlgorithm } : {}) });
  const json = join(dir, `v${++runs}.json`); // a fresh file per call, named deterministically
  const r = await runKvsim(['validate', '--model', 'xlstm-7b', '--trace', 'synthetic:conv', '--first', '6', '--policy', 'recurrent', ...profileArgs, '--json', json, ...extra]);
  expect(r.code, r.err).toBe(0);
  const lines = `${r.out}${r.err}`.split('\n');
  expect(lines.filter((l) => /prefill attention/.test(l))).toEqual([]);
  const warnings = lines.filter((l) => /mLSTM prefill/.test(l));
  return { warnings, err: r.err, json: JSON.parse(readFileSync(json, 'utf8')) as Record<string, unknown> };
}

describe('kvsim validate: the profile\'s mLSTM prefill algorithm beside the one the GPU runs (fake binding)', () => {
  it('warns once, naming both, when they differ (also with --repeat 2), and records it in --json', async () => {
    const path = profileWith('sequential');
    const v = await validate('tfla', ['--profile', path], ['--repeat', '2']);
    expect(v.warnings).toEqual([
      `validate: warning: the profile's mLSTM prefill (${path}) was measured with algorithm 'sequential'; this GPU runs 'tfla' — mLSTM prefill times may differ; re-run kvsim calibrate`,
    ]);
    expect(v.err).toContain(v.warnings[0]); // on stderr
    expect(v.json.recurrentPrefillAlgorithm).toEqual({ profile: 'sequential', gpu: 'tfla', warning: v.warnings[0] });
    expect(v.json).not.toHaveProperty('prefillAttentionKernel');
    expect(validationSchema(v.json), ajv.errorsText(validationSchema.errors)).toBe(true);
  });

  it('warns once when the profile does not record its algorithm (profiles before the field, e.g. xlstm-7b of 2026-12-06)', async () => {
    const path = profileWith(undefined);
    const v = await validate('sequential', ['--profile', path]);
    expect(v.warnings).toHaveLength(1);
    expect(v.warnings[0]).toBe(`validate: warning: the profile's mLSTM prefill (${path}) was measured with an algorithm it does not record (recurrentPrefill.algorithm absent); this GPU runs 'sequential' — mLSTM prefill times may differ; re-run kvsim calibrate`);
    expect(v.json.recurrentPrefillAlgorithm).toEqual({ profile: null, gpu: 'sequential', warning: v.warnings[0] });
    expect(validationSchema(v.json), ajv.errorsText(validationSchema.errors)).toBe(true);
  });

  it('stays quiet when they match, and still records both in --json', async () => {
    const v = await validate('sequential', ['--profile', profileWith('sequential')]);
    expect(v.warnings).toEqual([]);
    expect(v.json.recurrentPrefillAlgorithm).toEqual({ profile: 'sequential', gpu: 'sequential' });
    expect(validationSchema(v.json), ajv.errorsText(validationSchema.errors)).toBe(true);
    // The schema refuses a malformed record.
    expect(validationSchema({ ...v.json, recurrentPrefillAlgorithm: { profile: 'sequential' } })).toBe(false);
    expect(validationSchema({ ...v.json, recurrentPrefillAlgorithm: { profile: 'sequential', gpu: 'tfla', kernel: 'x' } })).toBe(false);
  });

  it('the committed profile, picked automatically, records what it was measured with: quiet on a GPU that runs it, one warning on one that does not', async () => {
    const recorded = committed.recurrentPrefill?.algorithm;
    expect(recorded).toMatch(/^auto: tfla-v2 from 16 tokens/); // H100 calibration of 2026-12-07
    expect((await validate(recorded, [])).warnings).toEqual([]);
    const other = await validate('sequential', []);
    expect(other.warnings).toHaveLength(1);
    expect(other.warnings[0]).toMatch(/^validate: warning: the profile's mLSTM prefill \(.*profiles\/h100-sxm-80gb\/xlstm-7b\.json\) was measured with algorithm 'auto: tfla-v2 from 16 tokens, sequential below'; this GPU runs 'sequential'/);
  });

  it('warns once when the addon cannot say which algorithm it runs (an old build)', async () => {
    const v = await validate(undefined, ['--profile', profileWith('sequential')]);
    expect(v.warnings).toHaveLength(1);
    expect(v.warnings[0]).toContain("was measured with algorithm 'sequential'; this addon cannot say which algorithm this GPU runs");
    expect(v.json.recurrentPrefillAlgorithm).toEqual({ profile: 'sequential', gpu: null, warning: v.warnings[0] });
  });
});

describe('checkMlstmPrefillAlgorithm and gpuMlstmPrefillAlgorithm', () => {
  it('compares only profiles with a recurrentPrefill table; asks the addon for GpuModel\'s value (0, auto) only for mLSTM models', async () => {
    const { modelPreset } = await import('../../src/sim/model/presets.js');
    expect(checkMlstmPrefillAlgorithm({ ...committed, recurrentPrefill: undefined }, 'x.json', 'tfla')).toBeUndefined();
    expect(checkMlstmPrefillAlgorithm({ ...committed, recurrentPrefill: { ...committed.recurrentPrefill!, algorithm: 'tfla' } }, 'x.json', 'tfla')).toEqual({ profile: 'tfla', gpu: 'tfla' });
    const fake = fakeBinding({ mlstmPrefillAlgorithm: 'tfla' });
    expect(gpuMlstmPrefillAlgorithm(fake.binding, modelPreset('hybrid-7b'))).toBe('tfla');
    expect(fake.calls).toEqual([{ call: 'xlstmMlstmPrefillAlgorithm', algorithm: 0 }]);
    expect(gpuMlstmPrefillAlgorithm(fake.binding, modelPreset('llama-3-8b'))).toBeUndefined();
    expect(fake.calls).toHaveLength(1);
    expect(gpuMlstmPrefillAlgorithm(fakeBinding().binding, modelPreset('xlstm-7b'))).toBeUndefined();
  });
});
