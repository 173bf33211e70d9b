/** The cost terms an iteration's time is made of, as the sources record them. */
export type CostTerm = 'gemm' | 'prefillAttention' | 'decodeAttention' | 'recurrent' | 'comm' | 'overhead' | 'allocation';

export const COST_TERMS: readonly CostTerm[] = ['gemm', 'prefillAttention', 'decodeAttention', 'recurrent', 'comm', 'overhead', 'allocation'];

/**
 * Per cost term, how many iterations each source priced (`measured <file> <table> (interpolated)`,
 * `published <kernel> ...`, `roofline ...`, `roofline fallback (<why>)`). Counting is per iteration
 * that has the term, so shares are shares of iterations. Keys are built once per (label, provenance)
 * and reused, so counting allocates nothing in the hot path.
 */
export class CostSources {
  private readonly counts = new Map<CostTerm, Map<string, number>>();
  private readonly keys = new Map<string, Map<string, string>>();

  count(term: CostTerm, label: string, provenance?: string): void {
    let key = label;
    if (provenance !== undefined && provenance !== '') {
      let byProv = this.keys.get(label);
      if (!byProv) this.keys.set(label, (byProv = new Map()));
      let k = byProv.get(provenance);
      if (k === undefined) byProv.set(provenance, (k = `${label} [${provenance}]`));
      key = k;
    }
    let m = this.counts.get(term);
    if (!m) this.counts.set(term, (m = new Map()));
    m.set(key, (m.get(key) ?? 0) + 1);
  }

  /** `{ term: { source: iterations } }` in term order, sources by first use. */
  toJSON(): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {};
    for (const t of COST_TERMS) {
      const m = this.counts.get(t);
      if (m) out[t] = Object.fromEntries(m);
    }
    return out;
  }
}
