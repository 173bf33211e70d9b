import { ITERATION_PHASES, PHASE_LABEL } from './iterationPhase.js';
import type { GroupErrors, PerPhaseErrors } from './phaseErrors.js';
import type { DivergentRequest, ReplayDivergence } from './firstDivergence.js';
import type { LatencyPart, ReplayDrift } from './replayDrift.js';

const pct = (x: number) => (Number.isNaN(x) ? '-' : `${(x * 100).toFixed(2)}%`);
const signedPct = (x: number) => (Number.isNaN(x) ? '-' : `${x >= 0 ? '+' : ''}${(x * 100).toFixed(2)}%`);
const ms = (s: number) => `${s >= 0 ? '+' : ''}${(s * 1e3).toFixed(2)} ms`;

function groupLine(name: string, g: GroupErrors): string {
  const time = g.count > 0 ? `, time ${ms(g.signedTotalS)} of ${g.gpuTotalS.toFixed(3)} s (${signedPct(g.signedTotalS / g.gpuTotalS)})` : '';
  return `  ${name.padEnd(21)} n=${String(g.count).padEnd(6)} median ${pct(g.median)}, p95 ${pct(g.p95)}, p99 ${pct(g.p99)}, bias ${signedPct(g.meanSigned)}${time}`;
}

/** Per-phase errors, one line per group: what `kvsim validate` and bench/gpu/divergence.mjs print. */
export function formatPhaseErrors(p: PerPhaseErrors): string {
  const lines = ['per phase |sim-gpu|/gpu on the GPU\'s own plans (time: sum of sim-gpu over the group, of its measured time):'];
  for (const ph of ITERATION_PHASES) lines.push(groupLine(PHASE_LABEL[ph], p[ph]));
  if (p.allocation) lines.push(groupLine('with allocation work', p.allocation));
  lines.push(groupLine('first of token count', p.firstOfTokenCount));
  lines.push(groupLine('repeated token count', p.repeatedTokenCount));
  if (p.withoutEnactment) lines.push(groupLine('all, no enactment', p.withoutEnactment));
  return `${lines.join('\n')}\n`;
}

function requestLine(r: DivergentRequest, d: ReplayDivergence): string {
  const it = (x: number | null) => (x === null ? 'never' : `iteration ${x}`);
  const head = `request ${r.index} (arrived ${r.arrivalS.toFixed(4)} s, preempted ${r.simPreemptions}x in the simulator, ${r.gpuPreemptions}x on the GPU)`;
  switch (r.decision) {
    case 'admitted': {
      const j = Math.min(r.simIteration!, r.gpuIteration!);
      const late = r.simIteration! > r.gpuIteration! ? 'simulator' : 'GPU';
      const early = late === 'GPU' ? 'simulator' : 'GPU';
      const why =
        r.arrivedBeforeSim && r.arrivedBeforeGpu
          ? `it was waiting in both at iteration ${j}: the ${late} kept it waiting (token budget, batch or memory)`
          : !r.arrivedBeforeSim && !r.arrivedBeforeGpu
            ? 'it arrived after both replays began that iteration'
            : `it arrived after the ${late}'s iteration ${j} began but before the ${early}'s: a clock difference`;
      return `${head}: admitted in ${it(r.simIteration)} by the simulator, ${it(r.gpuIteration)} on the GPU; ${why}`;
    }
    case 'first-token':
      return `${head}: same admission, first token in ${it(r.simIteration)} by the simulator, ${it(r.gpuIteration)} on the GPU (prefill chunked or cached differently)`;
    case 'finished':
      return `${head}: finished in ${it(r.simIteration)} by the simulator, ${it(r.gpuIteration)} on the GPU`;
    case 'preempted':
      return `${head}: preempted a different number of times${r.simIteration !== null ? `; its events moved from ${it(r.gpuIteration)} (GPU) to ${it(r.simIteration)} (simulator)` : ` (running at iteration ${d.iteration} in both)`}`;
    case 'dropped':
      return `${head}: served by one replay only (simulator ${it(r.simIteration)}, GPU ${it(r.gpuIteration)})`;
  }
}

function partText(name: string, p: LatencyPart): string {
  return `${name} ${ms(p.diffMeanS)} (GPU ${(p.gpuMeanS * 1e3).toFixed(1)} ms, ${signedPct(p.diffMeanS / p.gpuMeanS)})`;
}

/** The independent replays compared: first divergence, busy time by phase, latency by part. */
export function formatDrift(drift: ReplayDrift): string {
  const d = drift.divergence;
  const t = drift.timeByPhase;
  const busy = [...ITERATION_PHASES, 'idle' as const].map((p) => `${p === 'idle' ? 'idle' : PHASE_LABEL[p]} ${ms(t[p].simS - t[p].gpuS)}`).join(', ');
  const lines = [`independent replays: ${d.simIterations} simulator / ${d.gpuIterations} GPU iterations; time sim-gpu by phase: ${busy}`];
  if (d.iteration === null) {
    lines.push('  the two schedules agree at every iteration (batch size, prefill and decode tokens)');
  } else {
    const shape = (s: ReplayDivergence['sim']) => (s ? `batch ${s.batchSize} (${s.prefillTokens} prefill + ${s.decodeTokens} decode tokens)` : 'none (ended)');
    lines.push(`  first divergence at iteration ${d.iteration} (the ${d.iteration} before agree in batch, prefill and decode tokens): simulator ${shape(d.sim)}, GPU ${shape(d.gpu)}`);
    if (d.request) lines.push(`  ${requestLine(d.request, d)}`);
    else lines.push('  no request\'s admission, first token, finish or preemption count explains it');
    const l = d.leadByPhaseS;
    lines.push(`  clock there: simulator ${ms(d.clockLeadS!)} vs GPU (${d.clockLeadS! >= 0 ? 'late' : 'early'}); from ${ITERATION_PHASES.map((p) => `${PHASE_LABEL[p]} ${ms(l[p])}`).join(', ')}, idle ${ms(l.idle)}`);
    lines.push(`  over the run: ${d.requestsInOtherCohort} of ${d.requests} requests admitted with other companions, ${d.requestsWithOtherPreemptions} preempted a different number of times`);
  }
  const lp = drift.latencyParts;
  lines.push(`  latency, mean sim-gpu over ${lp.requests} requests: ${partText('wait', lp.waitS)}, ${partText('prefill', lp.prefillS)}, ${partText('decode', lp.decodeS)}`);
  return `${lines.join('\n')}\n`;
}
