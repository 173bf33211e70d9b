// First-of-shape cost on the GPU executor: does the first iteration with a given token count take
// longer than later ones with the same count? (Every iteration in the top 1% of per-iteration errors
// of the committed H100 validation runs is the first of its token count in its run; see README "GPU tests".)
//   node bench/gpu/firstShape.mjs trace OUT.jsonl          writes the probe trace: each prompt length
//                                                          3 times (twice in a row, once after all others)
//   node bench/gpu/firstShape.mjs report V.validation.json prints, per prompt length, the GPU time of
//                                                          each occurrence and first/second, first/third
import { readFileSync, writeFileSync } from 'node:fs';

const PROMPTS = [37, 91, 200, 333, 517, 1000, 1500, 2900];
const [mode, file] = process.argv.slice(2);
if (mode === 'trace' && file) {
  const order = [...PROMPTS.flatMap((p) => [p, p]), ...PROMPTS];
  // 5 s apart (simulated time): each request runs alone, prefill then one decode step.
  writeFileSync(file, order.map((p, i) => JSON.stringify({ arrivalS: 5 * i, promptTokens: p, outputTokens: 2 })).join('\n') + '\n');
  console.log(`wrote ${file}: ${order.length} requests`);
} else if (mode === 'report' && file) {
  const it = JSON.parse(readFileSync(file, 'utf8')).iterations;
  const byPrompt = new Map();
  for (let i = 0; i < it.gpuS.length; i++) {
    if (it.batchSize[i] !== 1 || it.prefillTokens[i] === 0) continue;
    const list = byPrompt.get(it.prefillTokens[i]) ?? [];
    list.push({ gpuMs: it.gpuS[i] * 1e3, simMs: it.simS[i] * 1e3 });
    byPrompt.set(it.prefillTokens[i], list);
  }
  console.log('prompt | GPU ms per occurrence (sim ms) | first/second | first/third');
  for (const [p, l] of [...byPrompt].sort((a, b) => a[0] - b[0])) {
    const r = (a, b) => (l[a] && l[b] ? (l[a].gpuMs / l[b].gpuMs).toFixed(2) : '-');
    console.log(`${p} | ${l.map((x) => `${x.gpuMs.toFixed(2)} (${x.simMs.toFixed(2)})`).join(', ')} | ${r(0, 1)} | ${r(0, 2)}`);
  }
} else {
  process.stderr.write('firstShape: expected `trace OUT.jsonl` or `report VALIDATION.json`\n');
  process.exit(1);
}
