import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { KvsimError } from '../errors.js';
import type { SweepRun } from './SweepRun.js';
import type { SweepRow } from './SweepRow.js';

/** A run's outcome as a worker reports it. */
export type RunOutcome = { run: SweepRun; row: SweepRow } | { run: SweepRun; error: { message: string; stack?: string; code?: string } };

/**
 * A fixed set of worker threads, each running one whole replay at a time, fed from a queue. Built on
 * node:worker_threads directly: a task is a whole simulation (milliseconds to minutes), so a pool
 * library's fast hand-off buys nothing, and owning the ~60 lines keeps the order of dispatch (spec
 * order), the per-worker error path and termination on Ctrl-C in plain sight, with no dependency.
 */
export async function runOnPool(runs: readonly SweepRun[], workers: number, onDone: (o: RunOutcome) => void, workerUrl: URL = sweepWorkerUrl()): Promise<void> {
  let next = 0;
  const pool: Worker[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      let busy = 0;
      const feed = (w: Worker) => {
        if (next >= runs.length) {
          if (busy === 0) resolve();
          return;
        }
        const run = runs[next++];
        busy++;
        w.once('message', (m: { row?: SweepRow; error?: { message: string; stack?: string; code?: string } }) => {
          busy--;
          try {
            onDone(m.error ? { run, error: m.error } : { run, row: m.row! });
          } catch (err) {
            reject(err);
            return;
          }
          feed(w);
        });
        w.postMessage(run);
      };
      for (let i = 0; i < Math.min(workers, runs.length); i++) {
        const w = new Worker(workerUrl);
        w.on('error', reject);
        w.on('exit', (code) => {
          if (code !== 0) reject(new KvsimError('SWEEP_WORKER', `a sweep worker exited with code ${code}`));
        });
        pool.push(w);
        feed(w);
      }
      if (runs.length === 0) resolve();
    });
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
}

/**
 * The compiled worker entry. Running from dist/ it sits beside this file; running from the TypeScript
 * sources (tests) the compiled copy in dist/ is used, since a worker thread cannot load .ts files.
 */
export function sweepWorkerUrl(): URL {
  const here = new URL('./sweepWorker.js', import.meta.url);
  if (import.meta.url.endsWith('.js')) return here;
  const path = fileURLToPath(here).replace(/([\\/])src([\\/])sweep([\\/])sweepWorker\.js$/, '$1dist$2sweep$3sweepWorker.js');
  if (!existsSync(path)) throw new KvsimError('SWEEP_WORKER', `${path} is missing: run \`npm run build\` first (worker threads load the compiled sweep worker)`);
  return pathToFileURL(path);
}
