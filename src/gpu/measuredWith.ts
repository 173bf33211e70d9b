/**
 * Which kernel a profile's table was measured with beside the one the GPU runs (kvsim validate): the
 * C ABIs pick among several kernels for one operation (prefill attention's kernel, mLSTM prefill's
 * algorithm), so the same profile table can hold very different kernels' times.
 */
export interface MeasuredWithCheck {
  /** What the profile records; null when it does not (calibrated before it was recorded). */
  profile: string | null;
  /** What the GPU runs; null when the addon cannot say. */
  gpu: string | null;
  /** One line when the two differ or either is unknown; absent when they match. */
  warning?: string;
}

/** How the warning names the operation and its choice. */
export interface MeasuredWithWording {
  /** The operation the table times, e.g. `prefill attention`. */
  subject: string;
  /** What picks among its kernels, e.g. `kernel` or `algorithm`. */
  noun: string;
  /** The profile field that records it, e.g. `prefillAttention.kernel`. */
  field: string;
}

/**
 * Compares what a profile's table was measured with (`measured`, from the profile at `path`) with what
 * the GPU runs (`gpu`). Never refuses: a mismatch is a warning, since the comparison may be what the
 * user wants to see.
 */
export function checkMeasuredWith(measured: string | undefined, gpu: string | undefined, path: string, w: MeasuredWithWording): MeasuredWithCheck {
  const recorded = measured ?? null;
  const runs = gpu ?? null;
  if (recorded !== null && recorded === runs) return { profile: recorded, gpu: runs };
  const article = /^[aeiou]/i.test(w.noun) ? 'an' : 'a';
  const was = recorded === null ? `with ${article} ${w.noun} it does not record (${w.field} absent)` : `with ${w.noun} '${recorded}'`;
  const now = runs === null ? `this addon cannot say which ${w.noun} this GPU runs (an old build: npm run build:native)` : `this GPU runs '${runs}'`;
  return { profile: recorded, gpu: runs, warning: `validate: warning: the profile's ${w.subject} (${path}) was measured ${was}; ${now} — ${w.subject} times may differ; re-run kvsim calibrate` };
}
