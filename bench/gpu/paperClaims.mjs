// Derives the vAttention paper's comparisons and the xLSTM-vs-attention comparison from what kvsim
// measured on a GPU: the calibration profiles (kernel times) and the GPU replays of `kvsim validate`.
// Usage: node bench/gpu/paperClaims.mjs PROFILE_DIR RUNS_DIR OUT.json
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [profileDir, runsDir, outFile] = process.argv.slice(2);
const prof = (m) => JSON.parse(readFileSync(join(profileDir, `${m}.json`), 'utf8'));
const llama = prof('llama-3-8b');
const xlstm = prof('xlstm-7b');

// 1. Decode attention: paged (block 16) over contiguous, same batch and context, per layer.
const c = llama.decodeAttention.contiguous;
const p16 = llama.decodeAttention.paged['16'];
const decodeRatio = c.a.map((batch, i) => ({ batch, pagedOverContiguous: c.b.map((ctx, j) => ({ contextTokens: ctx, ratio: p16.timeS[i][j] / c.timeS[i][j] })) }));
const kvBytesPerTokenPerLayer = 2 * 8 * 128 * 2;
const big = c.a.length - 1;
const decodeBandwidth = c.b.map((ctx, j) => ({ contextTokens: ctx, batch: c.a[big], contiguousTBps: (c.a[big] * ctx * kvBytesPerTokenPerLayer) / c.timeS[big][j] / 1e12, pagedTBps: (c.a[big] * ctx * kvBytesPerTokenPerLayer) / p16.timeS[big][j] / 1e12 }));

// 2. Prefill attention at long context: paged over contiguous, and TFLOP/s.
const pc = llama.prefillAttention.contiguous;
const pp = llama.prefillAttention.paged['16'];
const prefill = pc.a.map((chunk, i) => ({ chunkTokens: chunk, byContext: pc.b.map((ctx, j) => ({ contextTokens: ctx, pagedOverContiguous: pp.timeS[i][j] / pc.timeS[i][j], contiguousTflops: (4 * 32 * 128 * chunk * (ctx + chunk / 2)) / pc.timeS[i][j] / 1e12 })) }));

// 3. Batch-1 decode step time against context: Llama-3-8B (32 attention layers) vs xLSTM-7B (32 mLSTM layers).
const at = (t, x) => { const i = t.x.indexOf(x); if (i < 0) throw new Error(`no grid point ${x}`); return t.timeS[i]; };
const stepLlama = (ctx) => 32 * (at(llama.layerGemm.attention, 1) + c.timeS[0][c.b.indexOf(ctx)]) + at(llama.lmHead, 1);
const stepXlstm = 32 * (at(xlstm.layerGemm.mlstm, 1) + at(xlstm.recurrentStep, 1)) + at(xlstm.lmHead, 1);
const decodeVsContext = c.b.map((ctx) => ({ contextTokens: ctx, llama3_8bStepS: stepLlama(ctx), xlstm7bStepS: stepXlstm }));

// 4. From the GPU replays: how many requests each policy held at once, peak memory, latency.
const runs = {};
for (const f of readdirSync(runsDir).filter((n) => n.endsWith('.gpu.json'))) {
  const r = JSON.parse(readFileSync(join(runsDir, f), 'utf8'));
  const s = r.summary;
  runs[f.replace('.gpu.json', '')] = { policy: r.config.policy, trace: r.config.trace, requests: s.requests, maxBatch: s.maxBatch, maxConcurrentRequests: s.maxConcurrentRequests, peakAllocatedBytes: s.peakAllocatedBytes, peakLiveBytes: s.peakLiveBytes, outputTokensPerS: s.outputTokensPerS, tbtP99S: s.tbtS.p99, ttftP50S: s.ttftS.p50, stallS: s.stallS, preemptions: s.preemptions };
}

const out = {
  schema: 'kvsim.claims/1',
  card: llama.card,
  date: llama.date,
  source: 'calibration profiles (kernel timings) and GPU replays of Azure 2023 trace prefixes, measured by kvsim',
  decodePagedOverContiguous: decodeRatio,
  decodeBandwidthAtLargestBatch: decodeBandwidth,
  prefill,
  batch1DecodeStepVsContext: decodeVsContext,
  gpuReplays: runs,
};
writeFileSync(outFile, `${JSON.stringify(out, null, 1)}\n`);
console.log(`wrote ${outFile}`);
