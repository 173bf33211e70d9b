import type { CommandModule } from 'yargs';
import { openTrace } from '../sim/trace/openTrace.js';
import type { PrefixSharingStats } from '../sim/trace/PrefixSharingCounter.js';
import { type LengthStats, traceStats, type TraceStats } from '../sim/trace/traceStats.js';
import { addTraceOptions, reportSkipped, type TraceArgs, traceOptionsFromArgs, withRowProgress } from './traceArgs.js';

interface TraceStatsArgs extends TraceArgs {
  trace: string;
  json: boolean;
}

/** `kvsim trace stats FILE|NAME`: count, duration, rate and length percentiles. */
export const traceStatsCommand: CommandModule<object, TraceStatsArgs> = {
  command: 'stats <trace>',
  describe: 'Count, duration, request rate, prompt/output length percentiles and (with block ids) prefix sharing of a trace',
  builder: (y) =>
    addTraceOptions(
      y
        .positional('trace', { type: 'string', demandOption: true, describe: 'registry name (azure-conv-2023, mooncake-conversation), synthetic spec (synthetic:conv, synthetic:multiturn) or file' })
        .option('json', { type: 'boolean', default: false, describe: 'print the statistics as JSON' }),
    ).example('$0 trace stats ../shared/traces/azure-llm-2023/AzureLLMInferenceTrace_conv.csv', 'summarize the Azure conversation trace'),
  handler: async (args) => {
    const source = await openTrace(args.trace, traceOptionsFromArgs(args));
    const stats = await traceStats(withRowProgress(source, 'reading'));
    reportSkipped(source);
    process.stdout.write(args.json ? `${JSON.stringify(stats, null, 2)}\n` : formatTraceStats(stats));
  },
};

/** The human-readable table. */
export function formatTraceStats(s: TraceStats): string {
  const rows: string[][] = [
    ['', 'p50', 'p90', 'p99', 'mean', 'max'],
    lengthRow('prompt tokens', s.promptTokens),
    lengthRow('output tokens', s.outputTokens),
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const table = rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ').trimEnd());
  return [
    `trace     ${s.name}`,
    `requests  ${formatNumber(s.requests)}`,
    `duration  ${formatNumber(s.durationS)} s`,
    `rate      ${s.ratePerS.toFixed(3)} requests/s`,
    '',
    ...table,
    '',
    ...(s.prefixSharing ? prefixLines(s.prefixSharing) : []),
  ].join('\n');
}

/** The prefix-sharing block, for traces with block ids (Mooncake, kvsim JSONL with prefixBlockIds). */
function prefixLines(p: PrefixSharingStats): string[] {
  const pct = (f: number) => `${(100 * f).toFixed(1)}%`;
  return [
    `prefix sharing (block ids of ${p.blockTokens.join(' / ')} tokens on ${formatNumber(p.requestsWithBlockIds)} requests)`,
    `  blocks              ${formatNumber(p.blocks)} (${formatNumber(p.distinctBlocks)} distinct)`,
    `  seen before         ${formatNumber(p.repeatedBlocks)} blocks, ${pct(p.repeatedTokenFraction)} of prompt tokens`,
    `  leading prefix hit  ${pct(p.prefixHitFraction)} of prompt tokens (a prefix cache that never evicts)`,
    `  chain violations    ${formatNumber(p.chainViolations)}`,
    '',
  ];
}

function lengthRow(label: string, l: LengthStats): string[] {
  return [label, formatNumber(l.p50), formatNumber(l.p90), formatNumber(l.p99), formatNumber(l.mean), formatNumber(l.max)];
}

/** Integers with thousands separators; other numbers with one decimal. Fixed locale: same bytes everywhere. */
function formatNumber(v: number): string {
  return v.toLocaleString('en-US', { minimumFractionDigits: Number.isInteger(v) ? 0 : 1, maximumFractionDigits: Number.isInteger(v) ? 0 : 1 });
}
