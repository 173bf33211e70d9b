import type { CommandModule } from 'yargs';
import { traceFetchCommand } from './traceFetch.js';
import { traceStatsCommand } from './traceStats.js';

/** `kvsim trace <stats|fetch>`: inspect and download request traces. */
export const traceCommand: CommandModule = {
  command: 'trace <command>',
  describe: 'Request traces: statistics of a trace, download of public ones',
  builder: (y) => y.command(traceStatsCommand).command(traceFetchCommand).demandCommand(1, 'Name a trace command: stats, fetch'),
  handler: () => {},
};
