import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRunResult } from '../../src/report/parseRunResult.js';
import { writeReport } from '../../src/report/writeReport.js';
import type { RunResult } from '../../src/sim/metrics/RunResult.js';
import { chartsIn } from './reportDom.js';

const time = fc.oneof(fc.double({ min: 0, max: 1e4, noNaN: true }), fc.constant(null));
const bytes = fc.integer({ min: 0, max: 2 ** 40 });

/** Any run shape a replay could write, edge cases included: no requests, no iterations, nulls, zeros. */
const arbRun: fc.Arbitrary<RunResult> = fc
  .record({
    policy: fc.constantFrom('static', 'paged(block=16)', 'vattention(page=2MiB)', 'recurrent(state=1MiB)', 'x'),
    nReq: fc.integer({ min: 0, max: 40 }),
    nIt: fc.integer({ min: 0, max: 80 }),
    seed: fc.integer(),
  })
  .chain(({ policy, nReq, nIt }) =>
    fc.record({
      policy: fc.constant(policy),
      req: fc.array(fc.tuple(time, fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 2000 }), time, time, time), { minLength: nReq, maxLength: nReq }),
      it: fc.array(fc.tuple(fc.double({ min: 0, max: 1e4, noNaN: true }), fc.integer({ min: 0, max: 512 }), fc.integer({ min: 0, max: 9999 }), bytes, bytes, bytes, bytes), { minLength: nIt, maxLength: nIt }),
      pct: fc.oneof(fc.constant(null), fc.double({ min: 0, max: 100, noNaN: true })),
      numbers: fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 16, maxLength: 16 }),
    }),
  )
  .map(({ policy, req, it, pct, numbers }) => {
    const p = { mean: pct, p50: pct, p90: pct, p99: pct, max: pct } as unknown as RunResult['summary']['ttftS'];
    const n = (i: number) => numbers[i];
    const sorted = [...it].sort((a, b) => a[0] - b[0]);
    return {
      schema: 'kvsim.run/1',
      config: { trace: 't', model: 'llama-3-8b', gpu: 'h100-sxm-80gb', tp: 1, policy, policyOptions: {}, scheduler: 'vllm', schedulerOptions: {}, backend: 'sim', executor: 'x', seed: 0, kvsimVersion: '0' },
      summary: {
        requests: req.length, completed: req.length, makespanS: n(0), outputTokensPerS: n(1), requestsPerS: n(2), ttftS: p, tbtS: p, e2eS: p, normalizedLatencyS: p,
        iterations: it.length, maxBatch: Math.round(n(3)), meanBatch: n(4), maxConcurrentRequests: Math.round(n(5)), peakLiveBytes: n(6), peakAllocatedBytes: n(7),
        peakReservedBytes: n(8), capacityBytes: n(9), meanFragmentationRatio: n(10) / 1e6, peakFragmentationBytes: n(11), preemptions: 0, refused: 0, allocOps: 0, allocTimeS: n(12), stallS: n(13),
      },
      requests: {
        arrivalS: req.map((r) => r[0]), promptTokens: req.map((r) => r[1]), outputTokens: req.map((r) => r[2]), admittedS: req.map((r) => r[3]),
        firstTokenS: req.map((r) => r[4]), finishS: req.map((r) => r[5]), preemptions: req.map(() => 0),
      },
      iterations: {
        stride: 1, startS: sorted.map((x) => x[0]), durationS: sorted.map(() => 0.01), batchSize: sorted.map((x) => x[1]), prefillTokens: sorted.map(() => 0), decodeTokens: sorted.map((x) => x[1]),
        queueLength: sorted.map((x) => x[2]), liveBytes: sorted.map((x) => x[3]), allocatedBytes: sorted.map((x) => x[4]), reservedBytes: sorted.map((x) => x[5]), fragmentationBytes: sorted.map((x) => x[6]),
        allocOps: sorted.map(() => 0), stallS: sorted.map(() => 0), gemmS: sorted.map(() => 0), prefillAttentionS: sorted.map(() => 0), decodeAttentionS: sorted.map(() => 0),
        recurrentS: sorted.map(() => 0), allocationS: sorted.map(() => 0), overheadS: sorted.map(() => 0),
      },
    } as unknown as RunResult;
  });

describe('writeReport on arbitrary run shapes', () => {
  it('accepts what parseRunResult accepts, never throws, and draws every per-run chart with finite coordinates', () => {
    fc.assert(
      fc.property(fc.array(arbRun, { minLength: 1, maxLength: 4 }), (runs) => {
        const parsed = runs.map((r, i) => parseRunResult(JSON.parse(JSON.stringify(r)), `run${i}.json`));
        const html = writeReport(parsed, { sweep: false, stateComparison: false });
        const ids = chartsIn(html).map((c) => c.id);
        expect(ids.filter((id) => id.startsWith('memory-'))).toHaveLength(runs.length);
        expect(ids).toEqual(expect.arrayContaining(['fragmentation', 'batch-size', 'queue-length', 'latency-ttft', 'latency-tbt', 'latency-e2e', 'throughput', 'capacity']));
        // No NaN or Infinity may reach an SVG attribute.
        expect(html).not.toMatch(/="[^"]*(NaN|Infinity)[^"]*"/);
      }),
      // Seeded: the same cases on every run (fast-check prints seed and path on failure to replay one).
      { numRuns: 30, seed: 0x5eed18 },
    );
  });
});
