// vAttention on the GPU vs the simulator under memory pressure (issue 13 item 5): for each layout
// (perLayer, megacache) the same trace prefix is simulated and replayed on the GPU with the KV memory
// capped, so deferred reclamation fills memory and the background step (VAttentionPolicy.endPlan,
// vattention.cu do_kvcache_memory_management) has to reclaim cached pages while the kernels compute.
// Writes, per layout, <out>/<name>.validation.json (kvsim.validation/1, as `kvsim validate --json`, plus
// layout, kvMemoryBytes, backgroundReclaim and stall) and <name>.sim.json / <name>.gpu.json, and prints
// kvsim validate's table plus the mapping stall measured vs simulated and the background reclaim seen.
//
// Usage (on the GPU machine, from the project root, after bench/gpu/pack-gpu-tests.sh here):
//   node bench/gpu/validateVattention.mjs OUT_DIR TRACE FIRST TIME_SCALE KV_GIB [LAYOUT ...]
// KVSIM_JS: where the compiled project is (default .device/js, as pack-gpu-tests.sh writes it).
// KVSIM_FAKE_GPU=1: run on the recording fake binding instead of a GPU (a dry run of this script on CPU;
// its times are the fake's, not measurements).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

const js = resolve(process.env.KVSIM_JS ?? '.device/js');
const load = (p) => import(join(js, p));
const [{ replayOnGpu }, { requireGpu }, { detectGpuPreset }, { simulate }, { createPolicy }, { VAttentionPolicy }, { openTrace }, { modelPreset }, { hardwarePreset }, { predictorFor }, { findProfile }, { readProfile }, { compareRuns }, { formatValidation }] =
  await Promise.all([
    load('src/gpu/replayOnGpu.js'), load('src/gpu/requireGpu.js'), load('src/gpu/detectGpuPreset.js'), load('src/sim/engine/simulate.js'),
    load('src/sim/memory/createPolicy.js'), load('src/sim/memory/VAttentionPolicy.js'), load('src/sim/trace/openTrace.js'), load('src/sim/model/presets.js'),
    load('src/sim/hardware/presets.js'), load('src/sim/cost/calibrated/predictorFor.js'), load('src/sim/cost/calibrated/findProfile.js'),
    load('src/sim/cost/calibrated/readProfile.js'), load('src/sim/validation/compareRuns.js'), load('src/cli/validate.js'),
  ]);

const [outDir, trace, firstArg, scaleArg, kvGibArg, ...layoutArgs] = process.argv.slice(2);
if (!outDir || !trace || !firstArg || !scaleArg || !kvGibArg) {
  console.error('usage: node bench/gpu/validateVattention.mjs OUT_DIR TRACE FIRST TIME_SCALE KV_GIB [perLayer|megacache ...]');
  process.exit(2);
}
const first = Number(firstArg);
const timeScale = Number(scaleArg);
const capacityBytes = Math.round(Number(kvGibArg) * 2 ** 30);
const layouts = layoutArgs.length > 0 ? layoutArgs : ['perLayer', 'megacache'];
for (const l of layouts) if (l !== 'perLayer' && l !== 'megacache') throw new Error(`validateVattention: layout "${l}": expected perLayer or megacache`);

// Background reclaim, counted per policy instance: unmaps done inside endPlan (the background step).
const reclaim = new WeakMap();
const endPlan = VAttentionPolicy.prototype.endPlan;
VAttentionPolicy.prototype.endPlan = function () {
  const before = this.stats.freeOps;
  endPlan.call(this);
  const pages = this.stats.freeOps - before;
  const r = reclaim.get(this) ?? { iterations: 0, unmapPages: 0 };
  if (pages > 0) {
    r.iterations++;
    r.unmapPages += pages;
  }
  reclaim.set(this, r);
};
// The GPU replay builds its own policy (with recordOps): the engine hands its ops to the executor
// through takeOps, which the simulated run never calls, so this finds it.
const gpuPolicies = [];
const takeOps = VAttentionPolicy.prototype.takeOps;
VAttentionPolicy.prototype.takeOps = function () {
  if (!gpuPolicies.includes(this)) gpuPolicies.push(this);
  return takeOps.call(this);
};

let gpu;
if (process.env.KVSIM_FAKE_GPU === '1') {
  const { fakeBinding } = await load('test/gpu/fakes/fakeBinding.js');
  const f = fakeBinding();
  gpu = { binding: f.binding, info: f.info };
} else gpu = requireGpu(0);
const card = gpu.info.name;
const preset = detectGpuPreset(card) ?? 'h100';
const hardware = hardwarePreset(preset);
const model = modelPreset('llama-3-8b');
const profilePath = findProfile(preset, model.name, 1);
const profile = profilePath ? { profile: readProfile(profilePath), path: profilePath } : undefined;
const traceOptions = { first, timeScale, maxContextTokens: model.maxContextTokens };
mkdirSync(outDir, { recursive: true });
const sum = (a) => a.reduce((s, x) => s + x, 0);

for (const layout of layouts) {
  const policyOptions = { layout };
  const name = `llama-3-8b.vattention-${layout}.kv${kvGibArg}g.first${first}.x${1 / timeScale}`;
  const simPolicy = createPolicy('vattention', { model, hardware, tp: 1, capacityBytes, vllmV1Defaults: true }, policyOptions);
  const costModel = predictorFor(model, hardware, 1, simPolicy, policyOptions, profile);
  const sim = await simulate({ trace: await openTrace(trace, traceOptions), traceName: trace, model, hardware, tp: 1, policy: simPolicy, policyOptions, capacityBytes, scheduler: 'vllm', costModel });
  const seen = gpuPolicies.length;
  const g = await replayOnGpu({ trace: await openTrace(trace, traceOptions), traceName: trace, model, hardware, tp: 1, policy: 'vattention', policyOptions, capacityBytes, scheduler: 'vllm', profile, gpu });
  const gpuPolicy = gpuPolicies.length > seen ? gpuPolicies[gpuPolicies.length - 1] : undefined;
  const summary = compareRuns(sim, g.run, g.pairs);
  const stall = {
    /** Host time before the kernels: waiting for the previous background step + this iteration's synchronous maps (GpuExecutor). */
    measuredS: sum(g.pairs.mapS),
    /** The cost model's stall for the same plans as the GPU ran. */
    simulatedSamePlansS: sum(g.pairs.simStallS),
    /** The simulated run's own stall (its plans follow its own clock). */
    simulatedRunS: sim.summary.stallS,
    iterationsWithBackgroundWork: g.pairs.aheadAllocOps.filter((x) => x > 0).length,
  };
  const backgroundReclaim = { sim: reclaim.get(simPolicy) ?? null, gpu: gpuPolicy ? (reclaim.get(gpuPolicy) ?? null) : null };
  const label = simPolicy.label;
  const text = [
    formatValidation(summary, { card, model: model.name, policy: label, trace, predictor: g.predictor }).trimEnd(),
    `KV memory ${kvGibArg} GiB, first ${first}, time scale ${timeScale}; pool ${simPolicy.poolGroups} groups of ${simPolicy.tokensPerGroup} tokens (${simPolicy.buffers} buffers)`,
    `mapping stall: measured ${(stall.measuredS * 1e3).toFixed(1)} ms, simulated on the same plans ${(stall.simulatedSamePlansS * 1e3).toFixed(1)} ms; iterations with background page work ${stall.iterationsWithBackgroundWork}`,
    `background reclaim (unmaps in the background step): sim ${JSON.stringify(backgroundReclaim.sim)}, gpu ${JSON.stringify(backgroundReclaim.gpu)}`,
    `preemptions: sim ${sim.summary.preemptions}, gpu ${g.run.summary.preemptions}`,
    process.env.KVSIM_FAKE_GPU === '1' ? '(fake binding: GPU times are the fake\'s, not measurements)' : '',
    '',
  ].join('\n');
  process.stdout.write(text + '\n');
  const out = { schema: 'kvsim.validation/1', card, model: model.name, policy: label, trace, predictor: g.predictor, date: new Date().toISOString(), layout, kvMemoryBytes: capacityBytes, first, timeScale, stall, backgroundReclaim, summary, iterations: g.pairs };
  writeFileSync(join(outDir, `${name}.validation.json`), JSON.stringify(out));
  writeFileSync(join(outDir, `${name}.sim.json.gz`), gzipSync(JSON.stringify(sim)));
  writeFileSync(join(outDir, `${name}.gpu.json.gz`), gzipSync(JSON.stringify(g.run)));
}
