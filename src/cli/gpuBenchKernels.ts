import type { CommandModule } from 'yargs';
import { checkInt, KvsimError, UserError } from '../errors.js';
import type { PrefillCrossoverReport } from '../gpu/prefillCrossover.js';
import { checkOutputPath } from '../io/checkOutputPath.js';
import { writeTextOutput } from '../io/writeJsonOutput.js';

interface BenchKernelsArgs {
  device: number;
  dtype: string;
  reps: number;
  check: boolean;
  sdpa: boolean;
  crossover: boolean;
  json: boolean;
  output?: string;
}

/** `kvsim gpu bench kernels`: attention (and xLSTM) kernel bandwidth / TFLOP/s against the copy ceiling, paged vs contiguous. */
export const gpuBenchKernelsCommand: CommandModule<object, BenchKernelsArgs> = {
  command: 'kernels',
  describe: 'Attention and xLSTM kernels: decode KV bandwidth vs the copy ceiling, paged/contiguous per block size, prefill TFLOP/s, mLSTM/sLSTM steps',
  builder: (y) =>
    y
      .option('device', { type: 'number', default: 0, describe: 'CUDA device ordinal' })
      .option('dtype', { type: 'string', default: 'f16', choices: ['f16', 'bf16'], describe: 'element type' })
      .option('reps', { type: 'number', default: 30, describe: 'timed runs per measurement (median reported)' })
      .option('check', { type: 'boolean', default: true, describe: 'first check the kernels against a float64 reference (--no-check to skip)' })
      .option('sdpa', {
        type: 'boolean',
        default: false,
        describe: 'also time PyTorch scaled_dot_product_attention on the same shapes (python3 with CUDA PyTorch, or $KVSIM_PYTHON) and add SDPA ms and kvsim/SDPA columns; a failure is an error',
      })
      .option('crossover', {
        type: 'boolean',
        default: true,
        describe: 'also time one prompt of 256 to 32768 tokens through the attention prefill of a Llama-3-8B layer and the tfla mLSTM prefill of an xLSTM-7B layer, and say where the faster kernel changes (--no-crossover to skip)',
      })
      .option('json', { type: 'boolean', default: false, describe: 'print the report as JSON' })
      .option('output', { alias: 'o', type: 'string', describe: 'also write the JSON report to this file' })
      .example('$0 gpu bench kernels --json -o profiles/h100/kernels.json', 'measure and save')
      .example('$0 gpu bench kernels --sdpa', 'with PyTorch SDPA beside each row (prefill at or above SDPA: /SDPA >= 1)'),
  handler: async (args) => {
    const device = checkInt('--device', args.device, 0, 1023);
    const reps = checkInt('--reps', args.reps, 1, 10000);
    if (args.output !== undefined) checkOutputPath(args.output, '--output');
    // GPU modules load only when this command runs: every other command (replay) starts faster.
    const [{ attentionNative }, { attentionSelfCheck }, { formatKernelBench, runKernelBench }, { requireGpu }] = await Promise.all([
      import('../gpu/AttentionNative.js'), import('../gpu/attentionSelfCheck.js'), import('../gpu/benchKernels.js'), import('../gpu/requireGpu.js'),
    ]);
    const { binding, info } = requireGpu(device);
    const native = attentionNative(binding);
    if (!native) {
      throw new UserError('GPU_UNAVAILABLE', 'this addon build has no attention kernels (module Attention); rebuild it with `npm run build:native`');
    }
    // --sdpa: find out now, not after minutes of measuring, whether PyTorch can run on this card.
    const sdpaModule = args.sdpa ? await import('../gpu/sdpaSideBySide.js') : undefined;
    sdpaModule?.probeSdpa(device, info.name);
    if (args.check) {
      const failed = attentionSelfCheck(native, { device }).filter((c) => !c.pass);
      if (failed.length > 0) {
        throw new KvsimError('KERNEL_CHECK', `attention kernel check failed: ${failed.map((c) => `${c.name} (rel. error ${c.relativeError})`).join('; ')}`);
      }
    }
    const benchOptions = { device, dtype: args.dtype as 'f16' | 'bf16', reps };
    const kvsimReport = runKernelBench(native, info, benchOptions);
    // SDPA after kvsim's attention timings (which so run as without --sdpa), then both once more (drift within the
    // call shows as the rounds' difference: withSdpaRounds); the xLSTM ones follow.
    let report = kvsimReport;
    if (sdpaModule) {
      const s1 = sdpaModule.measureSdpa(kvsimReport.options);
      const again = runKernelBench(native, info, benchOptions);
      report = sdpaModule.withSdpaRounds(kvsimReport, again, s1, sdpaModule.measureSdpa(kvsimReport.options));
    }
    const json = `${JSON.stringify(report, null, 2)}\n`;
    if (args.output) await writeTextOutput(args.output, json, { option: '--output' });
    // The xLSTM kernels, when this build has them, measured in the same call against the same copy ceiling.
    const { xlstmNative } = await import('../gpu/XlstmNative.js');
    const xnative = xlstmNative(binding);
    const { formatXlstmKernelBench, runXlstmKernelBench } = await import('../gpu/xlstmKernelBench.js');
    const xlstm = xnative ? runXlstmKernelBench(xnative, undefined, device) : undefined;
    // Attention against mLSTM prefill per prompt length, both kernels in this call (needs both modules).
    let crossover: PrefillCrossoverReport | undefined;
    let crossoverText = '';
    if (args.crossover && xnative) {
      const { formatPrefillCrossover, runPrefillCrossover } = await import('../gpu/prefillCrossover.js');
      crossover = runPrefillCrossover(native, xnative, info.name, { device });
      crossoverText = `\n${formatPrefillCrossover(crossover)}\n`;
    } else if (args.crossover) {
      crossoverText = '\nprefill crossover not measured: this addon build has no xLSTM kernels (module Xlstm)\n';
    }
    const full = xlstm ? `${JSON.stringify({ ...report, xlstm, ...(crossover ? { crossover } : {}) }, null, 2)}\n` : json;
    if (args.output && xlstm) await writeTextOutput(args.output, full, { option: '--output' });
    process.stdout.write(args.json ? full : `${formatKernelBench(report)}\n${xlstm ? `\n${formatXlstmKernelBench(xlstm)}\n` : ''}${crossoverText}`);
  },
};
