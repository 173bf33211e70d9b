import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { InvalidOptionError } from '../errors.js';
import { resolveModelArg } from './modelArg.js';
import { checkOutputPath } from '../io/checkOutputPath.js';
import { outputError } from '../io/outputError.js';
import { writeTextOutput } from '../io/writeJsonOutput.js';
import { calibrateScaleCommand } from './calibrateScale.js';
import { BLOCK_ORDERS, CALIBRATION_TIMINGS, calibrate, checkBlockOrder, checkCalibrationTiming, DEFAULT_GRID } from '../gpu/calibrate.js';
import { profilesDir } from '../sim/cost/calibrated/findProfile.js';
import { validateProfile } from '../sim/cost/calibrated/readProfile.js';
import { checkTensorParallel } from '../sim/model/derived.js';
import { enactmentFitsFor } from '../sim/cost/calibrated/predictorFor.js';

interface CalibrateArgs {
  model: string;
  gpu?: string;
  tp: number;
  out?: string;
  reps: number;
  device: number;
  quick: boolean;
  blockOrder: string;
  timing: string;
  cudaGraphs: boolean;
}

export const calibrateCommand: CommandModule<object, CalibrateArgs> = {
  command: 'calibrate',
  describe: 'Measure a calibration profile on this GPU (profiles/<gpu>/<model>.json) for the calibrated cost model',
  builder: (y: Argv) =>
    y
      // `calibrate scale` predicts a profile for another card (no GPU); bare `calibrate` measures one.
      .command(calibrateScaleCommand)
      // Measuring options only: `calibrate scale` must not accept (and silently ignore) them.
      .option('model', { global: false, type: 'string', default: 'llama-3-8b', describe: 'model preset whose shapes are profiled' })
      .option('gpu', { global: false, type: 'string', describe: 'hardware preset this card is (default: detected from the device name)' })
      .option('tp', { global: false, alias: 'tensor-parallel-size', type: 'number', default: 1, describe: 'tensor-parallel degree (heads per GPU divided by it)' })
      .option('out', { global: false, type: 'string', describe: 'output file (default: profiles/<gpu>/<model>.json in the package)' })
      .option('reps', { global: false, type: 'number', default: DEFAULT_GRID.reps, describe: 'timed repetitions per grid point (median kept)' })
      .option('device', { global: false, type: 'number', default: 0, describe: 'CUDA device ordinal' })
      .option('quick', { global: false, type: 'boolean', default: false, describe: 'a coarse grid (for checks, not for committed profiles)' })
      .option('block-order', {
        global: false,
        type: 'string',
        default: 'shuffled',
        describe: `block tables of the paged attention tables (${BLOCK_ORDERS.join('|')}): both adds pagedAscending.<block> tables beside the shuffled paged ones, for comparison (no cost model reads them)`,
      })
      .option('timing', {
        global: false,
        type: 'string',
        default: 'isolated',
        describe: `how each timed run starts (${CALIBRATION_TIMINGS.join('|')}): primed runs a 50 us GPU busy-wait first, so the operation's launches are queued before its start event, as in a replay's stream (isolated times the first launch's latency too)`,
      })
      .option('cuda-graphs', { global: false, type: 'boolean', default: false, describe: 'also fit each policy\'s per-iteration overhead with decode iterations run as CUDA graphs (enactment.<policy>.cudaGraphs), which `replay/validate --backend gpu --cuda-graphs` need' })
      .example('$0 calibrate --model llama-3-8b', 'profile Llama-3-8B shapes on GPU 0')
      .strict() as unknown as Argv<CalibrateArgs>,
  handler: async (args: ArgumentsCamelCase<CalibrateArgs>) => {
    const blockOrder = checkBlockOrder(args.blockOrder, '--block-order');
    const timing = checkCalibrationTiming(args.timing, '--timing');
    // GPU modules load only when this command runs: every other command (replay) starts faster.
    const [{ detectGpuPreset }, { fitEnactment, fitCudaGraphEnactment }, { requireGpu }] = await Promise.all([
      import('../gpu/detectGpuPreset.js'), import('../gpu/fitEnactment.js'), import('../gpu/requireGpu.js'),
    ]);
    const { binding, info } = requireGpu(args.device);
    const model = resolveModelArg(args.model);
    const tp = checkTensorParallel(model, args.tp);
    const gpu = args.gpu ?? detectGpuPreset(info.name);
    if (!gpu) throw new InvalidOptionError(`calibrate: cannot tell which hardware preset "${info.name}" is; pass --gpu`);
    // The output is checked before minutes of measuring, not after.
    const out = args.out ?? join(profilesDir(), gpu, tp === 1 ? `${model.name}.json` : `${model.name}-tp${tp}.json`);
    try {
      mkdirSync(dirname(out), { recursive: true });
    } catch (err) {
      throw outputError('--out', out, err);
    }
    checkOutputPath(out, '--out');
    const grid = args.quick
      ? // Batch points at 4 and 64 and prompt lengths 256 and 4096 as well (seconds of calibration): with
      // batches 1/16/256 the validations' batches of 17-60 were priced on a straight line from 16 to 256,
      // and with prompts 64/1024 every longer prompt was extrapolated.
      { gemmTokens: [1, 64, 1024, 8192], decodeBatch: [1, 4, 16, 64, 256], decodeContext: [128, 1024, 4096], prefillChunk: [64, 1024, 8192], prefillContext: [0, 4096], recurrentBatch: [1, 4, 16, 64, 256], recurrentPrefillTokens: [64, 256, 1024, 4096], reps: args.reps }
      : { reps: args.reps };
    const tty = process.stderr.isTTY;
    const profile = calibrate(binding, info, {
      model,
      gpu,
      tp,
      device: args.device,
      grid,
      blockOrder,
      timing,
      onPoint: (what, done, total) => {
        if (tty) process.stderr.write(`\r\x1b[Kcalibrate: ${done}/${total} ${what}`);
        else if (done === total || done % 20 === 0) process.stderr.write(`calibrate: ${done}/${total} ${what}\n`);
      },
    });
    if (tty) process.stderr.write('\n');
    // Which kernel each table was measured with (provenance the profile records; an old addon cannot say).
    const measuredWith = (what: string, name: string | undefined) =>
      process.stderr.write(`calibrate: ${what} ${name !== undefined ? `'${name}'` : 'not recorded (this addon cannot say which; npm run build:native)'}\n`);
    if (profile.prefillAttention) measuredWith('prefill attention measured with kernel', profile.prefillAttention.kernel);
    if (profile.recurrentPrefill) measuredWith('mLSTM prefill measured with algorithm', profile.recurrentPrefill.algorithm);
    if (profile.slstmStep) measuredWith('sLSTM step measured with variant', profile.slstmStep.variant);
    profile.enactment = {};
    // A hybrid model gets a fit per attention part: `hybrid` (paged), `hybrid:vattention`, `hybrid:static`
    // (enactmentKey: a vAttention part's allocation work is not the paged part's).
    for (const { policy, key } of enactmentFitsFor(model)) {
      const fit = await fitEnactment(model, gpu, tp, policy, profile, args.device);
      profile.enactment[key] = fit;
      const floored = fit.decodeMedianS !== undefined && fit.decodeMedianS < 0 ? ` (floored at 0: the median of measured minus tables was ${(fit.decodeMedianS * 1e3).toFixed(3)} ms, the tables over-price those iterations)` : '';
      process.stderr.write(`calibrate: ${key}: ${(fit.iterationS * 1e3).toFixed(3)} ms per iteration${floored} + ${((fit.perPrefillTokenS ?? 0) * 1e6).toFixed(2)} us per prefill token + ${((fit.perPrefillRequestS ?? 0) * 1e3).toFixed(3)} ms per prompt beyond the tables; allocation ${(fit.allocIterationS * 1e3).toFixed(3)} ms + ${(fit.perAllocOpS * 1e6).toFixed(2)} us per op (${fit.iterations} iterations)\n`);
      if (args.cudaGraphs) {
        // A separate replay with graphs on: the eager fit above stays what it was without the flag.
        const g = await fitCudaGraphEnactment(model, gpu, tp, policy, profile, args.device);
        fit.cudaGraphs = g;
        const sign = g.iterationS < 0 ? ' (negative: graph iterations ran faster than their tables, which time each operation with its own launch)' : '';
        process.stderr.write(`calibrate: ${key} with CUDA graphs: ${(g.iterationS * 1e3).toFixed(3)} ms per decode iteration beyond the tables at the padded batch${sign} (${g.iterations} graph iterations)\n`);
      }
    }
    if (args.cudaGraphs) profile.method += '; enactment.<policy>.cudaGraphs: decode iterations as CUDA graphs padded to vLLM V1 capture sizes (src/gpu/fitEnactment.ts fitCudaGraphEnactment)';
    profile.method += '; enactment: per policy, fitted on the second of two synthetic calibration replays (the first warms every shape; src/gpu/fitEnactment.ts)';
    if (args.cudaGraphs && profile.command !== undefined) profile.command += ' --cuda-graphs';
    // A coarse grid must say so where the profile says how it was made (the 2026-12-07 quick profiles did not).
    if (args.quick && profile.command !== undefined) profile.command += ' --quick';
    validateProfile(profile, '(measured profile)');
    await writeTextOutput(out, `${JSON.stringify(profile, null, 1)}\n`, { option: '--out' });
    process.stdout.write(`calibrate: wrote ${out} (${info.name}, ${model.name}, tp=${tp})\n`);
  },
};
