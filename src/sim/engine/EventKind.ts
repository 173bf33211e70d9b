/**
 * Event kinds, in the order events at the same instant are handled: an iteration's end (which frees
 * memory of finished requests) before arrivals, so a request arriving exactly when a batch ends sees
 * the freed memory — the same choice every run, whatever order the events were pushed in.
 */
export const EventKind = {
  IterationEnd: 0,
  Arrival: 1,
} as const;

export type EventKind = (typeof EventKind)[keyof typeof EventKind];
