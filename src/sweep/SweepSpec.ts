import type { SweepValue } from './sweepOptions.js';

/** A latency limit of an SLO: `<metric>-<stat>-ms` in the spec, e.g. `ttft-p99-ms: 500`. */
export interface SloLimit {
  metric: 'ttft' | 'tbt' | 'e2e';
  stat: 'mean' | 'p50' | 'p90' | 'p99' | 'max';
  maxMs: number;
}

/**
 * A capacity search: for every configuration of the grid (its `rate` axis left out), the highest
 * request rate whose run meets every limit.
 */
export interface SloSearchSpec {
  /** Shown in results; unique within the spec. */
  name: string;
  limits: SloLimit[];
  /** Lowest rate searched, requests/s. */
  rateMinPerS: number;
  /** Highest rate searched, requests/s. */
  rateMaxPerS: number;
  /**
   * Relative tolerance: the search stops once the highest passing rate and the lowest failing one are
   * within `tolerance * passing` of each other.
   * @defaultValue 0.02
   */
  tolerance: number;
}

/** A sweep as read from its file, checked. */
export interface SweepSpec {
  /** @defaultValue the file's name without extension */
  name: string;
  /** Per option, its values in spec order; a scalar in the file is a list of one. */
  grid: Map<string, SweepValue[]>;
  /**
   * Whether every grid point is replayed; false runs only the SLO searches.
   * @defaultValue true
   */
  runs: boolean;
  slo: SloSearchSpec[];
}

export const DEFAULT_SLO_TOLERANCE = 0.02;
