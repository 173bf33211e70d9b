import type { CommandModule } from 'yargs';
import { checkInt, UserError } from '../errors.js';
import { checkOutputPath } from '../io/checkOutputPath.js';
import { writeTextOutput } from '../io/writeJsonOutput.js';

interface BenchVmmArgs {
  device: number;
  'page-sizes': string;
  'bytes-per-size': number;
  'min-pages': number;
  'run-pages': number;
  overlap: boolean;
  json: boolean;
  output?: string;
}

/** `kvsim gpu bench vmm`: per-call VMM latency for each page size, and the mapping bandwidth it implies. */
export const gpuBenchVmmCommand: CommandModule<object, BenchVmmArgs> = {
  command: 'vmm',
  describe: 'Per-call latency of cuMemCreate/Map/SetAccess (single vs batched)/Unmap/Release per page size',
  builder: (y) =>
    y
      .option('device', { type: 'number', default: 0, describe: 'CUDA device ordinal' })
      .option('page-sizes', { type: 'string', default: '2,4,8,32', describe: 'page sizes in MiB, comma-separated (multiples of 2)' })
      .option('bytes-per-size', { type: 'number', default: 4 * 1024 ** 3, describe: 'bytes of pages created per page size' })
      .option('min-pages', { type: 'number', default: 128, describe: 'fewest pages per size' })
      .option('run-pages', { type: 'number', default: 16, describe: 'contiguous pages per batched setAccess/unmap call' })
      .option('overlap', { type: 'boolean', default: true, describe: 'also measure mapping overlapped with GPU work (--no-overlap to skip)' })
      .option('json', { type: 'boolean', default: false, describe: 'print the report as JSON' })
      .option('output', { alias: 'o', type: 'string', describe: 'also write the JSON report to this file' })
      .example('$0 gpu bench vmm --json -o profiles/h100/vmm.json', 'measure and save'),
  handler: async (args) => {
    const device = checkInt('--device', args.device, 0, 1023);
    const pageSizesMiB = args['page-sizes'].split(',').map((s, i) => {
      const n = Number(s.trim());
      if (!Number.isInteger(n) || n < 2 || n % 2 !== 0) {
        throw new UserError('INVALID_OPTION', `Expected page sizes in MiB that are even integers for --page-sizes but received ${JSON.stringify(s)} (item ${i + 1})`);
      }
      return n;
    });
    const bytesPerSize = checkInt('--bytes-per-size', args['bytes-per-size'], 2 * 1024 * 1024);
    const minPages = checkInt('--min-pages', args['min-pages'], 1, 1 << 20);
    const runPages = checkInt('--run-pages', args['run-pages'], 2, 1 << 16);
    if (args.output !== undefined) checkOutputPath(args.output, '--output');
    // GPU modules load only when this command runs: every other command (replay) starts faster.
    const [{ formatVmmBench }, { requireGpu }, { runVmmBench }] = await Promise.all([
      import('../gpu/formatVmmBench.js'), import('../gpu/requireGpu.js'), import('../gpu/runVmmBench.js'),
    ]);
    const { binding, info } = requireGpu(device);
    const report = runVmmBench(binding, info, { device, pageSizesMiB, bytesPerSize, minPages, runPages, overlap: args.overlap });
    const json = `${JSON.stringify(report, null, 2)}\n`;
    if (args.output) await writeTextOutput(args.output, json, { option: '--output' });
    process.stdout.write(args.json ? json : `${formatVmmBench(report)}\n`);
  },
};
