import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { InvalidOptionError } from '../errors.js';
import { checkOutputPath } from '../io/checkOutputPath.js';
import { writeTextOutput } from '../io/writeJsonOutput.js';
import type { CardCeilings } from '../sim/cost/calibrated/CalibrationProfile.js';
import { compareProfiles, formatProfileErrors } from '../sim/cost/calibrated/compareProfiles.js';
import { readProfile, validateProfile } from '../sim/cost/calibrated/readProfile.js';
import { scaleProfile } from '../sim/cost/calibrated/scaleProfile.js';
import { hardwarePreset, HARDWARE_PRESET_NAMES } from '../sim/hardware/presets.js';

interface ScaleArgs {
  profile: string;
  to: string;
  out?: string;
  compare?: string;
}

/**
 * `kvsim calibrate scale`: predict a calibration profile for a card nobody measured from one measured
 * on another (src/sim/cost/calibrated/scaleProfile.ts states the rule), and, with `--compare`, report
 * how far the prediction is from a profile measured on that card. Plain TypeScript: no GPU, no addon.
 */
export const calibrateScaleCommand: CommandModule<object, ScaleArgs> = {
  command: 'scale',
  describe: 'Predict a profile for another card by roofline scaling of a measured one (no GPU needed); --compare reports its error against a measured profile',
  builder: (y: Argv) =>
    y
      .option('profile', { type: 'string', demandOption: true, describe: 'the measured profile to scale (e.g. profiles/h100-sxm-80gb/llama-3-8b.json)' })
      .option('to', { type: 'string', demandOption: true, describe: `hardware preset to predict for (${HARDWARE_PRESET_NAMES.join(', ')}, or an alias)` })
      .option('out', { type: 'string', describe: 'write the predicted profile here (use it with --profile; it is never picked automatically)' })
      .option('compare', { type: 'string', describe: 'a profile measured on the --to card: print the per-table relative error of the prediction against it' })
      .example('$0 calibrate scale --profile profiles/h100-sxm-80gb/llama-3-8b.json --to h200 --out llama-3-8b.h200-predicted.json', 'predict the H200 from the H100 profile')
      .strict() as unknown as Argv<ScaleArgs>,
  handler: async (args: ArgumentsCamelCase<ScaleArgs>) => {
    if (args.out === undefined && args.compare === undefined) throw new InvalidOptionError('calibrate scale: name --out (write the predicted profile) or --compare (report its error), or both');
    const to = hardwarePreset(args.to);
    if (args.out !== undefined) checkOutputPath(args.out, '--out');
    const source = readProfile(args.profile);
    const measured = args.compare === undefined ? undefined : readProfile(args.compare);
    const { profile, tables, ceilings } = scaleProfile(source, args.profile, to);
    validateProfile(profile, '(predicted profile)');
    // Compared before anything is printed, so a mismatched --compare fails alone, in one line.
    const errors = measured ? compareProfiles(profile, measured, args.compare!) : undefined;
    const w = (s: string) => process.stdout.write(s);
    w(`calibrate scale: ${source.card} (${source.gpu}, ${source.date}) -> ${to.name}: PREDICTED by roofline scaling, not measured\n`);
    w(`rule: ${profile.derivedFrom!.rule}\n`);
    w(`ceilings: ${formatCeilings(ceilings.from)}\n          ${formatCeilings(ceilings.to)}\n`);
    w(`kept: ${profile.derivedFrom!.kept}\n`);
    w('time factor per table (predicted / measured on the source card):\n');
    for (const t of tables) {
      const [lo, hi] = [t.minFactor.toFixed(3), t.maxFactor.toFixed(3)];
      const range = lo === hi ? `x${lo}` : `x${lo}..x${hi}`;
      w(`  ${t.table}: ${range} (${t.cells} cells, ${t.memoryBoundCells} memory-bound on ${source.gpu})\n`);
    }
    if (measured && errors) {
      w(`\nrelative error of the prediction vs ${args.compare} (${measured.card}, ${measured.date}), |pred - meas| / meas per cell:\n`);
      w(formatProfileErrors(errors));
    }
    if (args.out !== undefined) {
      await writeTextOutput(args.out, `${JSON.stringify(profile, null, 1)}\n`, { option: '--out' });
      w(`calibrate scale: wrote ${args.out} (use it with --profile ${args.out} --gpu ${to.name}; never picked automatically)\n`);
    }
  },
};

function formatCeilings(c: CardCeilings): string {
  const figures = `${c.gpu}: ${(c.bandwidthBytesPerS / 1e12).toFixed(2)} TB/s, ${(c.flopsPerS / 1e12).toFixed(0)} TFLOP/s`;
  // Presets give both figures in one source line; print it once then.
  return c.bandwidthSource === c.flopsSource ? `${figures} [${c.bandwidthSource}]` : `${figures} [bandwidth ${c.bandwidthSource}; FLOP/s ${c.flopsSource}]`;
}
