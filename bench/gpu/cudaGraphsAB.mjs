// Decode iterations eager vs as CUDA graphs (issue 14 item 4), one GpuModel each way on the same
// paged KV pool: for batch 1..256 at one context, the median of `reps` iterations per size, eager and
// graph measured alternately (eager, graph, eager, graph) so that clock drift cannot bias the ratio;
// hostS (what a serving engine waits) and gpuS (CUDA events), and the padded rows a graph ran.
// Llama-3-8B shapes, bf16, block 16. Run on the GPU machine after bench/gpu/device-prep.sh (uses the
// compiled .device/js): node bench/gpu/cudaGraphsAB.mjs [context=1024] [reps=21]
import { loadNative } from '../../.device/js/src/gpu/loadNative.js';
import { BlockPool } from '../../.device/js/src/gpu/BlockPool.js';
import { GpuModel } from '../../.device/js/src/gpu/GpuModel.js';
import { modelPreset } from '../../.device/js/src/sim/model/presets.js';

const native = loadNative();
if (!native.ok) { console.error(`cudaGraphsAB: addon not loaded: ${native.reason}`); process.exit(2); }
const b = native.binding;
const context = Number(process.argv[2] ?? 1024);
const reps = Number(process.argv[3] ?? 21);
const model = modelPreset('llama-3-8b');
const maxBatch = 256, block = 16, layers = 32, perSeq = Math.ceil((context + 1) / block);
const blocks = maxBatch * perSeq + 1; // the last one is the graph padding rows' block
const pool = new BlockPool(b, { device: 0, layers, blocks, blockBytes: block * 8 * 128 * 2, maxSeqs: maxBatch, maxBlocksPerSeq: perSeq });
const kv = { layout: 'paged', kBase: Array.from({ length: layers }, (_, l) => pool.blockAddress(l, 0, 0)), vBase: Array.from({ length: layers }, (_, l) => pool.blockAddress(l, 1, 0)), maxBlocksPerSeq: perSeq, blockSizeTokens: block };
const common = { model, tp: 1, maxTokens: 8192, maxBatch, maxContext: context + 1, stateSlots: 0 };
const eager = new GpuModel(b, { ...common, kv });
const graphs = new GpuModel(b, { ...common, kv: { ...kv, padBlock: blocks - 1 }, cudaGraphs: true });
const med = (xs) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
const us = (s) => (s * 1e6).toFixed(1);
try {
  console.log(`cudaGraphsAB: llama-3-8b decode, context ${context}, block ${block}, ${reps} reps; eager vs CUDA graph (host = what the engine waits, gpu = events)`);
  for (const batch of [1, 2, 3, 4, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256]) {
    const it = { prefill: new Int32Array(batch), decode: new Int32Array(batch).fill(1), context: new Int32Array(batch).fill(context), kvSlot: Int32Array.from({ length: batch }, (_, i) => i), blockTable: Int32Array.from({ length: batch * perSeq }, (_, k) => Math.floor(k / perSeq) * perSeq + (k % perSeq)) };
    const e = [], g = [];
    let padded = 0, captureS = 0;
    for (let r = 0; r < reps + 2; r++) {
      const a = eager.run(it);
      const c = graphs.run(it);
      if (!c.graph) throw new Error(`batch ${batch}: the graph model ran eagerly`);
      padded = c.paddedRows;
      captureS += c.captureS ?? 0;
      if (r >= 2) { e.push(a); g.push(c); } // the first two: warm-up (and the lazy capture)
    }
    const eh = med(e.map((x) => x.hostS)), gh = med(g.map((x) => x.hostS));
    const eg = med(e.map((x) => x.gpuS)), gg = med(g.map((x) => x.gpuS));
    console.log(`batch ${String(batch).padStart(3)} (graph rows ${String(padded).padStart(3)}): host eager ${us(eh)} us, graph ${us(gh)} us, ratio ${(gh / eh).toFixed(3)} | gpu eager ${us(eg)} us, graph ${us(gg)} us, ratio ${(gg / eg).toFixed(3)} | capture ${(captureS * 1e3).toFixed(0)} ms`);
  }
} finally {
  eager.destroy();
  graphs.destroy();
  pool.destroy();
}
