import { hideBin } from 'yargs/helpers';
import { COMMANDS } from './commands.js';
import { runCli } from './runCli.js';

await runCli(hideBin(process.argv), COMMANDS);
