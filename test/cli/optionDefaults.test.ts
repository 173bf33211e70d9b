import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import yargs, { type Argv, type CommandModule } from 'yargs';
import { memoryCommand } from '../../src/cli/memory.js';
import { replayCommand } from '../../src/cli/replay.js';
import { reportCommand } from '../../src/cli/report.js';
import { schedulerDefault } from '../../src/cli/optionDefaults.js';
import { resolveReportOptions } from '../../src/report/ReportOptions.js';
import { hardwarePreset, HARDWARE_PRESET_NAMES } from '../../src/sim/hardware/presets.js';
import { resolvePagedOptions } from '../../src/sim/memory/PagedOptions.js';
import { resolveVAttentionOptions } from '../../src/sim/memory/VAttentionOptions.js';
import { modelPreset } from '../../src/sim/model/presets.js';
import { resolveSchedulerOptions, SCHEDULER_KINDS } from '../../src/sim/scheduler/SchedulerOptions.js';
import { simulate } from '../../src/sim/engine/simulate.js';
import { runsToJson } from '../../src/sim/metrics/runsToJson.js';
import { openTrace } from '../../src/sim/trace/openTrace.js';
import { runKvsim } from './runKvsim.js';

/** A command's --help text, unwrapped (yargs' public getHelp on a parser its builder configured). */
async function help(command: CommandModule<object, never>): Promise<string> {
  const builder = command.builder as (y: Argv) => Argv;
  return (await builder(yargs([]).wrap(null)).getHelp()).replace(/\s+/g, ' ');
}

describe('defaults in --help come from the resolve functions', () => {
  it('scheduler defaults: the common value, then every (scheduler, GPU) exception, as resolveSchedulerOptions gives them', () => {
    for (const key of ['maxNumSeqs', 'maxNumBatchedTokens', 'tokenBudget'] as const) {
      const [common, ...exceptions] = schedulerDefault(key).split('; ');
      const named = new Map<string, string>();
      for (const e of exceptions) {
        const [, value, who] = /^(\S+) under (.+)$/.exec(e)!;
        // "vllm on a, b, vllm-v0" -> pairs; a bare scheduler name covers every GPU.
        let kind = '';
        for (const part of who.split(', ')) {
          const on = /^(\S+) on (\S+)$/.exec(part);
          if (on) [, kind] = on;
          const gpus = on ? [on[2]] : (SCHEDULER_KINDS as readonly string[]).includes(part) ? ((kind = part), HARDWARE_PRESET_NAMES) : [part];
          for (const g of gpus) named.set(`${kind} ${g}`, value);
        }
      }
      for (const kind of SCHEDULER_KINDS) {
        for (const gpu of HARDWARE_PRESET_NAMES) {
          const hw = hardwarePreset(gpu);
          const want = String(resolveSchedulerOptions({}, kind, { gpuMemoryBytes: hw.memoryBytes, gpuName: hw.name })[key]);
          expect(named.get(`${kind} ${gpu}`) ?? common, `${key} ${kind} ${gpu}`).toBe(want);
        }
      }
    }
    // vLLM V1 on an H100 runs 1024 sequences: the old help said 256 for every scheduler.
    expect(schedulerDefault('maxNumSeqs')).toContain('1024 under vllm');
  });

  it('replay, memory and report --help show what the resolve functions fill in', async () => {
    const m = modelPreset('llama-3-8b');
    const paged = resolvePagedOptions({}, m);
    const vattention = resolveVAttentionOptions({}, m);
    const replay = await help(replayCommand as never);
    expect(replay).toContain(`paged block size in tokens, 1-256 (default ${paged.blockSizeTokens})`);
    expect(replay).toContain(`or a multiple of 2M (default ${vattention.pageSizeBytes / 2 ** 20}M)`);
    expect(replay).toContain(`(default ${vattention.mapping})`);
    expect(replay).toContain(`(default ${vattention.layout})`);
    expect(replay).toContain(`most running requests (default ${schedulerDefault('maxNumSeqs')})`);
    expect(replay).toContain(`(0, 1] (default ${paged.gpuMemoryUtilization})`);
    const report = await help(reportCommand as never);
    const r = resolveReportOptions({});
    expect(report).toContain(`(default "${r.title}")`);
    expect(report).toContain(`per latency CDF line (default ${r.maxPointsPerSeries})`);
    expect(report).toContain(`seconds (default ${r.slo.ttftS})`);
    expect(report).not.toMatch(/\[default: (400|300|2|0\.1)\]/);
    expect(await help(memoryCommand as never)).toContain(`--gpu-memory-utilization; default ${paged.gpuMemoryUtilization})`);
  });

  it('report without the flags gets resolveReportOptions\' defaults; a bad flag is still named', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvsim-report-defaults-'));
    try {
      const runFile = join(dir, 'run.json');
      const run = await simulate({ trace: await openTrace('synthetic:conv', { count: 5 }), model: 'llama-3-8b', hardware: 'h100', policy: 'paged' });
      writeFileSync(runFile, runsToJson([run]));
      const ok = await runKvsim(['report', runFile, '-o', join(dir, 'r.html')]);
      expect(ok.code, ok.err).toBe(0);
      expect(readFileSync(join(dir, 'r.html'), 'utf8')).toContain(`<title>${resolveReportOptions({}).title}</title>`);
      const bad = await runKvsim(['report', runFile, '-o', join(dir, 'r2.html'), '--max-points', '3']);
      expect(bad.code).toBe(2);
      expect(bad.err).toMatch(/--max-points/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
