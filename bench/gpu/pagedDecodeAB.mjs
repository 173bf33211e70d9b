// Paged vs contiguous decode attention, measured alternately (contiguous, paged, contiguous, paged) so
// that clock or order drift cannot bias the ratio, through calibration's own path (GpuModel.time
// 'decode', native/gpuModelProfile.cc) with shuffled and ascending block tables, and through the
// standalone kernel bench (attentionBench) on the same shape. Why: calibration measures paged decode at
// 1.1-1.2x contiguous at batch 2-16 x context >= 2k while replays run paged decode about as fast as the
// contiguous table predicts (README, "How much the GPU itself moves"). Run on the GPU machine after
// bench/gpu/device-prep.sh (uses the compiled .device/js). Llama-3-8B shapes, bf16, block 16.
import { loadNative } from '../../.device/js/src/gpu/loadNative.js';
import { GpuModel } from '../../.device/js/src/gpu/GpuModel.js';
import { modelPreset } from '../../.device/js/src/sim/model/presets.js';

const native = loadNative();
if (!native.ok) { console.error(`pagedDecodeAB: addon not loaded: ${native.reason}`); process.exit(2); }
const b = native.binding;
const m = new GpuModel(b, { model: modelPreset('llama-3-8b'), tp: 1, maxTokens: 64, maxBatch: 32, maxContext: 16384, kv: { layout: 'none' }, stateSlots: 0, profileOnly: true });
const us = (s) => (s * 1e6).toFixed(1);
try {
  for (const [B, C] of [[4, 4096], [8, 4096], [8, 16384], [16, 4096], [16, 8192], [32, 4096]]) {
    for (const order of [0, 1]) {
      const t = (paged) => m.time('decode', { batch: B, context: C, paged, blockSize: 16, ...(order ? { blockOrder: 1 } : {}), reps: 31 });
      const c1 = t(0), p1 = t(1), c2 = t(0), p2 = t(1);
      let bench = '';
      if (order === 0 && typeof b.attentionBench === 'function') {
        const ab = (layout) => b.attentionBench({ device: 0, kind: 'decode', dtype: 1, numQHeads: 32, numKvHeads: 8, headDim: 128, softmaxScale: 1 / Math.sqrt(128), layout, blockSizeTokens: 16, batch: B, contextLen: C, queryLen: 1, causal: true, copyBytes: 0, warmup: 5, reps: 31 }).medianMs * 1e3;
        const a0 = ab(0), a1 = ab(1);
        bench = ` | attentionBench contiguous ${a0.toFixed(1)} us, paged16 ${a1.toFixed(1)} us, ratio ${(a1 / a0).toFixed(3)}`;
      }
      console.log(`${B}x${C} ${order ? 'ascending' : 'shuffled '} calibration path: contiguous ${us(c1)}/${us(c2)} us, paged16 ${us(p1)}/${us(p2)} us, ratio ${((p1 + p2) / (c1 + c2)).toFixed(3)}${bench}`);
    }
  }
} finally {
  m.destroy();
}
