#!/usr/bin/env node
// The prefill crossover from two logs of one device call, when the addon is not built there:
//   node bench/gpu/prefillCrossoverLogs.mjs KERNELS_SWEEP_LOG XLSTM_SWEEP_LOG [CARD]
// KERNELS_SWEEP_LOG: `bench/kernels/build/kernels_check sweep` (the `contig` rows: kvsim's default causal
// prefill kernel, one Llama-3-8B layer, one request, bf16); XLSTM_SWEEP_LOG: `bench/xlstm/build/xlstm_bench
// --prefill-sweep` (tfla as xlstm_mlstm_prefill picks it, one xLSTM-7B layer, one request, bf16 in, fp32
// state). Prints the table and crossover with the same code as `kvsim gpu bench kernels --crossover`
// (dist/gpu/prefillCrossover.js; run `npm run build` first).
import { readFileSync } from 'node:fs';
import { findCrossovers, formatPrefillCrossover, resolvePrefillCrossoverOptions } from '../../dist/gpu/prefillCrossover.js';

const [kernelsLog, xlstmLog, card = 'the card in the logs'] = process.argv.slice(2);
if (!kernelsLog || !xlstmLog) {
  console.error('usage: node bench/gpu/prefillCrossoverLogs.mjs KERNELS_SWEEP_LOG XLSTM_SWEEP_LOG [CARD]');
  process.exit(2);
}
const attention = new Map();
readFileSync(kernelsLog, 'utf8').split('\n').forEach((line, i) => {
  const m = /^BENCH prefill contig +causal bf16 B=1 q=(\d+) prefix=0 .* ms=([\d.]+)/.exec(line);
  if (m) attention.set(Number(m[1]), Number(m[2]));
  else if (/^BENCH prefill contig /.test(line)) throw new Error(`${kernelsLog}:${i + 1}: a contig row this script cannot read: ${line}`);
});
const mlstm = new Map();
readFileSync(xlstmLog, 'utf8').split('\n').forEach((line) => {
  const m = /^SWEEP mlstm tfla B=1 S=(\d+) us=([\d.]+)/.exec(line);
  if (m) mlstm.set(Number(m[1]), Number(m[2]) / 1000);
});
const seqLens = [...attention.keys()].filter((s) => mlstm.has(s)).sort((a, b) => a - b);
if (seqLens.length < 2) {
  console.error(`fewer than two prompt lengths in both logs (attention: ${[...attention.keys()].join(', ') || 'none'}; mLSTM: ${[...mlstm.keys()].join(', ') || 'none'})`);
  process.exit(1);
}
const rows = seqLens.map((seqLen) => ({ seqLen, attentionMs: attention.get(seqLen), mlstmMs: mlstm.get(seqLen), mlstmOverAttention: mlstm.get(seqLen) / attention.get(seqLen) }));
const options = { ...resolvePrefillCrossoverOptions({ seqLens, dtype: 'bf16' }), reps: 20 };
console.log(formatPrefillCrossover({ card, dateUtc: 'the logs\' date', options, rows, crossovers: findCrossovers(rows) }));
console.log('(from kernels_check sweep + xlstm_bench --prefill-sweep in one device call: attention median of 20, mLSTM median of 15)');
