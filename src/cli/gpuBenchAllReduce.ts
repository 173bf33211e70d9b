import type { CommandModule } from 'yargs';
import { checkInt, KvsimError, UserError } from '../errors.js';
import { checkOutputPath } from '../io/checkOutputPath.js';
import { writeTextOutput } from '../io/writeJsonOutput.js';
import { resolveModelArg } from './modelArg.js';

interface BenchAllReduceArgs {
  tp: number;
  model: string;
  tokens?: string;
  iterations: number;
  repeats: number;
  warmup: number;
  'nccl-library'?: string;
  json: boolean;
  output?: string;
}

/** `kvsim gpu bench allreduce`: NCCL all-reduce times at the sizes a tensor-parallel pass of the model sends, beside the simulator's prediction. */
export const gpuBenchAllReduceCommand: CommandModule<object, BenchAllReduceArgs> = {
  command: 'allreduce',
  describe: 'NCCL all-reduce over GPUs 0..tp-1 at the sizes the model needs (tokens x hidden x 2 B), measured vs predicted',
  builder: (y) =>
    y
      .option('tp', { type: 'number', default: 2, describe: 'ranks (GPUs 0..tp-1); 1 runs the single-rank path on one GPU' })
      .option('model', { type: 'string', default: 'llama-3-70b', describe: 'model preset, config.json or Hugging Face id (sets the hidden size)' })
      .option('tokens', { type: 'string', describe: 'tokens per iteration to measure, comma-separated (default 1,8,32,64,128,256,512,2048,8192)' })
      .option('iterations', { type: 'number', default: 20, describe: 'all-reduces timed back to back per sample' })
      .option('repeats', { type: 'number', default: 10, describe: 'samples per size (median reported)' })
      .option('warmup', { type: 'number', default: 5, describe: 'untimed all-reduces per size' })
      .option('nccl-library', { type: 'string', describe: 'libnccl.so.2 to open (default $KVSIM_NCCL_LIBRARY, else PyTorch\'s, else the loader\'s search)' })
      .option('json', { type: 'boolean', default: false, describe: 'print the report as JSON' })
      .option('output', { alias: 'o', type: 'string', describe: 'also write the JSON report to this file' })
      .example('$0 gpu bench allreduce --tp 2 --model llama-3-70b -o profiles/h100-sxm-80gb/allreduce-tp2.json', 'measure on 2 GPUs and save'),
  handler: async (args) => {
    const tp = checkInt('--tp', args.tp, 1, 64);
    const model = resolveModelArg(args.model);
    const tokens = args.tokens?.split(',').map((s, i) => {
      const n = Number(s.trim());
      if (!Number.isInteger(n) || n < 1) throw new UserError('INVALID_OPTION', `Expected positive integers for --tokens but received ${JSON.stringify(s)} (item ${i + 1})`);
      return n;
    });
    if (args.output !== undefined) checkOutputPath(args.output, '--output');
    const [{ requireGpu }, { runAllReduceBench, formatAllReduceBench }, { detectGpuPreset }, { hardwarePreset }] = await Promise.all([
      import('../gpu/requireGpu.js'), import('../gpu/runAllReduceBench.js'), import('../gpu/detectGpuPreset.js'), import('../sim/hardware/presets.js'),
    ]);
    const { binding, info } = requireGpu(0);
    requireGpu(tp - 1); // GPUs 0..tp-1 must all be visible: says which is missing, in one line
    const preset = detectGpuPreset(info.name);
    const report = runAllReduceBench(binding, info.name, {
      model, tp, tokens, iterations: args.iterations, repeats: args.repeats, warmup: args.warmup, library: args['nccl-library'],
      hardware: preset ? hardwarePreset(preset) : undefined, command: `kvsim ${process.argv.slice(2).join(' ')}`,
    });
    const json = `${JSON.stringify(report, null, 2)}\n`;
    if (args.output) await writeTextOutput(args.output, json, { option: '--output' });
    process.stdout.write(args.json ? json : `${formatAllReduceBench(report)}\n`);
    if (report.check.mismatches > 0) throw new KvsimError('ALLREDUCE_CHECK', `all-reduce check: ${report.check.mismatches} of ${report.check.elements} elements differ from n(n+1)/2`);
  },
};
