import { unlinkSync } from 'node:fs';

/**
 * Temporary files being written right now. On SIGINT/SIGTERM (and at exit) they are removed, so an
 * interrupted kvsim leaves the old file or nothing, never a stray `.tmp`. The signal handlers exist only
 * while a temporary file does: the rest of the time Ctrl-C behaves as Node's default.
 */
const pending = new Set<string>();
let installed = false;

function removeAll(): void {
  for (const path of pending) {
    try {
      unlinkSync(path);
    } catch {
      // already gone
    }
  }
  pending.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  removeAll();
  uninstall();
  // Die of the same signal, as if no handler had been there (exit status 128 + signal number).
  process.kill(process.pid, signal);
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', removeAll);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.off('exit', removeAll);
}

/** Registers a temporary file to remove if the process is interrupted before `releaseTemp`. */
export function trackTemp(path: string): void {
  pending.add(path);
  install();
}

/** The temporary file was renamed into place or removed: stop tracking it. */
export function releaseTemp(path: string): void {
  pending.delete(path);
  if (pending.size === 0) uninstall();
}

/** For tests: the temporary files tracked now. */
export function pendingTempFiles(): string[] {
  return [...pending];
}
