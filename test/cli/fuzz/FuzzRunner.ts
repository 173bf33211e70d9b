import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import type { CaseResult } from './oracle.js';

/**
 * Runs command lines in a worker (the compiled CLI, in-process there) with a watchdog: a case that does
 * not answer within `timeoutMs` is a hang; its worker is terminated (which stops even a spinning loop)
 * and a fresh one takes the next case.
 */
export class FuzzRunner {
  private worker: Worker | undefined;
  private ready: Promise<void> | undefined;
  private nextId = 0;

  constructor(
    private readonly dist: string,
    private readonly timeoutMs: number,
  ) {}

  private start(): Promise<void> {
    this.worker = new Worker(join(__dirname, 'fuzzWorker.mjs'), { workerData: { dist: this.dist }, stdout: false, stderr: false });
    this.worker.unref();
    const w = this.worker;
    this.ready = new Promise((resolve, reject) => {
      const onMsg = (m: { ready?: boolean }) => {
        if (m.ready) {
          w.off('message', onMsg);
          resolve();
        }
      };
      w.on('message', onMsg);
      w.once('error', reject);
    });
    return this.ready;
  }

  /** Runs `kvsim ...args`; resolves undefined on a hang. */
  async run(args: string[], env?: Record<string, string>): Promise<CaseResult | undefined> {
    if (!this.worker) await this.start();
    else await this.ready;
    const w = this.worker!;
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        w.off('message', onMsg);
        void w.terminate();
        this.worker = undefined;
        resolve(undefined);
      }, this.timeoutMs);
      const onMsg = (m: CaseResult & { id?: number }) => {
        if (m.id !== id) return;
        clearTimeout(timer);
        w.off('message', onMsg);
        resolve(m);
      };
      w.on('message', onMsg);
      w.postMessage({ id, args, env });
    });
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
    this.worker = undefined;
  }
}
