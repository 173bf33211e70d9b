import type { CommandModule } from 'yargs';
import { expected } from '../errors.js';
import { resolveModelArg } from './modelArg.js';
import { pagedDefault } from './optionDefaults.js';
import { parseList, parseSize } from './parseArgs.js';
import { hardwarePreset } from '../sim/hardware/presets.js';
import { memoryTable, type MemoryTable } from '../sim/memory/memoryTable.js';

interface MemoryArgs {
  model: string;
  gpu: string;
  tp: number;
  context: string;
  'block-sizes': string;
  'page-sizes': string;
  util?: number;
  'max-context'?: number;
  json: boolean;
}

/** `kvsim memory --model llama-3-8b --gpu h100`: per policy and page/block size, what memory buys. */
export const memoryCommand: CommandModule<object, MemoryArgs> = {
  command: 'memory',
  describe: 'Tabulate each memory policy and page/block size: bytes per token, growth step, worst fragmentation, max concurrent requests',
  builder: (y) =>
    y
      .option('model', { type: 'string', demandOption: true, describe: 'model preset (llama-3-8b, yi-6b, xlstm-7b, hybrid-7b, ...), config.json path or Hugging Face id' })
      .option('gpu', { type: 'string', default: 'h100', describe: 'GPU preset (h100, h200, a100)' })
      .option('tp', { alias: 'tensor-parallel-size', type: 'number', default: 1, describe: 'tensor-parallel degree (the table is per GPU)' })
      .option('context', { type: 'string', default: '1000,4000,8000', describe: 'context lengths in tokens, comma-separated' })
      .option('block-sizes', { type: 'string', default: '16,32,128', describe: 'paged block sizes in tokens, comma-separated' })
      .option('page-sizes', { type: 'string', default: '64K,128K,256K,2M', describe: 'vAttention page sizes (64K, 128K, 256K, 2M, 4M, ...)' })
      .option('util', { alias: 'gpu-memory-utilization', type: 'number', describe: `fraction of GPU memory the server may use (vLLM: --gpu-memory-utilization; default ${pagedDefault('gpuMemoryUtilization')})` })
      .option('max-context', { alias: 'max-model-len', type: 'number', describe: 'largest context per request (vLLM: --max-model-len; default: the model\'s)' })
      .option('json', { type: 'boolean', default: false, describe: 'print the table as JSON' })
      .example('$0 memory --model llama-3-8b --gpu h100 --context 1024,4096', 'choose a page size for Llama-3-8B')
      .example('$0 memory --model xlstm-7b --json', 'recurrent state: capacity independent of context'),
  handler: (args) => {
    const table = memoryTable(resolveModelArg(args.model), hardwarePreset(args.gpu), args.tp, parseNumbers('--context', args.context, parseTokens), {
      blockSizesTokens: parseNumbers('--block-sizes', args['block-sizes'], parseTokens),
      pageSizesBytes: parseNumbers('--page-sizes', args['page-sizes'], parseSize),
      gpuMemoryUtilization: args.util,
      maxContextTokens: args['max-context'],
    });
    process.stdout.write(args.json ? `${JSON.stringify(table, null, 2)}\n` : formatMemoryTable(table));
  },
};

function parseNumbers(name: string, text: string, parse: (item: string, name: string) => number): number[] {
  return parseList(name, text).map((item) => parse(item, name));
}

function parseTokens(item: string, name: string): number {
  const n = Number(item);
  if (!/^\d+$/.test(item) || !Number.isSafeInteger(n) || n < 1) throw expected('positive integers', name, item);
  return n;
}

/** Binary-prefixed bytes, e.g. `2 MiB`, `128.25 MiB`, `50.79 GiB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const text = Number.isInteger(v) ? String(v) : v.toFixed(2);
  return `${text} ${units[i]}`;
}

/** The human-readable table. */
export function formatMemoryTable(t: MemoryTable): string {
  const header = ['policy', 'KV/token', 'state/req', 'grows by', 'worst frag/req', 'capacity', ...t.contextsTokens.map((c) => `max req @${c}`)];
  const body = t.rows.map((r) => [
    r.label,
    r.bytesPerToken ? formatBytes(r.bytesPerToken) : '-',
    r.stateBytesPerRequest ? formatBytes(r.stateBytesPerRequest) : '-',
    r.growthTokens === null ? `${formatBytes(r.growthBytes)} once` : `${formatTokens(r.growthTokens)} tok = ${formatBytes(r.growthBytes)}`,
    r.growthTokens === null ? '0' : `${r.worstFragmentationTokens} tok = ${formatBytes(r.worstFragmentationBytes)}`,
    formatBytes(r.capacityBytes),
    ...r.maxRequests.map(String),
  ]);
  const rows = [header, ...body];
  const widths = header.map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  const line = (row: string[]) => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  const out = [
    `${t.model} on ${t.gpu}, tp=${t.tp}: ${formatBytes(t.budgetBytes)} per GPU for KV/state (memory x utilization - weights - activation reserve)`,
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...body.map(line),
    '',
    'grows by: tokens (and bytes) one allocation adds: a paged block, a vAttention page group (one page in each',
    '  of the 2L K/V buffers), a static max-context reservation, or the recurrent state taken once at admission.',
    'max req @N: requests of N tokens admitted at once before the first refusal (paged with vLLM V0\'s 1% watermark,',
    '  vAttention with its block manager\'s 1%; vLLM V1 admits paged requests with no watermark).',
    'vAttention pages of 64K/128K/256K need the vAttention authors\' modified driver; stock CUDA maps 2 MiB multiples.',
  ];
  return `${out.join('\n')}\n`;
}

function formatTokens(tokens: number): string {
  return Number.isInteger(tokens) ? String(tokens) : tokens.toFixed(2);
}
