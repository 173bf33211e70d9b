/** What `skipInvalid` left out of a trace: how many rows and why (the first few reasons, with line numbers). */
export interface SkipReport {
  /** Rows skipped so far. */
  count: number;
  /** The first `MAX_SKIP_REASONS` error messages, each `file:line: field: reason`. */
  reasons: string[];
}

/** How many skip reasons a report keeps: enough to see a pattern, few enough for one screen. */
export const MAX_SKIP_REASONS = 5;

export function emptySkipReport(): SkipReport {
  return { count: 0, reasons: [] };
}

export function recordSkip(report: SkipReport, message: string): void {
  report.count++;
  if (report.reasons.length < MAX_SKIP_REASONS) report.reasons.push(message);
}
