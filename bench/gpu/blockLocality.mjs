// How ordered are the block tables a replay hands the paged decode kernel? The calibration times the
// paged kernels on a shuffled block table (native/gpuModelProfile.cc MakeCache: "as a long-running pool
// hands out blocks in no particular order"); the GPU executor uses the simulator policy's own block ids
// (src/gpu/MemoryEnactor.ts applies the policy's assignBlocks/shareBlocks ops). This replays a trace on
// the CPU with the policy recording its ops and reports, over every request's final block table, the
// share of neighbouring table entries whose block ids are adjacent (+-1: the next block is the next
// 32 KiB-per-layer row of the pool) and the mean run length, weighted by the request's decode steps
// (the decode kernel reads the table once per step), and the length of the run the average block sits
// in (block-weighted: what share of the bytes streams from long ordered runs). A shuffled table over a pool of N blocks has an
// adjacent share of about 2/N.
// Usage: node bench/gpu/blockLocality.mjs TRACE FIRST RATE [MODEL]
//   e.g. node bench/gpu/blockLocality.mjs ../shared/traces/mooncake-fast25/conversation_trace.jsonl 300 10
import { simulate } from '../../dist/sim/engine/simulate.js';
import { createPolicy } from '../../dist/sim/memory/createPolicy.js';
import { hardwarePreset } from '../../dist/sim/hardware/presets.js';
import { modelPreset } from '../../dist/sim/model/presets.js';
import { createScheduler } from '../../dist/sim/scheduler/createScheduler.js';
import { openTrace } from '../../dist/sim/trace/openTrace.js';

const [tracePath, firstArg, rateArg, modelName = 'llama-3-8b'] = process.argv.slice(2);
if (!tracePath || !firstArg || !rateArg) {
  console.error('usage: node bench/gpu/blockLocality.mjs TRACE FIRST RATE [MODEL]');
  process.exit(2);
}
const model = modelPreset(modelName);
const hardware = hardwarePreset('h100');
const scheduler = createScheduler('vllm', undefined, { gpuMemoryBytes: hardware.memoryBytes, gpuName: hardware.name });
// As buildSimulation makes it for the GPU executor (recordOps), so the ops stay in the policy's log.
const policy = createPolicy('paged', { model, hardware, tp: 1, recordOps: true, vllmV1Defaults: true, maxNumSeqs: scheduler.options.maxNumSeqs }, {});
const trace = await openTrace(tracePath, { first: Number(firstArg), rate: Number(rateArg), maxContextTokens: model.maxContextTokens });
const run = await simulate({ trace, traceName: tracePath, model, hardware, policy, scheduler });
const tables = new Map();
for (const op of policy.takeOps()) {
  if (op.op !== 'assignBlocks' && op.op !== 'shareBlocks') continue;
  const t = tables.get(op.requestId) ?? [];
  t.push(...op.blockIds);
  tables.set(op.requestId, t);
}
let pairs = 0;
let adjacent = 0;
let runs = 0;
let blocks = 0;
let decodeSteps = 0;
let inRun = 0; // sum over blocks of the length of the run each sits in (block-weighted run length)
const out = run.requests.outputTokens;
for (const [id, t] of tables) {
  const w = Math.max(0, (out[id] ?? 1) - 1);
  if (w === 0 || t.length < 2) continue;
  let adj = 0;
  let r = 1;
  let len = 1;
  let sq = 0;
  for (let i = 1; i < t.length; i++) {
    if (Math.abs(t[i] - t[i - 1]) === 1) {
      adj++;
      len++;
    } else {
      r++;
      sq += len * len;
      len = 1;
    }
  }
  sq += len * len;
  inRun += w * sq;
  pairs += w * (t.length - 1);
  adjacent += w * adj;
  runs += w * r;
  blocks += w * t.length;
  decodeSteps += w;
}
console.log(`${tracePath} first ${firstArg} at ${rateArg}/s, ${policy.label} under ${scheduler.label} (CPU replay, ${run.summary.iterations} iterations):`);
console.log(`  tables of ${tables.size} requests, weighted by ${decodeSteps} decode steps: ${(100 * adjacent / pairs).toFixed(1)}% of neighbouring entries adjacent, mean run ${(blocks / runs).toFixed(1)} blocks, a block's run ${(inRun / blocks).toFixed(1)} blocks on average (block-weighted)`);
