import { hideBin } from 'yargs/helpers';
import { COMMANDS } from './commands.js';
import { quietPipes } from './quietPipes.js';
import { runCli } from './runCli.js';

quietPipes();
await runCli(hideBin(process.argv), COMMANDS);
