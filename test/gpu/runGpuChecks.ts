/**
 * The GPU checks as a plain Node script (no vitest), for the GPU machine where only node, the addon
 * and this compiled file travel:
 *   node <compiled>/test/gpu/runGpuChecks.js [outDir]
 * Runs the arena mechanics, the enactment replays (Azure conv, truncated) and `bench vmm`; writes
 * gpu-checks.json and vmm.json into outDir (default: cwd); prints a table last; exit 1 on any failure,
 * 2 when no GPU is usable (with the one-line reason).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatVmmBench } from '../../src/gpu/formatVmmBench.js';
import { gpuAvailability } from '../../src/gpu/gpuAvailability.js';
import { runVmmBench } from '../../src/gpu/runVmmBench.js';
import { checkArenaMechanics } from './checks/arenaChecks.js';
import { azureConvHead } from './checks/azureConvHead.js';
import { checkPagedEnactment, checkVAttentionEnactment } from './checks/enactmentChecks.js';
import { GPU_CHECK_REQUESTS, GPU_CHECK_MAX_OUTPUT } from './checks/replayScale.js';

const outDir = process.argv[2] ?? '.';
const a = gpuAvailability(0);
if (!a.ok) {
  process.stderr.write(`gpu checks skipped: ${a.reason}. Fix: ${a.fix}\n`);
  process.exit(2);
}
const { binding, info } = a;
const startFree = binding.memInfo(info.device).freeBytes;
const results: { name: string; ok: boolean; seconds: number; detail: unknown }[] = [];

function run(name: string, fn: () => unknown): void {
  const t0 = performance.now();
  try {
    const detail = fn();
    results.push({ name, ok: true, seconds: (performance.now() - t0) / 1e3, detail });
  } catch (err) {
    results.push({ name, ok: false, seconds: (performance.now() - t0) / 1e3, detail: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  }
  const r = results[results.length - 1];
  process.stdout.write(`${r.ok ? 'PASS' : 'FAIL'} ${name} (${r.seconds.toFixed(1)} s)${r.ok ? '' : `\n${String(r.detail)}`}\n`);
}

const requests = azureConvHead(GPU_CHECK_REQUESTS).map((r) => ({ ...r, outputTokens: Math.min(r.outputTokens, GPU_CHECK_MAX_OUTPUT) }));
run('arena mechanics + errors + OOM teardown', () => checkArenaMechanics(binding, info));
let benchText = '';
run('bench vmm (2/4/8/32 MiB) + leak check', () => {
  const report = runVmmBench(binding, info, {});
  writeFileSync(join(outDir, 'vmm.json'), `${JSON.stringify(report, null, 2)}\n`);
  benchText = formatVmmBench(report);
  for (const row of report.rows) if (row.freeBytesDelta !== 0) throw new Error(`bench leaked ${row.freeBytesDelta} bytes at page ${row.pageSizeBytes}`);
  if (report.freeBytesAfter !== report.freeBytesBefore) throw new Error(`bench changed free memory by ${report.freeBytesAfter - report.freeBytesBefore} bytes`);
  return { rows: report.rows.length };
});
run('enact vattention (upfront pool, sync)', () => checkVAttentionEnactment(binding, info, requests, 'upfront', 'sync'));
run('enact vattention (on-demand pages, overlapped thread)', () => checkVAttentionEnactment(binding, info, requests, 'onDemand', 'overlapped'));
run('enact paged (block pool + device block table)', () => checkPagedEnactment(binding, info, requests));
const endFree = binding.memInfo(info.device).freeBytes;
run('whole run leaves device free memory as found', () => {
  if (endFree !== startFree) throw new Error(`free memory ${startFree} -> ${endFree}`);
  return { freeBytes: endFree };
});
writeFileSync(
  join(outDir, 'gpu-checks.json'),
  `${JSON.stringify({ card: info.name, driverVersion: info.driverVersion, dateUtc: new Date().toISOString(), requests: requests.length, results }, null, 2)}\n`,
);
process.stdout.write(`\n${benchText}\n\n`);
process.stdout.write(`GPU checks on ${info.name} (Azure conv first ${requests.length} requests, outputs capped at ${GPU_CHECK_MAX_OUTPUT}):\n`);
for (const r of results) {
  const d = r.detail as
    | { iterationsChecked?: number; iterationsQueried?: number; preempted?: number; ops?: number; peakAllocatedBytes?: number; deviceQueryMs?: number; handleMismatches?: number }
    | undefined;
  const extra = r.ok && d && d.iterationsChecked !== undefined
    ? ` iterations=${d.iterationsChecked} queried=${d.iterationsQueried ?? '-'} ops=${d.ops} preempted=${d.preempted} peak=${((d.peakAllocatedBytes ?? 0) / 2 ** 20).toFixed(0)}MiB` +
      ` query=${(d.deviceQueryMs ?? 0).toFixed(2)}ms handleMismatches=${d.handleMismatches ?? '-'}`
    : '';
  process.stdout.write(`  ${r.ok ? 'PASS' : 'FAIL'}  ${r.name}  ${r.seconds.toFixed(1)} s${extra}\n`);
}
process.exitCode = results.every((r) => r.ok) ? 0 : 1;
