/** What one fuzz case ended in. */
export type Outcome = 'ok' | 'user-error' | 'internal-error' | 'stack-trace' | 'multi-line-error' | 'silent-success' | 'hang' | 'threw';

export interface CaseResult {
  out: string;
  outLength: number;
  err: string;
  code: number;
  thrown?: string;
}

/** Lines a successful or failing run may print besides its one error line. */
const INFO = /^kvsim: (warning|note): |^kvsim: skipped \d+ invalid row|^ {2}\S|^kvsim: wrote |^\r/;

/**
 * Judges a case: exit 0 must print something (no silent success: `expectOutput` says what), exit 2 must
 * be exactly one error line (warnings and notes aside), and nothing may print a stack trace, exit 1
 * (an internal error) or throw out of runCli.
 */
export function judge(r: CaseResult, expectOutput: (r: CaseResult) => boolean): Outcome {
  if (r.thrown !== undefined) return 'threw';
  if (/^\s+at .+[:(].*\d+:\d+\)?$/m.test(r.err) || /^\s+at .+[:(].*\d+:\d+\)?$/m.test(r.out)) return 'stack-trace';
  if (r.code === 1) return 'internal-error';
  const lines = r.err.split('\n').filter((l) => l.length > 0 && !INFO.test(l));
  if (r.code === 2) return lines.length === 1 && lines[0].startsWith('kvsim: ') ? 'user-error' : 'multi-line-error';
  if (r.code !== 0) return 'internal-error';
  if (lines.length > 0) return 'multi-line-error';
  return expectOutput(r) ? 'ok' : 'silent-success';
}
