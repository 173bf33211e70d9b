import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { CalibrationProfile } from '../../src/sim/cost/calibrated/CalibrationProfile.js';
import { readProfile } from '../../src/sim/cost/calibrated/readProfile.js';
import { runKvsim } from '../cli/runKvsim.js';
import { type FakeBinding, fakeBinding } from './fakes/fakeBinding.js';

// kvsim validate on CPU for an sLSTM model (xlstm71-1.3b: mLSTM and sLSTM layers): requireGpu hands out
// a fake binding whose xlstmSlstmStepVariant names a variant, so the one sLSTM warning line (and the
// --json field) can be checked against each kind of profile. The mLSTM algorithm check has its own test
// (validateMlstmPrefillAlgorithm.test.ts); here the fake GPU runs what the profile records for it.

let current: FakeBinding = fakeBinding();
vi.mock('../../src/gpu/requireGpu.js', () => ({ requireGpu: () => ({ binding: current.binding, info: current.info }) }));
const { checkSlstmStepVariant, gpuSlstmStepVariant } = await import('../../src/gpu/slstmStepVariant.js');

// The committed quick profile of xlstm71-1.3b (its slstmStep table predates the variants: unrecorded).
const COMMITTED = 'profiles/h100-sxm-80gb/validation/xlstm71-1.3b.quick-profile.json';
const committed = JSON.parse(readFileSync(COMMITTED, 'utf8')) as CalibrationProfile;
const dir = mkdtempSync(join(tmpdir(), 'kvsim-slstm-variant-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The committed profile with slstmStep.variant set (or left unrecorded), mLSTM algorithm 'tfla'. */
function profileWith(variant: string | undefined): string {
  const p = structuredClone(committed);
  p.recurrentPrefill = { ...p.recurrentPrefill!, algorithm: 'tfla' };
  if (variant !== undefined) p.slstmStep = { variant, ...p.slstmStep! };
  const path = join(dir, `xlstm71.${variant ?? 'unrecorded'}.json`);
  writeFileSync(path, JSON.stringify(p));
  return path;
}

const ajv = new Ajv2020({ strict: true, allErrors: true });
const validationSchema = ajv.compile(JSON.parse(readFileSync('schemas/kvsim.validation-1.schema.json', 'utf8')) as object);

let runs = 0;
async function validate(gpuVariant: string | undefined, profilePath: string) {
  current = fakeBinding({ mlstmPrefillAlgorithm: 'tfla', ...(gpuVariant !== undefined ? { slstmStepVariant: gpuVariant } : {}) });
  const json = join(dir, `v${++runs}.json`);
  const r = await runKvsim(['validate', '--model', 'xlstm71-1.3b', '--trace', 'synthetic:conv', '--first', '6', '--policy', 'recurrent', '--profile', profilePath, '--json', json]);
  expect(r.code, r.err).toBe(0);
  const lines = `${r.out}${r.err}`.split('\n');
  expect(lines.filter((l) => /mLSTM prefill \(/.test(l))).toEqual([]);
  return { warnings: lines.filter((l) => /sLSTM step/.test(l)), err: r.err, json: JSON.parse(readFileSync(json, 'utf8')) as Record<string, unknown> };
}

describe('kvsim validate: the profile\'s sLSTM step variant beside the one the GPU runs (fake binding)', () => {
  it('warns once, naming both, when they differ, and records it in --json', async () => {
    const path = profileWith('old');
    const v = await validate('new', path);
    expect(v.warnings).toEqual([
      `validate: warning: the profile's sLSTM step (${path}) was measured with variant 'old'; this GPU runs 'new' — sLSTM step times may differ; re-run kvsim calibrate`,
    ]);
    expect(v.err).toContain(v.warnings[0]);
    expect(v.json.slstmStepVariant).toEqual({ profile: 'old', gpu: 'new', warning: v.warnings[0] });
    expect(validationSchema(v.json), ajv.errorsText(validationSchema.errors)).toBe(true);
  });

  it('warns once when the profile does not record its variant; stays quiet when they match', async () => {
    const unrecorded = await validate('new', profileWith(undefined));
    expect(unrecorded.warnings).toHaveLength(1);
    expect(unrecorded.warnings[0]).toContain("was measured with a variant it does not record (slstmStep.variant absent); this GPU runs 'new'");
    expect(unrecorded.json.slstmStepVariant).toEqual({ profile: null, gpu: 'new', warning: unrecorded.warnings[0] });
    const same = await validate('new', profileWith('new'));
    expect(same.warnings).toEqual([]);
    expect(same.json.slstmStepVariant).toEqual({ profile: 'new', gpu: 'new' });
    expect(validationSchema(same.json), ajv.errorsText(validationSchema.errors)).toBe(true);
    expect(validationSchema({ ...same.json, slstmStepVariant: { profile: 'new' } })).toBe(false);
  });

  it('warns once when the addon cannot say which variant it runs (an old build)', async () => {
    const v = await validate(undefined, profileWith('new'));
    expect(v.warnings).toHaveLength(1);
    expect(v.warnings[0]).toContain("was measured with variant 'new'; this addon cannot say which variant this GPU runs");
  });
});

describe('checkSlstmStepVariant, gpuSlstmStepVariant and the profile field', () => {
  it('compares only profiles with an slstmStep table; asks the addon only for sLSTM models', async () => {
    const { modelPreset } = await import('../../src/sim/model/presets.js');
    expect(checkSlstmStepVariant({ ...committed, slstmStep: undefined }, 'x.json', 'new')).toBeUndefined();
    expect(checkSlstmStepVariant({ ...committed, slstmStep: { ...committed.slstmStep!, variant: 'new' } }, 'x.json', 'new')).toEqual({ profile: 'new', gpu: 'new' });
    const fake = fakeBinding({ slstmStepVariant: 'new' });
    expect(gpuSlstmStepVariant(fake.binding, modelPreset('xlstm71-1.3b'))).toBe('new');
    expect(fake.calls).toEqual([{ call: 'xlstmSlstmStepVariant' }]);
    expect(gpuSlstmStepVariant(fake.binding, modelPreset('xlstm-7b'))).toBeUndefined(); // no sLSTM layer
    expect(fake.calls).toHaveLength(1);
    expect(gpuSlstmStepVariant(fakeBinding().binding, modelPreset('xlstm71-1.3b'))).toBeUndefined();
  });

  it('readProfile refuses an empty or non-string slstmStep.variant, naming the field', () => {
    for (const bad of ['', 3]) {
      const p = structuredClone(committed) as unknown as { slstmStep: Record<string, unknown> };
      p.slstmStep.variant = bad;
      const path = join(dir, `bad-${String(bad)}.json`);
      writeFileSync(path, JSON.stringify(p));
      expect(() => readProfile(path)).toThrow(/slstmStep\.variant.*a non-empty variant name/);
    }
  });
});
