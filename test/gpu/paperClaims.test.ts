import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';

// profiles/<gpu>/claims.json is derived, never edited: bench/gpu/paperClaims.mjs must rebuild it,
// byte for byte, from the committed profiles and validation files beside it.

const SCRIPT = 'bench/gpu/paperClaims.mjs';
const H100 = 'profiles/h100-sxm-80gb';
const tmp = mkdtempSync(join(tmpdir(), 'kvsim-claims-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function rebuild(profileDir: string): string {
  const out = join(tmp, `claims-${Math.random().toString(36).slice(2)}.json`);
  execFileSync(process.execPath, [SCRIPT, profileDir, out], { stdio: 'pipe' });
  return readFileSync(out, 'utf8');
}

describe('claims.json is rebuilt from committed files', () => {
  it(`${H100}/claims.json equals what paperClaims.mjs derives from ${H100}`, () => {
    expect(rebuild(H100)).toBe(readFileSync(join(H100, 'claims.json'), 'utf8'));
  });

  it('takes latency, throughput and peak memory only from a committed run file, and checks it against the validation file', () => {
    const dir = join(tmp, 'gpu');
    mkdirSync(join(dir, 'validation'), { recursive: true });
    for (const m of ['llama-3-8b', 'xlstm-7b']) copyFileSync(join(H100, `${m}.json`), join(dir, `${m}.json`));
    const v = { policy: 'paged(block=16)', trace: 't.csv', iterations: { gpuS: [0.01, 0.02], batchSize: [3, 5], mapS: [0.001, 0.002] } };
    writeFileSync(join(dir, 'validation', 'a.validation.json'), JSON.stringify(v));
    writeFileSync(join(dir, 'validation', 'b.validation.json'), JSON.stringify(v));
    const summary = { requests: 7, maxBatch: 5, maxConcurrentRequests: 5, peakAllocatedBytes: 1e9, peakLiveBytes: 8e8, outputTokensPerS: 123, tbtS: { p99: 0.05 }, ttftS: { p50: 0.2 }, preemptions: 1 };
    writeFileSync(join(dir, 'validation', 'b.gpu.json.gz'), gzipSync(JSON.stringify({ summary })));
    const replays = JSON.parse(rebuild(dir)).gpuReplays;
    expect(replays.a).toEqual({ policy: 'paged(block=16)', trace: 't.csv', iterations: 2, maxBatch: 5, stallS: 0.003, from: ['validation'] });
    expect(replays.b).toMatchObject({ requests: 7, outputTokensPerS: 123, tbtP99S: 0.05, ttftP50S: 0.2, preemptions: 1, from: ['validation', 'run'] });
    writeFileSync(join(dir, 'validation', 'b.gpu.json.gz'), gzipSync(JSON.stringify({ summary: { ...summary, maxBatch: 6 } })));
    expect(() => rebuild(dir)).toThrow(/maxBatch 6/);
  });
});
