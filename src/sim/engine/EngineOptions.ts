import { checkInt } from '../../errors.js';
import type { MetricsOptions } from '../metrics/MetricsRecorder.js';
import type { IterationObserver } from './IterationObserver.js';

export interface EngineOptions {
  /**
   * Advance runs of identical decode iterations at once (bit-identical to stepping one by one; only
   * with an executor that prices aggregates, and never with an observer).
   * @defaultValue true
   */
  skipAhead?: boolean;
  /** What the metrics keep (per-request columns, iteration record cap). */
  metrics?: MetricsOptions;
  /** Sees every iteration; forces single-stepping. */
  observer?: IterationObserver;
  /** Called every `progressEveryIterations` iterations and at the end with requests done and simulated time. */
  onProgress?: (requestsDone: number, nowS: number) => void;
  /**
   * @defaultValue 16384
   */
  progressEveryIterations?: number;
}

export interface ResolvedEngineOptions {
  skipAhead: boolean;
  metrics: MetricsOptions;
  onProgress: ((requestsDone: number, nowS: number) => void) | undefined;
  progressEveryIterations: number;
}

export function resolveEngineOptions(o: EngineOptions): ResolvedEngineOptions {
  return {
    skipAhead: o.skipAhead ?? true,
    metrics: o.metrics ?? {},
    onProgress: o.onProgress,
    progressEveryIterations: checkInt('Engine: progressEveryIterations', o.progressEveryIterations ?? 16384, 1),
  };
}
