import { COST_TERMS } from './calibrated/CostSources.js';

const TERM_NAMES: Record<string, string> = {
  gemm: 'GEMMs + LM head',
  prefillAttention: 'prefill attention',
  decodeAttention: 'decode attention',
  recurrent: 'recurrent step',
  comm: 'tensor-parallel communication',
  overhead: 'per-iteration overhead',
  allocation: 'allocation work',
};

export interface CostSourcesOfRun {
  /** e.g. `llama-3-8b paged(block=16)`. */
  tag: string;
  /** The run's `config.costModel` (describe() plus `resolution`). */
  costModel?: Record<string, unknown>;
}

/**
 * The footer lines that say where every figure of a table came from: how each run's cost model was
 * resolved, then per cost term which source priced what share of the iterations that have the term
 * (identical lines of several runs merged), and a warning for every run where a fallback priced some.
 */
export function formatCostSources(runs: CostSourcesOfRun[]): { lines: string[]; warnings: string[] } {
  const lines: string[] = [];
  const warnings: string[] = [];
  const resolutions = new Map<string, string[]>();
  const termLines = new Map<string, string[]>();
  for (const r of runs) {
    const cm = r.costModel ?? {};
    const res = typeof cm.resolution === 'string' ? cm.resolution : `cost model given by the caller (${String(cm.costModel ?? 'unknown')})`;
    push(resolutions, res, r.tag);
    const sources = (cm.sources ?? {}) as Record<string, Record<string, number>>;
    for (const term of COST_TERMS) {
      const bySource = sources[term];
      if (!bySource) continue;
      const total = Object.values(bySource).reduce((s, n) => s + n, 0);
      // Merge the provenance suffixes ("[interpolated]") of one source into one entry.
      const merged = new Map<string, Map<string, number>>();
      for (const [key, n] of Object.entries(bySource)) {
        const m = /^(.*) \[([^\]]+)\]$/.exec(key);
        const label = m ? m[1] : key;
        const prov = m ? m[2] : '';
        const g = merged.get(label) ?? new Map<string, number>();
        g.set(prov, (g.get(prov) ?? 0) + n);
        merged.set(label, g);
      }
      const parts: string[] = [];
      for (const [label, provs] of merged) {
        const n = [...provs.values()].reduce((s, x) => s + x, 0);
        const detail = [...provs.entries()].filter(([p]) => p !== '');
        const how = detail.length > 0 && !(detail.length === 1 && detail[0][0] === 'interpolated') ? ` (${detail.map(([p, x]) => `${p} ${pct(x / n)}`).join(', ')})` : '';
        parts.push(`${label} ${pct(n / total)}${how}`);
        if (label.startsWith('roofline fallback')) warnings.push(`warning: ${r.tag}: ${pct(n / total)} of the iterations with ${TERM_NAMES[term]} (${n} of ${total}) priced by the ${label}`);
      }
      push(termLines, `  ${TERM_NAMES[term]}: ${parts.join('; ')}`, r.tag);
    }
  }
  for (const [res, tags] of resolutions) lines.push(`cost model${runs.length > 1 ? ` [${tags.join(', ')}]` : ''}: ${res}`);
  if (termLines.size > 0) lines.push('cost sources (share of the iterations that have the term):');
  for (const [line, tags] of termLines) lines.push(runs.length > 1 && tags.length < runs.length ? `${line} [${tags.join(', ')}]` : line);
  return { lines, warnings };
}

function push(m: Map<string, string[]>, key: string, tag: string): void {
  const v = m.get(key);
  if (v) v.push(tag);
  else m.set(key, [tag]);
}

function pct(x: number): string {
  return `${(x * 100).toFixed(x >= 0.999 || x === 0 ? 0 : 1)}%`;
}
