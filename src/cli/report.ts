import { writeFileSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { UserError } from '../errors.js';

interface ReportArgs {
  runs: string[];
  output: string;
  title?: string;
  validation?: string[];
  sweep: boolean;
  'max-points': number;
}

/** `kvsim report RUN.json [MORE.json ...] -o report.html`: one self-contained HTML page of charts. */
export const reportCommand: CommandModule<object, ReportArgs> = {
  command: 'report <runs..>',
  describe: 'Write a self-contained HTML report (SVG charts, opens offline) from replay JSON files',
  builder: (y) =>
    y
      .positional('runs', { type: 'string', array: true, demandOption: true, describe: 'replay results (kvsim replay --json), .json or .json.gz' })
      .option('output', { alias: 'o', type: 'string', default: 'report.html', describe: 'HTML file to write' })
      .option('title', { type: 'string', describe: 'page title (default "kvsim report")' })
      .option('validation', { type: 'string', array: true, describe: 'simulator-vs-GPU pairs (kvsim.validation/1 JSON) to plot' })
      .option('sweep', { type: 'boolean', default: true, describe: 'include the page/block-size sweep for the first run\'s model (--no-sweep to omit)' })
      .option('max-points', { type: 'number', default: 1200, describe: 'most points drawn per series (extremes kept)' })
      .example('$0 report paged.json vattention.json -o report.html', 'compare two replays'),
  handler: async (args) => {
    // Loaded here, not at start-up: D3 and the DOM shim cost every other command half a second.
    const { readRunResults, readValidationResults } = await import('../report/readReportInputs.js');
    const { writeReport } = await import('../report/writeReport.js');
    const runs = args.runs.flatMap((path) => readRunResults(path));
    const validation = (args.validation ?? []).flatMap((path) => readValidationResults(path));
    const html = writeReport(runs, {
      title: args.title,
      validation,
      sweep: args.sweep ? undefined : false,
      maxPointsPerSeries: args['max-points'],
    });
    try {
      writeFileSync(args.output, html);
    } catch (err) {
      throw new UserError('REPORT_OUTPUT', `--output ${args.output}: cannot write (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
    process.stdout.write(`kvsim: wrote ${args.output} (${runs.length} run${runs.length === 1 ? '' : 's'}, ${(html.length / 1024).toFixed(0)} KiB)\n`);
  },
};
