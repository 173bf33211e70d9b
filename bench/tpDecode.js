// @ts-check
// Decode iteration time of one model at TP 1/2/4/8, term by term, as the simulator's roofline prices it
// (the cost model `kvsim replay` resolves when no measured profile matches, which is every TP > 1 today).
// Usage: npm run build && node bench/tpDecode.js [model] [gpu] [contextTokens]
// Prints one row per (TP, batch): GEMMs, decode attention, TP communication, overhead, total, comm share.
import { RooflineCostModel } from '../dist/sim/cost/RooflineCostModel.js';
import { emptyIterationCost } from '../dist/sim/cost/CostModel.js';
import { emptyAggregate } from '../dist/sim/cost/IterationAggregate.js';
import { hardwarePreset } from '../dist/sim/hardware/presets.js';
import { modelPreset } from '../dist/sim/model/presets.js';

const [modelName = 'llama-3-70b', gpu = 'h100', ctxArg = '2048'] = process.argv.slice(2);
const context = Number(ctxArg);
const model = modelPreset(modelName);
const hardware = hardwarePreset(gpu);
const ms = (s) => (s * 1e3).toFixed(3);
console.log(`${model.name} on ${hardware.name}, decode at ${context} tokens of context, contiguous attention, roofline`);
console.log('tp  batch  gemm_ms  decode_attn_ms  comm_ms  overhead_ms  total_ms  comm_share');
for (const tp of [1, 2, 4, 8]) {
  const m = new RooflineCostModel({ model, hardware, tp, pagedKernels: false, allocationMode: 'none' });
  for (const batch of [1, 32, 128]) {
    const agg = { ...emptyAggregate(), batchSize: batch, decodeTokens: batch, decodeKvTokens: batch * (context + 1) };
    const c = m.iterationCost(agg, emptyIterationCost());
    const comm = c.terms.commS ?? 0;
    console.log(`${tp}  ${batch}  ${ms(c.terms.gemmS)}  ${ms(c.terms.decodeAttentionS)}  ${ms(comm)}  ${ms(c.terms.overheadS)}  ${ms(c.durationS)}  ${((100 * comm) / c.durationS).toFixed(1)}%`);
  }
  if (tp > 1) console.log(`   comm source: ${JSON.stringify(m.describe().sources.comm ?? {})}`);
}
