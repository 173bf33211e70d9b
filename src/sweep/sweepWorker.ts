import { parentPort } from 'node:worker_threads';
import { KvsimError } from '../errors.js';
import { executeRun } from './executeRun.js';
import type { SweepRun } from './SweepRun.js';

/**
 * Worker-thread entry of the sweep pool: runs what it is sent, one run at a time, and answers with the
 * row or the error (its message and code; a KvsimError's code says whether the user can fix it).
 */
parentPort?.on('message', async (run: SweepRun) => {
  try {
    parentPort!.postMessage({ id: run.id, row: await executeRun(run) });
  } catch (err) {
    const e = err as Error;
    parentPort!.postMessage({ id: run.id, error: { message: e.message, stack: e.stack, code: err instanceof KvsimError ? err.code : undefined } });
  }
});
