// Runs the attention kernels through the N-API addon on the GPU machine (no vitest there): the
// TypeScript self-check (float64 reference, poisoned layouts) and a short `gpu bench kernels`.
// Usage: KVSIM_NATIVE_PATH=<addon.node> node bench/kernels/addon_check.mjs <compiled src dir>
import { pathToFileURL } from 'node:url';
import { join, resolve } from 'node:path';

const dir = resolve(process.argv[2] ?? 'dist');
const mod = async (p) => import(pathToFileURL(join(dir, p)).href);
const { gpuAvailability } = await mod('gpu/gpuAvailability.js');
const { attentionNative } = await mod('gpu/AttentionNative.js');
const { attentionSelfCheck } = await mod('gpu/attentionSelfCheck.js');
const { runKernelBench, formatKernelBench } = await mod('gpu/benchKernels.js');

const gpu = gpuAvailability(0);
if (!gpu.ok) {
  console.log(`SKIP ${gpu.reason}`);
  process.exit(2);
}
const native = attentionNative(gpu.binding);
if (!native) {
  console.log(`SKIP addon at ${gpu.addonPath} has no Attention module (modules: ${gpu.binding.modules})`);
  process.exit(2);
}
let failed = 0;
for (const r of attentionSelfCheck(native, { seed: String(Date.now()) })) {
  console.log(`${r.pass ? 'PASS' : 'FAIL'} addon ${r.name} relerr=${r.relativeError.toExponential(3)} tol=${r.tolerance}`);
  if (!r.pass) failed++;
}
const report = runKernelBench(native, gpu.info, {
  decode: [{ batch: 64, contextLen: 4096 }],
  blockSizes: [16, 256],
  prefill: [{ batch: 4, queryLen: 4096, contextLen: 4096 }],
  reps: 20,
});
console.log(formatKernelBench(report));
process.exit(failed ? 1 : 0);
