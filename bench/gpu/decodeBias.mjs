// Where does the decode-only bias of a validation come from? Re-prices the GPU's own decode-only
// iterations (recorded by `kvsim validate --json`) with the current calibrated cost model (built dist/)
// and with one cost term changed at a time, and prints the time-weighted bias (sum of sim-gpu over the
// group, of its measured time) bucketed by batch size and mean context. CPU only; nothing is fitted.
//
// Per-request contexts are not in the validation file, only their sum (decodeKvTokens). They are
// rebuilt from the GPU run's request timings: a request decodes in every iteration that starts at or
// after its first token and before it finishes (vLLM V1 schedules every running request each step), and
// its context in its k-th decode step is prompt + k. An iteration whose rebuild does not reproduce the
// recorded decodeTokens and decodeKvTokens (a preempted request recomputes) is left out and counted;
// with more than half left out the script stops.
//
// Variants of the decode-attention term (per layer, times the attention layers):
//   table(b, mean)      as priced now: the paged table at (batch, sum/batch)
//   contiguous          the contiguous table at the same point (the locality lower bound: the calibration
//                       shuffles paged block tables, native/gpuModelProfile.cc MakeCache)
//   per-request mean    sum_i T(b, c_i) / b: each request's context at the batch's launch shape
//   table(b, max) x work  T(b, max c) * sum c_i / (b * max c): the launch is sized by the longest context
//                       (native/gpuModelCore.cc passes maxCtxDecode), shorter requests' splits exit early
//   contig T(b,max) x work  both of the above
//   no overhead         the enactment fit's fixed per-iteration overhead removed (term (c))
//   log-log interp      the table interpolated in log(batch), log(context), log(time) (term (d))
// Also prints the calibration's paged-over-contiguous ratio at the grid points the run's batches reach.
// Usage: node bench/gpu/decodeBias.mjs VALIDATION.json RUN.gpu.json.gz PROFILE.json MODEL [POLICY]
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { CalibratedCostModel } from '../../dist/sim/cost/calibrated/CalibratedCostModel.js';
import { emptyIterationCost } from '../../dist/sim/cost/CostModel.js';
import { interpolate2D } from '../../dist/sim/cost/calibrated/interpolate.js';
import { hardwarePreset } from '../../dist/sim/hardware/presets.js';
import { createPolicy } from '../../dist/sim/memory/createPolicy.js';
import { modelPreset } from '../../dist/sim/model/presets.js';

const [valPath, runPath, profilePath, modelName, policyKind = 'paged'] = process.argv.slice(2);
if (!valPath || !runPath || !profilePath || !modelName) {
  console.error('usage: node bench/gpu/decodeBias.mjs VALIDATION.json RUN.gpu.json.gz PROFILE.json MODEL [POLICY]');
  process.exit(2);
}
const v = JSON.parse(readFileSync(valPath, 'utf8')).iterations;
const run = JSON.parse(gunzipSync(readFileSync(runPath)).toString('utf8'));
const profile = JSON.parse(readFileSync(profilePath, 'utf8'));
const model = modelPreset(modelName);
const hardware = hardwarePreset('h100');
const policy = createPolicy(policyKind, { model, hardware, tp: 1 }, { blockSizeTokens: 16 });
const m = new CalibratedCostModel({ model, hardware, tp: 1, pagedKernels: policy.kind === 'paged', allocationMode: policy.allocationMode, profile, profilePath, blockSizeTokens: 16, policyKind: policy.kind });
const layers = model.layers.filter((l) => l.kind === 'attention').length;
// The table the run's kernels are priced with now (paged block 16, or contiguous for vAttention/static).
const paged = policy.kind === 'paged' ? profile.decodeAttention.paged['16'] : profile.decodeAttention.contiguous;
const contiguous = profile.decodeAttention.contiguous;
const enact = profile.enactment[policy.kind];

// --- per-request contexts of every iteration, from the GPU run's request timings ---
const it = run.iterations;
const rq = run.requests;
const n = it.startS.length;
if (n !== v.gpuS.length) throw new Error(`${runPath}: ${n} iterations, ${valPath} has ${v.gpuS.length}`);
const ctxs = Array.from({ length: n }, () => []);
const eps = 1e-9;
for (let r = 0; r < rq.promptTokens.length; r++) {
  let i = lowerBound(it.startS, rq.firstTokenS[r] - eps);
  for (let k = 1; i < n && it.startS[i] < rq.finishS[r] - eps; i++, k++) ctxs[i].push(rq.promptTokens[r] + k);
}
// A preempted request recomputes and decodes again later: the rebuild does not follow it, so an
// iteration whose rebuilt contexts disagree with the recorded counts is left out (and counted).
const rebuilt = new Uint8Array(n);
let unrebuilt = 0;
for (let i = 0; i < n; i++) {
  const s = ctxs[i].reduce((a, b) => a + b, 0);
  rebuilt[i] = ctxs[i].length === v.decodeTokens[i] && s === v.decodeKvTokens[i] ? 1 : 0;
  if (!rebuilt[i] && v.prefillTokens[i] === 0) unrebuilt++;
}
if (unrebuilt > 0.5 * rowsDecodeOnly()) throw new Error(`${runPath}: the contexts of ${unrebuilt} of ${n} decode-only iterations could not be rebuilt (preemptions?)`);

// --- prices ---
const est = { timeS: 0, provenance: 'interpolated' };
const T = (t, b, c) => interpolate2D(t, b, c, est).timeS;
const logLog = (t, b, c) => {
  // Interpolation in log space inside the grid; outside it, the linear rule's value.
  const ia = bracket(t.a, b);
  const ib = bracket(t.b, c);
  if (ia < 0 || ib < 0) return T(t, b, c);
  const fa = Math.log(b / t.a[ia]) / Math.log(t.a[ia + 1] / t.a[ia]);
  const fb = Math.log(c / t.b[ib]) / Math.log(t.b[ib + 1] / t.b[ib]);
  const L = (i, j) => Math.log(t.timeS[i][j]);
  const v0 = L(ia, ib) + fb * (L(ia, ib + 1) - L(ia, ib));
  const v1 = L(ia + 1, ib) + fb * (L(ia + 1, ib + 1) - L(ia + 1, ib));
  return Math.exp(v0 + fa * (v1 - v0));
};
const variants = {
  'now: T(b,mean)': (c, b, mean) => T(paged, b, mean),
  'contiguous T(b,mean)': (c, b, mean) => T(contiguous, b, mean),
  'mean_i T(b,c_i)': (c, b) => c.reduce((a, x) => a + T(paged, b, x), 0) / b,
  'T(b,max)*work': (c, b, mean) => {
    const mx = Math.max(...c);
    return T(paged, b, mx) * (mean / mx);
  },
  'log-log interp': (c, b, mean) => logLog(paged, b, mean),
  'contig T(b,max)*work': (c, b, mean) => {
    const mx = Math.max(...c);
    return T(contiguous, b, mx) * (mean / mx);
  },
};

const out = emptyIterationCost();
const rows = [];
for (let i = 0; i < n; i++) {
  if (v.prefillTokens[i] > 0 || v.decodeTokens[i] === 0 || !rebuilt[i]) continue;
  const agg = {
    batchSize: v.batchSize[i], prefillTokens: 0, decodeTokens: v.decodeTokens[i], prefillRequests: 0,
    prefillAttentionPairs: 0, prefillKvTokens: 0, decodeKvTokens: v.decodeKvTokens[i],
    allocOps: v.allocOps[i], allocTimeS: v.allocTimeS ? v.allocTimeS[i] : v.simStallS[i],
    aheadAllocOps: v.aheadAllocOps ? v.aheadAllocOps[i] : 0, aheadAllocTimeS: 0,
  };
  m.iterationCost(agg, out);
  const b = v.decodeTokens[i];
  const mean = v.decodeKvTokens[i] / b;
  const rest = out.durationS - out.terms.decodeAttentionS;
  const sims = {};
  for (const [k, f] of Object.entries(variants)) sims[k] = rest + layers * f(ctxs[i], b, mean);
  sims['no fixed overhead'] = out.durationS - enact.iterationS;
  const spread = Math.max(...ctxs[i]) / Math.min(...ctxs[i]);
  rows.push({ b, mean, spread, gpu: v.gpuS[i], att: out.terms.decodeAttentionS, rest, sims });
}

const names = Object.keys(rows[0].sims);
const bBuckets = [[1, 1], [2, 2], [3, 4], [5, 8], [9, 16], [17, 1e9]];
const cBuckets = [[0, 2048], [2048, 4096], [4096, 8192], [8192, 1e9]];
const label = ([lo, hi]) => (hi >= 1e9 ? `${lo}+` : lo === hi ? `${lo}` : `${lo}-${hi}`);
const pct = (x) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(2)}%`;
const head = ['batch', 'mean ctx', 'n', 'gpu ms', 'att %', 'gpu-rest/att', ...names];
const w = [6, 9, 6, 7, 6, 12, ...names.map((s) => Math.max(9, s.length))];
const line = (cells) => cells.map((c, j) => String(c).padStart(w[j])).join(' ');
console.log(`${valPath.split('/').pop()}: decode-only iterations, bias = sum(sim-gpu)/sum(gpu) per bucket; repriced with ${profilePath}`);
if (unrebuilt > 0) console.log(`(${unrebuilt} of ${rowsDecodeOnly()} decode-only iterations left out: their contexts could not be rebuilt, preemptions)`);
console.log(`(att % = priced decode attention share of the priced iteration; gpu-rest/att = (measured - every other priced term) / priced decode attention; contexts rebuilt from ${runPath.split('/').pop()})`);
console.log(line(head));
const group = (sel, bl, cl) => {
  const g = rows.filter(sel);
  if (g.length === 0) return;
  const gpu = g.reduce((a, r) => a + r.gpu, 0);
  const att = g.reduce((a, r) => a + r.att, 0) / g.reduce((a, r) => a + r.sims[names[0]], 0);
  const cells = names.map((k) => pct(g.reduce((a, r) => a + r.sims[k] - r.gpu, 0) / gpu));
  // What the measured time leaves for decode attention once every other term is as priced, over the priced attention.
  const implied = (gpu - g.reduce((a, r) => a + r.rest, 0)) / g.reduce((a, r) => a + r.att, 0);
  console.log(line([bl, cl, g.length, (gpu / g.length * 1e3).toFixed(2), (att * 100).toFixed(1), implied.toFixed(3), ...cells]));
};
for (const bb of bBuckets) {
  for (const cb of cBuckets) group((r) => r.b >= bb[0] && r.b <= bb[1] && r.mean >= cb[0] && r.mean < cb[1], label(bb), label(cb));
  group((r) => r.b >= bb[0] && r.b <= bb[1], label(bb), 'all');
}
group(() => true, 'all', 'all');
console.log('by context spread (sp = max/min context in the batch):');
for (const [lo, hi] of [[1, 1.5], [1.5, 3], [3, 10], [10, 1e9]]) {
  for (const bb of bBuckets.slice(2)) group((r) => r.b >= bb[0] && r.b <= bb[1] && r.spread >= lo && r.spread < hi, label(bb), `sp ${label([lo, hi])}`);
}

if (policy.kind === 'paged') {
  const bMax = Math.max(...rows.map((r) => r.b));
  console.log(`calibration: decodeAttention.paged.16 / decodeAttention.contiguous at the grid points (batch <= ${bMax}):`);
  console.log(['batch\\ctx', ...contiguous.b].map((x) => String(x).padStart(9)).join(''));
  const top = contiguous.a.findIndex((a) => a >= bMax);
  for (let i = 0; i <= (top < 0 ? contiguous.a.length - 1 : top); i++) {
    const pr = profile.decodeAttention.paged['16'];
    console.log([contiguous.a[i], ...contiguous.b.map((_, j) => (pr.timeS[i][j] / contiguous.timeS[i][j]).toFixed(2))].map((x) => String(x).padStart(9)).join(''));
  }
}

function lowerBound(xs, x) {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
function bracket(xs, x) {
  if (x < xs[0] || x >= xs[xs.length - 1]) return -1;
  let i = 0;
  while (xs[i + 1] <= x) i++;
  return i;
}
function rowsDecodeOnly() {
  let k = 0;
  for (let i = 0; i < n; i++) if (v.prefillTokens[i] === 0 && v.decodeTokens[i] > 0) k++;
  return k;
}
