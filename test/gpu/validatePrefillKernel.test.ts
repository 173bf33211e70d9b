import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { CalibrationProfile } from '../../src/sim/cost/calibrated/CalibrationProfile.js';
import { runKvsim } from '../cli/runKvsim.js';
import { type FakeBinding, fakeBinding } from './fakes/fakeBinding.js';

// kvsim validate on CPU: requireGpu hands out a fake binding whose attentionPrefillKernel names a
// kernel, so the one warning line (and the --json field) can be checked against each kind of profile.

let current: FakeBinding = fakeBinding();
vi.mock('../../src/gpu/requireGpu.js', () => ({ requireGpu: () => ({ binding: current.binding, info: current.info }) }));
const { checkPrefillKernel, gpuPrefillKernel } = await import('../../src/gpu/prefillAttentionKernel.js');

const COMMITTED = 'profiles/h100-sxm-80gb/llama-3-8b.json';
const committed = JSON.parse(readFileSync(COMMITTED, 'utf8')) as CalibrationProfile;
const dir = mkdtempSync(join(tmpdir(), 'kvsim-prefill-kernel-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The committed profile with prefillAttention.kernel set (or left unrecorded). */
function profileWith(kernel: string | undefined): string {
  const p = structuredClone(committed);
  if (kernel !== undefined) p.prefillAttention = { kernel, ...p.prefillAttention };
  const path = join(dir, `llama-3-8b.${kernel ?? 'unrecorded'}.json`);
  writeFileSync(path, JSON.stringify(p));
  return path;
}

const ajv = new Ajv2020({ strict: true, allErrors: true });
const validationSchema = ajv.compile(JSON.parse(readFileSync('schemas/kvsim.validation-1.schema.json', 'utf8')) as object);

let runs = 0;
/** `kvsim validate` on a small trace with the fake GPU reporting `gpuKernel`; the lines that mention the prefill kernel, and the --json. */
async function validate(gpuKernel: string | undefined, profileArgs: string[], extra: string[] = []) {
  current = fakeBinding(gpuKernel !== undefined ? { prefillKernel: gpuKernel } : {});
  const json = join(dir, `v${++runs}.json`); // a fresh file per call, named deterministically
  const r = await runKvsim(['validate', '--trace', 'synthetic:conv', '--first', '6', '--policy', 'paged', ...profileArgs, '--json', json, ...extra]);
  expect(r.code, r.err).toBe(0);
  const warnings = `${r.out}${r.err}`.split('\n').filter((l) => /prefill attention/.test(l));
  return { warnings, err: r.err, json: JSON.parse(readFileSync(json, 'utf8')) as Record<string, unknown> };
}

describe('kvsim validate: the profile\'s prefill kernel beside the one the GPU runs (fake binding)', () => {
  it('warns once, naming both, when they differ (also with --repeat 2), and records it in --json', async () => {
    const path = profileWith('wgmma64');
    const v = await validate('ws', ['--profile', path], ['--repeat', '2']);
    expect(v.warnings).toEqual([
      `validate: warning: the profile's prefill attention (${path}) was measured with kernel 'wgmma64'; this GPU runs 'ws' — prefill attention times may differ; re-run kvsim calibrate`,
    ]);
    expect(v.err).toContain(v.warnings[0]); // on stderr
    expect(v.json.prefillAttentionKernel).toEqual({ profile: 'wgmma64', gpu: 'ws', warning: v.warnings[0] });
    expect(validationSchema(v.json), ajv.errorsText(validationSchema.errors)).toBe(true);
  });

  it('warns once when the profile does not record its kernel (the committed profiles, picked automatically)', async () => {
    const v = await validate('ws', []);
    expect(v.warnings).toHaveLength(1);
    expect(v.warnings[0]).toMatch(/^validate: warning: the profile's prefill attention \(.*profiles\/h100-sxm-80gb\/llama-3-8b\.json\) was measured with a kernel it does not record .*; this GPU runs 'ws' — prefill attention times may differ; re-run kvsim calibrate$/);
    expect(v.json.prefillAttentionKernel).toEqual({ profile: null, gpu: 'ws', warning: v.warnings[0] });
    expect(validationSchema(v.json), ajv.errorsText(validationSchema.errors)).toBe(true);
  });

  it('stays quiet when they match, and still records both in --json', async () => {
    const v = await validate('ws', ['--profile', profileWith('ws')]);
    expect(v.warnings).toEqual([]);
    expect(v.json.prefillAttentionKernel).toEqual({ profile: 'ws', gpu: 'ws' });
    expect(validationSchema(v.json), ajv.errorsText(validationSchema.errors)).toBe(true);
    // The schema refuses a malformed record.
    expect(validationSchema({ ...v.json, prefillAttentionKernel: { profile: 'ws' } })).toBe(false);
  });

  it('warns once when the addon cannot say which kernel it runs (an old build)', async () => {
    const v = await validate(undefined, ['--profile', profileWith('ws')]);
    expect(v.warnings).toHaveLength(1);
    expect(v.warnings[0]).toContain("was measured with kernel 'ws'; this addon cannot say which kernel this GPU runs");
    expect(v.json.prefillAttentionKernel).toEqual({ profile: 'ws', gpu: null, warning: v.warnings[0] });
  });
});

describe('checkPrefillKernel and gpuPrefillKernel', () => {
  it('compares only profiles with prefill attention tables; asks the addon at one rank\'s bf16 shape', async () => {
    const { modelPreset } = await import('../../src/sim/model/presets.js');
    expect(checkPrefillKernel({ ...committed, prefillAttention: undefined }, 'x.json', 'ws')).toBeUndefined();
    expect(checkPrefillKernel({ ...committed, prefillAttention: { ...committed.prefillAttention, kernel: 'mma' } }, 'x.json', 'mma')).toEqual({ profile: 'mma', gpu: 'mma' });
    const fake = fakeBinding({ prefillKernel: 'wgmma128' });
    expect(gpuPrefillKernel(fake.binding, modelPreset('llama-3-70b'), 4)).toBe('wgmma128');
    expect(fake.calls).toEqual([{ call: 'attentionPrefillKernel', shape: { dtype: 1, numQHeads: 16, numKvHeads: 2, headDim: 128 } }]);
    expect(gpuPrefillKernel(fake.binding, modelPreset('xlstm-7b'), 1)).toBeUndefined();
    expect(gpuPrefillKernel(fakeBinding().binding, modelPreset('llama-3-8b'), 1)).toBeUndefined();
  });
});
