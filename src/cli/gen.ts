import type { CommandModule } from 'yargs';
import { expected, InvalidOptionError } from '../errors.js';
import { checkOutputPath } from '../io/checkOutputPath.js';
import { writeOutput } from '../io/writeOutput.js';
import { parseLengthSpec } from '../sim/trace/LengthSpec.js';
import { openSyntheticTrace, openTrace } from '../sim/trace/openTrace.js';
import { syntheticPreset, SYNTHETIC_PRESET_NAMES, type SyntheticPresetName } from '../sim/trace/syntheticPresets.js';
import type { TraceFormat } from '../sim/trace/TraceFormat.js';
import type { TraceSource } from '../sim/trace/TraceSource.js';
import { type WriteTraceReport, writeTrace } from '../sim/trace/writeTrace.js';
import { addTraceOptions, reportSkipped, type TraceArgs, traceOptionsFromArgs, withRowProgress } from './traceArgs.js';

interface GenArgs extends TraceArgs {
  preset: string;
  prompt?: string;
  output?: string;
  from?: string;
  out?: string;
  'out-format': string;
}

const OUT_FORMATS = ['jsonl', 'vidur', 'azure', 'vidur-lengths'] as const;

/** `kvsim gen`: write a synthetic trace (or a transformed copy of one) as JSONL, Vidur CSV or Azure CSV. */
export const genCommand: CommandModule<object, GenArgs> = {
  command: 'gen',
  describe: 'Generate a synthetic trace (seeded: same options, same bytes) or convert/transform an existing one',
  builder: (y) =>
    addTraceOptions(
      y
        .option('preset', {
          type: 'string',
          default: 'conv',
          describe: `starting point: ${SYNTHETIC_PRESET_NAMES.join(', ')} (conv, code: Azure 2023 statistics; system-prompt, multiturn: shared prefixes with block ids, --prompt = new user tokens per turn)`,
        })
        .option('prompt', { type: 'string', describe: 'prompt lengths: fixed:N, uniform:min=A,max=B, lognormal:median=M,p90=P[,max=X], zipf:min=A,max=B,s=S, trace:FILE_OR_NAME' })
        .option('output', { type: 'string', describe: 'output lengths, same forms as --prompt' })
        .option('from', { type: 'string', describe: 'instead of generating, read this trace (name, synthetic spec or file) and write it transformed' })
        .option('out', { alias: 'o', type: 'string', describe: 'file to write (gzipped when it ends in .gz; default stdout)' })
        .option('out-format', { type: 'string', default: 'jsonl', describe: `format to write: ${OUT_FORMATS.join(', ')}` }),
    )
      .example('$0 gen --preset conv --count 1000 --rate 4 --seed 7 -o conv-1k.jsonl', '1000 conversation-like requests at 4 requests/s')
      .example('$0 gen --from azure-code-2023 --first 500 --out-format vidur -o code-500.csv', 'convert the first 500 requests of a trace to Vidur CSV'),
  handler: async (args) => {
    // Choices are checked here, not by yargs, so a bad value is one line like every other user error.
    if (!SYNTHETIC_PRESET_NAMES.includes(args.preset as SyntheticPresetName)) throw expected(`one of ${SYNTHETIC_PRESET_NAMES.join(', ')}`, '--preset', args.preset);
    if (!OUT_FORMATS.includes(args['out-format'] as never)) throw expected(`one of ${OUT_FORMATS.join(', ')}`, '--out-format', args['out-format']);
    const options = traceOptionsFromArgs(args);
    if (args.out !== undefined) checkOutputPath(args.out, '--out');
    let source: TraceSource;
    if (args.from !== undefined) {
      if (args.prompt !== undefined || args.output !== undefined) throw new InvalidOptionError('--prompt/--output shape generated traces; they cannot be combined with --from');
      source = await openTrace(args.from, options);
    } else {
      const spec = syntheticPreset(args.preset as SyntheticPresetName);
      spec.name = `synthetic:${args.preset}`;
      if (args.prompt !== undefined) spec.prompt = parseLengthSpec(args.prompt, '--prompt');
      if (args.output !== undefined) spec.output = parseLengthSpec(args.output, '--output');
      source = await openSyntheticTrace(spec, options);
    }
    const format = args['out-format'] as TraceFormat;
    const written: WriteTraceReport = { requests: 0, prefixIdsDropped: 0 };
    let count: number;
    if (args.out === undefined) {
      try {
        count = await writeTrace(source, format, process.stdout, written);
      } catch (err) {
        // `kvsim gen | head` closes the pipe early: that is the reader's choice, not an error.
        if ((err as NodeJS.ErrnoException).code === 'EPIPE') return;
        throw err;
      }
    } else {
      // Progress only when writing to a file: on stdout it would interleave with the trace itself.
      const shown = withRowProgress(source, 'writing');
      count = await writeOutput(args.out, (out) => writeTrace(shown, format, out, written), { option: '--out' });
    }
    reportSkipped(source);
    if (written.prefixIdsDropped > 0) {
      process.stderr.write(`kvsim: warning: ${format} cannot hold prefix block ids; ${written.prefixIdsDropped.toLocaleString('en-US')} request${written.prefixIdsDropped === 1 ? '' : 's'} lost theirs (--out-format jsonl keeps them)\n`);
    }
    if (args.out !== undefined) process.stderr.write(`kvsim: wrote ${count.toLocaleString('en-US')} requests to ${args.out}\n`);
  },
};
