import { vi } from 'vitest';
import { genCommand } from '../../src/cli/gen.js';
import { runKvsim } from './runKvsim.js';
import { traceCommand } from '../../src/cli/trace.js';

/** Runs `kvsim ARGS` in-process with this file's commands. */
export const kvsim = (args: string[]) => runKvsim(args, [traceCommand, genCommand]);
