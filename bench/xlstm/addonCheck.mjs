// Runs the xLSTM kernels through the N-API addon on the GPU machine (no vitest there): the same
// TypeScript self-check as test/gpu/xlstm.gpu.test.ts (float64 reference, fresh random inputs,
// untouched slots, a tampered call that must fail) and a few benchmarks through the binding.
// Usage: KVSIM_NATIVE_PATH=<addon.node> node bench/xlstm/addonCheck.mjs <compiled src dir>
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const dir = resolve(process.argv[2] ?? 'dist');
const mod = async (p) => import(pathToFileURL(join(dir, p)).href);
const { gpuAvailability } = await mod('gpu/gpuAvailability.js');
const { xlstmNative } = await mod('gpu/XlstmNative.js');
const { checkXlstmCase, DEFAULT_XLSTM_CHECKS } = await mod('gpu/xlstmSelfCheck.js');
const { benchXlstm } = await mod('gpu/xlstmKernels.js');

const gpu = gpuAvailability(0);
if (!gpu.ok) {
  console.log(`SKIP ${gpu.reason}`);
  process.exit(2);
}
const native = xlstmNative(gpu.binding);
if (!native) {
  console.log(`SKIP addon has no Xlstm module (modules: ${gpu.binding.modules})`);
  process.exit(2);
}
let failed = 0;
DEFAULT_XLSTM_CHECKS.forEach((c, i) => {
  const r = checkXlstmCase(native, c, `${Date.now()}:${i}`);
  console.log(`${r.pass ? 'PASS' : 'FAIL'} addon ${r.name} errOut=${r.errOut.toExponential(2)} (<=${r.tolOut}) errState=${r.errState.toExponential(2)} (<=${r.tolState}) untouched=${r.untouchedOk}`);
  if (!r.pass) failed++;
});
const swap = (o) => { [o.slots[0], o.slots[1]] = [o.slots[1], o.slots[0]]; };
for (const i of [1, 5]) {
  const r = checkXlstmCase(native, DEFAULT_XLSTM_CHECKS[i], 'fixed', swap);
  console.log(`${r.pass ? 'FAIL (tampered call passed)' : 'PASS (tampered call caught)'} addon swap-slots ${r.name} errOut=${r.errOut.toExponential(2)}`);
  if (r.pass) failed++;
}
const copy = benchXlstm(native, { kind: 'copy' });
console.log(`| binding bench | time us | GB/s | % of copy | TFLOP/s |\n|---|---|---|---|---|`);
const row = (name, r) => console.log(`| ${name} | ${(r.medianMs * 1e3).toFixed(1)} | ${r.gbPerS.toFixed(0)} | ${((100 * r.gbPerS) / copy.gbPerS).toFixed(1)} | ${r.tflopPerS ? r.tflopPerS.toFixed(2) : '-'} |`);
row('device copy 1 GiB', copy);
row('mLSTM step f32 state B=128 H8 256x512', benchXlstm(native, { kind: 'mlstmStep', batch: 128 }));
row('mLSTM step bf16 state B=128 H8 256x512', benchXlstm(native, { kind: 'mlstmStep', batch: 128, stateDtype: 'bf16' }));
row('mLSTM prefill f32 state B=4 S=4096', benchXlstm(native, { kind: 'mlstmPrefill', batch: 4, seqLen: 4096, reps: 10 }));
row('sLSTM step f32 state B=64 H4 dh512', benchXlstm(native, { kind: 'slstmStep', batch: 64, heads: 4 }));
process.exit(failed ? 1 : 0);
