// @ts-check
// One replay in a fresh process (so start-up and peak memory are its own), reporting JSON on stdout.
// Usage: node bench/replayOnce.js TRACE POLICY [count] [single-step]
import { simulate } from '../dist/sim/engine/simulate.js';
import { openTrace } from '../dist/sim/trace/openTrace.js';

const [trace, policy, countArg, mode] = process.argv.slice(2);
const t0 = performance.now();
const source = await openTrace(trace, countArg ? { count: Number(countArg) } : {});
const r = await simulate({
  trace: source,
  model: 'llama-3-8b',
  hardware: 'h100',
  policy: /** @type {any} */ (policy),
  engine: { skipAhead: mode !== 'single-step', metrics: { perRequest: false, maxIterationRecords: 0 } },
});
const simulateMs = performance.now() - t0;
process.stdout.write(
  JSON.stringify({
    inProcessMs: simulateMs,
    requests: r.summary.requests,
    completed: r.summary.completed,
    iterations: r.summary.iterations,
    outputTokensPerS: r.summary.outputTokensPerS,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    // CPU time of this whole process (start-up included): steadier than wall time on a loaded machine.
    cpuS: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
  }) + '\n',
);
