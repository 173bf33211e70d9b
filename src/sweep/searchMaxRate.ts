/** The outcome of a capacity search. */
export interface RateSearchResult<T> {
  /**
   * Highest rate probed that met the SLO, requests/s; null when even the lowest rate failed. The true
   * boundary lies in [maxRatePerS, maxRatePerS * (1 + tolerance)] unless `capped`.
   */
  maxRatePerS: number | null;
  /** What the probe at maxRatePerS returned (its run summary), null when none passed. */
  best: T | null;
  /** The highest rate searched passed: the capacity is at least that, maybe more. */
  capped: boolean;
  /** Rates probed, in order. */
  probes: number[];
}

/**
 * Highest rate in [minPerS, maxPerS] at which `probe` passes, by bisection on a log scale (rates span
 * decades; the geometric midpoint halves the ratio hi/lo each step). Assumes the pass/fail answer is
 * monotone in rate (more load never lowers latency percentiles, true of a replay on a rescaled trace up
 * to noise the SLO margin should cover). Deterministic: the probes depend only on the answers.
 * Stops when hi <= lo * (1 + tolerance): at most ceil(log2(ln(max/min) / ln(1 + tolerance))) + 2 probes.
 */
export async function searchMaxRate<T>(
  probe: (ratePerS: number) => Promise<{ pass: boolean; value: T }>,
  minPerS: number,
  maxPerS: number,
  tolerance: number,
): Promise<RateSearchResult<T>> {
  const probes: number[] = [];
  const at = async (rate: number) => {
    probes.push(rate);
    return probe(rate);
  };
  const low = await at(minPerS);
  if (!low.pass) return { maxRatePerS: null, best: null, capped: false, probes };
  const high = await at(maxPerS);
  if (high.pass) return { maxRatePerS: maxPerS, best: high.value, capped: true, probes };
  let lo = minPerS;
  let hi = maxPerS;
  let best = low.value;
  while (hi > lo * (1 + tolerance)) {
    const mid = Math.sqrt(lo * hi);
    const r = await at(mid);
    if (r.pass) {
      lo = mid;
      best = r.value;
    } else {
      hi = mid;
    }
  }
  return { maxRatePerS: lo, best, capped: false, probes };
}
