import type { CommandModule } from 'yargs';
import { calibrateCommand } from './calibrate.js';
import { gpuCommand } from './gpu.js';
import { memoryCommand } from './memory.js';
import { replayCommand } from './replay.js';
import { reportCommand } from './report.js';
import { validateCommand } from './validate.js';
import { genCommand } from './gen.js';
import { traceCommand } from './trace.js';
import { sweepCommand } from './sweep.js';

/**
 * Every kvsim command, one per file in src/cli/. Add a command by importing its module here.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const COMMANDS: CommandModule<any, any>[] = [replayCommand, reportCommand, memoryCommand, gpuCommand, calibrateCommand, validateCommand, traceCommand, genCommand, sweepCommand];
