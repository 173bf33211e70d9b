// Re-prices the GPU iterations recorded by `kvsim validate --json` with the current calibrated cost
// model (built dist/), so a cost-model change can be judged on the same plans without device time.
// Prints the errors overall and per phase (prefill-only, mixed, decode-only, allocation work,
// first-of-token-count), repriced and as recorded in the file.
// Usage: node bench/gpu/reprice.mjs VALIDATION.json PROFILE.json MODEL POLICY [policyOptionsJSON]
import { readFileSync } from 'node:fs';
import { CalibratedCostModel } from '../../dist/sim/cost/calibrated/CalibratedCostModel.js';
import { emptyIterationCost } from '../../dist/sim/cost/CostModel.js';
import { hardwarePreset } from '../../dist/sim/hardware/presets.js';
import { createPolicy } from '../../dist/sim/memory/createPolicy.js';
import { modelPreset } from '../../dist/sim/model/presets.js';
import { iterationErrors } from '../../dist/sim/validation/compareRuns.js';
import { formatPhaseErrors } from '../../dist/sim/validation/formatDrift.js';
import { phaseErrors } from '../../dist/sim/validation/phaseErrors.js';

const [file, profilePath, modelName, policyKind, opts] = process.argv.slice(2);
const v = JSON.parse(readFileSync(file, 'utf8'));
const profile = JSON.parse(readFileSync(profilePath, 'utf8'));
const model = modelPreset(modelName);
const hardware = hardwarePreset('h100');
const policyOptions = opts ? JSON.parse(opts) : {};
const policy = createPolicy(policyKind, { model, hardware, tp: 1 }, policyOptions);
const m = new CalibratedCostModel({ model, hardware, tp: 1, pagedKernels: policy.kind === 'paged', allocationMode: policy.allocationMode, profile, profilePath, blockSizeTokens: 16, policyKind: policy.kind });
const it = v.iterations;
const sim = [];
const simStall = [];
const gpu = [];
const out = emptyIterationCost();
for (let i = 0; i < it.gpuS.length; i++) {
  // The recorded allocation time is not stored; sync-mode stall = modelled work, so recover it from simStallS.
  const agg = {
    batchSize: it.batchSize[i], prefillTokens: it.prefillTokens[i], decodeTokens: it.decodeTokens[i], prefillRequests: it.prefillRequests[i],
    prefillAttentionPairs: it.prefillAttentionPairs[i], prefillKvTokens: it.prefillKvTokens[i], decodeKvTokens: it.decodeKvTokens[i],
    allocOps: it.allocOps[i], allocTimeS: it.allocTimeS ? it.allocTimeS[i] : it.simStallS[i],
    // Older files lack the ahead-of-need split: then all allocation work counts as needed now.
    aheadAllocOps: it.aheadAllocOps ? it.aheadAllocOps[i] : 0, aheadAllocTimeS: 0,
  };
  m.iterationCost(agg, out);
  sim.push(out.durationS);
  simStall.push(out.stallS);
  gpu.push(it.gpuS[i]);
}
const e = iterationErrors(sim, gpu);
console.log(`${file.split('/').pop()}: n=${e.count} median ${(e.median * 100).toFixed(2)}% p90 ${(e.p90 * 100).toFixed(2)}% p95 ${(e.p95 * 100).toFixed(2)}% p99 ${(e.p99 * 100).toFixed(2)}% bias ${(e.meanSigned * 100).toFixed(2)}% (recorded: median ${(iterationErrors(it.simS, it.gpuS).median * 100).toFixed(2)}%)`);
const cols = { prefillTokens: it.prefillTokens, decodeTokens: it.decodeTokens, allocOps: it.allocOps, mapS: it.mapS };
process.stdout.write(`repriced by ${m.label}, ${formatPhaseErrors(phaseErrors({ simS: sim, gpuS: gpu, ...cols, simStallS: simStall }))}`);
process.stdout.write(`as recorded by ${v.predictor}, ${formatPhaseErrors(phaseErrors({ simS: it.simS, gpuS: it.gpuS, ...cols, simStallS: it.simStallS }))}`);
