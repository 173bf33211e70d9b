import type { CommandModule } from 'yargs';
import { checkInt, checkNumber } from '../errors.js';
import { checkOutputPath } from '../io/checkOutputPath.js';
import { writeTextOutput } from '../io/writeJsonOutput.js';
import { reportDefault } from './optionDefaults.js';
import { parseMemorySize } from './parseArgs.js';

interface ReportArgs {
  runs: string[];
  output: string;
  title?: string;
  validation?: string[];
  sweep: boolean;
  'max-points'?: number;
  'time-bins'?: number;
  baseline?: string;
  'slo-ttft'?: number;
  'slo-tbt'?: number;
  'kv-memory'?: string;
  static?: boolean;
}

/** `kvsim report RUN.json [MORE.json ...] -o report.html`: one self-contained HTML page of charts. */
export const reportCommand: CommandModule<object, ReportArgs> = {
  command: 'report <runs..>',
  describe: 'Write a self-contained HTML report (SVG charts, opens offline) from replay JSON files',
  builder: (y) =>
    y
      .positional('runs', { type: 'string', array: true, demandOption: true, describe: 'replay results (kvsim replay --json), .json or .json.gz' })
      .option('output', { alias: 'o', type: 'string', default: 'report.html', describe: 'HTML file to write' })
      .option('title', { type: 'string', describe: `page title (default "${reportDefault('title')}")` })
      .option('validation', { type: 'string', array: true, describe: 'simulator-vs-GPU pairs (kvsim.validation/1 JSON) to plot' })
      .option('sweep', { type: 'boolean', default: true, describe: 'include the page/block-size sweep for the first run\'s model (--no-sweep to omit)' })
      .option('max-points', { type: 'number', describe: `most points drawn per latency CDF line (default ${reportDefault('maxPointsPerSeries')})` })
      .option('time-bins', { type: 'number', describe: `time bins across the time charts (mean line, min/max envelope; default ${reportDefault('timeBins')})` })
      .option('baseline', { type: 'string', describe: 'run the verdict table compares against: a run label or policy name (default: the first paged run)' })
      .option('slo-ttft', { type: 'number', describe: `goodput SLO: time to first token, seconds (default ${reportDefault('slo').ttftS})` })
      .option('slo-tbt', { type: 'number', describe: `goodput SLO: mean time between tokens per request, seconds (default ${reportDefault('slo').tbtS})` })
      .option('kv-memory', { type: 'string', describe: 'KV/state memory for the page/block-size sweep, e.g. 16G (default: what the replays had)' })
      .option('static', { type: 'boolean', describe: 'no script: no hover read-outs or zoom (the page is otherwise the same)' })
      .example('$0 report paged.json vattention.json -o report.html', 'compare two replays')
      .example('for r in 4 8 12 16; do $0 replay --trace azure-conv-2023 --rate $r --json r$r.json; done; $0 report r*.json', 'a load sweep: throughput and latency against request rate'),
  handler: async (args) => {
    // Loaded here, not at start-up: D3 and the DOM shim cost every other command half a second.
    checkOutputPath(args.output, '--output');
    const { readRunResults, readValidationResults } = await import('../report/readReportInputs.js');
    const { writeReport } = await import('../report/writeReport.js');
    const runs = args.runs.flatMap((path) => readRunResults(path));
    const validation = (args.validation ?? []).flatMap((path) => readValidationResults(path));
    const budgetBytes = args['kv-memory'] === undefined ? undefined : parseMemorySize(args['kv-memory'], '--kv-memory');
    const html = writeReport(runs, {
      title: args.title,
      validation,
      sweep: args.sweep ? (budgetBytes === undefined ? undefined : { budgetBytes: Math.floor(budgetBytes) }) : false,
      // Checked here when given, so an error names the flag; resolveReportOptions fills the rest.
      maxPointsPerSeries: optional(args['max-points'], (v) => checkInt('--max-points', v, 16)),
      timeBins: optional(args['time-bins'], (v) => checkInt('--time-bins', v, 10, 5000)),
      baseline: args.baseline,
      slo: { ttftS: optional(args['slo-ttft'], (v) => checkNumber('--slo-ttft', v, 1e-6)), tbtS: optional(args['slo-tbt'], (v) => checkNumber('--slo-tbt', v, 1e-6)) },
      interactive: !args.static,
    });
    await writeTextOutput(args.output, html, { option: '--output' });
    process.stdout.write(`kvsim: wrote ${args.output} (${runs.length} run${runs.length === 1 ? '' : 's'}, ${(html.length / 1024).toFixed(0)} KiB)\n`);
  },
};

const optional = (v: number | undefined, check: (v: number) => number): number | undefined => (v === undefined ? undefined : check(v));
