import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAttentionKernels } from '../../../../src/sim/cost/attention/readAttentionKernels.js';

// Runs bench/kernels/measure_attention.py on a tiny grid where PyTorch sees a GPU, and reads its
// output back through the --attention-kernels import path. Skipped (with the reason) elsewhere.
const probe = spawnSync('python3', ['-c', 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 3)'], { encoding: 'utf8' });
const SKIP = probe.status === 0 ? '' : probe.status === 3 ? 'PyTorch sees no GPU' : 'PyTorch is not installed in python3';

// Under `npm run test:gpu` (KVSIM_REQUIRE_GPU=1) a missing GPU or PyTorch fails with the reason instead.
const REQUIRED = process.env.KVSIM_REQUIRE_GPU === '1';

describe.skipIf(SKIP !== '' && !REQUIRED)(`measure_attention.py on this GPU${SKIP ? ` (skipped: ${SKIP})` : ''}`, () => {
  it('measures SDPA on a tiny grid and writes timings kvsim reads, with provenance', () => {
    if (SKIP) throw new Error(`measure_attention.py needs a GPU seen by PyTorch: ${SKIP}`);
    const out = join(mkdtempSync(join(tmpdir(), 'kvsim-measure-')), 'attention-{kernel}.json');
    const r = spawnSync('python3', ['bench/kernels/measure_attention.py', '--kernels', 'sdpa,flash-attn', '--batches', '1,4', '--contexts', '128,1024', '--chunks', '16,256', '--prefill-contexts', '0,512', '--reps', '3', '--out', out], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const p = readAttentionKernels(out.replace('{kernel}', 'sdpa'));
    expect(p.provenance).toMatchObject({ kind: 'measured', command: expect.stringContaining('measure_attention.py') });
    expect(p.tables!.map((t) => `${t.kind} ${t.layout}`)).toEqual(['decode contiguous', 'prefill contiguous']);
    for (const t of p.tables!) for (const row of t.table.timeS) for (const s of row) expect(s).toBeGreaterThan(0);
  }, 300_000);
});
