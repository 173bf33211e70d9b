import { describe, expect, it } from 'vitest';
import { runVmmBench } from '../../src/gpu/runVmmBench.js';
import { checkArenaMechanics } from './checks/arenaChecks.js';
import { azureConvHead } from './checks/azureConvHead.js';
import { checkPagedEnactment, checkVAttentionEnactment } from './checks/enactmentChecks.js';
import { gpuForTests } from './checks/gpuForTests.js';
import { GPU_CHECK_MAX_OUTPUT, GPU_CHECK_REQUESTS } from './checks/replayScale.js';

const { gpu: a, skip } = gpuForTests('vmm.gpu.test');
const why = skip === false ? '' : ` (skipped: ${skip})`;

// The same checks run as a plain script on the GPU machine: test/gpu/runGpuChecks.ts.
describe.skipIf(!a.ok)(`VMM arena, block pool and policy enactment on a real GPU${why}`, () => {
  const requests = () => azureConvHead(GPU_CHECK_REQUESTS).map((r) => ({ ...r, outputTokens: Math.min(r.outputTokens, GPU_CHECK_MAX_OUTPUT) }));

  it('arena mechanics, errors naming the call, OOM teardown', () => {
    if (!a.ok) return;
    checkArenaMechanics(a.binding, a.info);
  });

  it('vattention ops enacted: driver-view mapped bytes equal the simulator at every iteration', () => {
    if (!a.ok) return;
    const s1 = checkVAttentionEnactment(a.binding, a.info, requests(), 'upfront', 'sync');
    const s2 = checkVAttentionEnactment(a.binding, a.info, requests(), 'onDemand', 'overlapped');
    expect(s1.iterationsChecked).toBeGreaterThan(100);
    expect(s2.freeBytesLeaked).toBe(0);
  });

  it('paged ops enacted: the device block table matches, and blocks x bytes equal the simulator', () => {
    if (!a.ok) return;
    expect(checkPagedEnactment(a.binding, a.info, requests()).iterationsChecked).toBeGreaterThan(100);
  });

  it('bench vmm leaves free memory as it found it', () => {
    if (!a.ok) return;
    const r = runVmmBench(a.binding, a.info, { pageSizesMiB: [2, 32], bytesPerSize: 512 * 2 ** 20, overlap: false });
    expect(r.freeBytesAfter).toBe(r.freeBytesBefore);
    for (const row of r.rows) expect(row.map.medianUs).toBeGreaterThan(0);
  });
});
