// The vAttention paper's max-batch comparison, 64 KiB vs 2 MiB pages, computed by kvsim.
// Run: npm run build && node bench/vattentionMaxBatch.js
// Setup (github.com/microsoft/vattention scripts/artifact_asplos25): A100 80GB, Yi-6B TP-1,
// Llama-3-8B and Yi-34B TP-2, gpu_memory_utilization 0.9. The request lengths behind the paper's
// table are not in the artifact; rows below give fixed lengths and seeded uniform spreads.
import { PAPER_SETUPS, paperMaxBatch, uniformLengths } from '../dist/sim/memory/vattention/paperMaxBatch.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const workloads = [
  ['fixed 1536 tokens', new Array(1000).fill(1536)],
  ['fixed 4096 tokens', new Array(1000).fill(4096)],
  ['uniform 2048-6143 (seed 7)', uniformLengths(1000, 2048, 6143, 7)],
  ['uniform 1-8191 (seed 7)', uniformLengths(1000, 1, 8191, 7)],
];
console.log('| model (TP) | workload | kvsim 64 KiB | kvsim 2 MiB | ratio | paper 64 KiB | paper 2 MiB | paper ratio |');
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const s of PAPER_SETUPS) {
  for (const [name, lengths] of workloads) {
    const a = paperMaxBatch(s, 64 * KiB, lengths);
    const b = paperMaxBatch(s, 2 * MiB, lengths);
    const p = s.paper;
    console.log(`| ${s.model} (TP-${s.tp}) | ${name} | ${a} | ${b} | ${(a / b).toFixed(3)} | ${p.page64KiB} | ${p.page2MiB} | ${(p.page64KiB / p.page2MiB).toFixed(3)} |`);
  }
}
