#!/usr/bin/env node
// The prefill crossover from two logs of one device call, when the addon is not built there:
//   node bench/gpu/prefillCrossoverLogs.mjs KERNELS_SWEEP_LOG XLSTM_SWEEP_LOG [CARD]
// KERNELS_SWEEP_LOG: `bench/kernels/build/kernels_check sweep` (the `contig` rows: kvsim's default causal
// prefill kernel, one Llama-3-8B layer, one request, bf16); XLSTM_SWEEP_LOG: `bench/xlstm/build/xlstm_bench
// --prefill-sweep` (tfla as xlstm_mlstm_prefill picks it, one xLSTM-7B layer, one request, bf16 in, fp32
// state). Prints the table and crossover with the same code as `kvsim gpu bench kernels --crossover`
// (dist/gpu/prefillCrossover.js; `npm ci` or `npm run build` makes it).
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { findCrossovers, formatPrefillCrossover, resolvePrefillCrossoverOptions } from '../../dist/gpu/prefillCrossover.js';

/** Attention ms per prompt length from the `contig` rows of `kernels_check sweep`; other rows are skipped. */
export function parseKernelsSweep(text, file) {
  const ms = new Map();
  text.split('\n').forEach((line, i) => {
    const m = /^BENCH prefill contig +causal bf16 B=1 q=(\d+) prefix=0 .* ms=([\d.]+)/.exec(line);
    if (m) ms.set(Number(m[1]), Number(m[2]));
    else if (/^BENCH prefill contig /.test(line)) throw new Error(`${file}:${i + 1}: a contig row that is not one bf16 causal request without prefix: ${line}`);
  });
  return ms;
}

/** mLSTM ms per prompt length from the SWEEP lines of `xlstm_bench --prefill-sweep`. */
export function parseXlstmSweep(text) {
  const ms = new Map();
  for (const line of text.split('\n')) {
    const m = /^SWEEP mlstm tfla B=1 S=(\d+) us=([\d.]+)/.exec(line);
    if (m) ms.set(Number(m[1]), Number(m[2]) / 1000);
  }
  return ms;
}

/**
 * The median count of the SWEEP lines (`reps=N`, printed since 2026-12-07), or null when the log's lines do not
 * say (older logs; the header then says so instead of borrowing the attention sweep's count).
 */
export function xlstmSweepReps(text) {
  const counts = new Set();
  for (const line of text.split('\n')) {
    const m = /^SWEEP mlstm tfla .* reps=(\d+)/.exec(line);
    if (m) counts.add(Number(m[1]));
  }
  return counts.size === 1 ? [...counts][0] : null;
}

/** The report over the lengths both logs have; throws when fewer than two. */
export function crossoverFromSweeps(attention, mlstm, card, mlstmReps) {
  const seqLens = [...attention.keys()].filter((s) => mlstm.has(s)).sort((a, b) => a - b);
  if (seqLens.length < 2) {
    throw new Error(`fewer than two prompt lengths in both logs (attention: ${[...attention.keys()].join(', ') || 'none'}; mLSTM: ${[...mlstm.keys()].join(', ') || 'none'})`);
  }
  const rows = seqLens.map((seqLen) => ({ seqLen, attentionMs: attention.get(seqLen), mlstmMs: mlstm.get(seqLen), mlstmOverAttention: mlstm.get(seqLen) / attention.get(seqLen) }));
  const options = { ...resolvePrefillCrossoverOptions({ seqLens, dtype: 'bf16' }), reps: 20 };
  // The kernels sweep times a median of 20 (bench/kernels/benches.cu); xlstm_bench says its own count.
  return { card, dateUtc: "the logs' date", options, mlstmReps, rows, crossovers: findCrossovers(rows) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [kernelsLog, xlstmLog, card = 'the card in the logs'] = process.argv.slice(2);
  if (!kernelsLog || !xlstmLog) {
    console.error('usage: node bench/gpu/prefillCrossoverLogs.mjs KERNELS_SWEEP_LOG XLSTM_SWEEP_LOG [CARD]');
    process.exit(2);
  }
  try {
    const xlstmText = readFileSync(xlstmLog, 'utf8');
    const report = crossoverFromSweeps(parseKernelsSweep(readFileSync(kernelsLog, 'utf8'), kernelsLog), parseXlstmSweep(xlstmText), card, xlstmSweepReps(xlstmText));
    console.log(formatPrefillCrossover(report));
    console.log('(from kernels_check sweep + xlstm_bench --prefill-sweep in one device call)');
  } catch (e) {
    console.error(`prefillCrossoverLogs: ${e.message}`);
    process.exit(1);
  }
}
