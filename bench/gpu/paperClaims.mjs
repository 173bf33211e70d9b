// Derives the vAttention paper's comparisons and the xLSTM-vs-attention comparison from what kvsim
// measured on a GPU, from committed files only: the calibration profiles (kernel times) in PROFILE_DIR
// and, for the GPU replays of `kvsim validate`, the validation files in PROFILE_DIR/validation
// (<name>.validation.json) and, where committed beside them, the GPU run files (<name>.gpu.json or
// <name>.gpu.json.gz, written by `kvsim validate --runs`; bench/gpu/validate-all.sh). A replay field
// is only written when a committed file holds it: maxBatch and the enactment stall come from the
// validation file's iterations; latency, throughput and peak memory only from a committed run file.
// Output is a pure function of the inputs (rebuilding gives the committed file byte for byte:
// test/gpu/paperClaims.test.ts).
// Usage: node bench/gpu/paperClaims.mjs PROFILE_DIR OUT.json
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

const [profileDir, outFile, extra] = process.argv.slice(2);
if (!profileDir || !outFile || extra !== undefined) {
  process.stderr.write('paperClaims: expected PROFILE_DIR OUT.json (e.g. profiles/h100-sxm-80gb profiles/h100-sxm-80gb/claims.json)\n');
  process.exit(1);
}
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

// 4. From the GPU replays: how many requests each policy held at once, enactment stall, and (from a
// committed run file only) peak memory, throughput and latency.
const validationDir = join(profileDir, 'validation');
const readJson = (path) => JSON.parse(path.endsWith('.gz') ? gunzipSync(readFileSync(path)).toString('utf8') : readFileSync(path, 'utf8'));
const runs = {};
const names = existsSync(validationDir) ? readdirSync(validationDir).filter((n) => n.endsWith('.validation.json')).sort() : [];
for (const f of names) {
  const name = f.replace('.validation.json', '');
  const v = readJson(join(validationDir, f));
  const it = v.iterations;
  const entry = {
    policy: v.policy,
    trace: v.trace,
    iterations: it.gpuS.length,
    maxBatch: Math.max(...it.batchSize),
    stallS: it.mapS.reduce((a, b) => a + b, 0),
  };
  const runFile = [`${name}.gpu.json`, `${name}.gpu.json.gz`].map((n) => join(validationDir, n)).find((p) => existsSync(p));
  if (runFile) {
    const s = readJson(runFile).summary;
    Object.assign(entry, { requests: s.requests, maxConcurrentRequests: s.maxConcurrentRequests, peakAllocatedBytes: s.peakAllocatedBytes, peakLiveBytes: s.peakLiveBytes, outputTokensPerS: s.outputTokensPerS, tbtP99S: s.tbtS.p99, ttftP50S: s.ttftS.p50, preemptions: s.preemptions });
    if (s.maxBatch !== entry.maxBatch) throw new Error(`${runFile}: maxBatch ${s.maxBatch} but ${f} has batches up to ${entry.maxBatch}`);
  }
  entry.from = runFile ? ['validation', 'run'] : ['validation'];
  runs[name] = entry;
}

const out = {
  schema: 'kvsim.claims/1',
  card: llama.card,
  date: llama.date,
  source: 'calibration profiles (kernel timings) and GPU replays of Azure 2023 trace prefixes, measured by kvsim; rebuilt by bench/gpu/paperClaims.mjs from the committed files beside this one',
  decodePagedOverContiguous: decodeRatio,
  decodeBandwidthAtLargestBatch: decodeBandwidth,
  prefill,
  batch1DecodeStepVsContext: decodeVsContext,
  gpuReplays: runs,
};
writeFileSync(outFile, `${JSON.stringify(out, null, 1)}\n`);
console.log(`wrote ${outFile}`);
