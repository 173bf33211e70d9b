import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readProfile, validateProfile } from '../../../../src/sim/cost/calibrated/readProfile.js';
import { ProfileError } from '../../../../src/sim/cost/calibrated/ProfileError.js';

const base = {
  schema: 'kvsim.profile/1', card: 'test card', gpu: 'h100-sxm-80gb', driver: '0', cudaRuntime: '0', date: '2026-01-01',
  model: 'llama-3-8b', tp: 1, dtype: 'bf16', method: 'fixture',
};

describe('readProfile', () => {
  it('names the file and field of a malformed table', () => {
    const bad = { ...base, lmHead: { x: [1, 4, 2], timeS: [1, 2, 3], xName: 'rows' } };
    expect(() => validateProfile(bad, 'p.json')).toThrow('p.json: lmHead.x[2]: expected a value greater than lmHead.x[1] (strictly increasing grid)');
    const bad2 = { ...base, decodeAttention: { paged: { '16': { a: [1], b: [1, 2], timeS: [[1]], aName: 'a', bName: 'b' } } } };
    expect(() => validateProfile(bad2, 'p.json')).toThrow('p.json: decodeAttention.paged.16.timeS[0]: expected an array of 2 times');
  });
  it('rejects a wrong schema and missing provenance fields', () => {
    expect(() => validateProfile({ ...base, schema: 'x' }, 'p.json')).toThrow(/schema: expected "kvsim.profile\/1"/);
    expect(() => validateProfile({ ...base, card: '' }, 'p.json')).toThrow(/card: expected a non-empty string/);
  });
  it('reports unreadable files and bad JSON as ProfileError', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvsim-prof-'));
    const f = join(dir, 'x.json');
    writeFileSync(f, '{nope');
    expect(() => readProfile(f)).toThrow(ProfileError);
    expect(() => readProfile(join(dir, 'missing.json'))).toThrow(/cannot read calibration profile \(ENOENT\)/);
    writeFileSync(f, JSON.stringify(base));
    expect(readProfile(f).card).toBe('test card');
  });
});
