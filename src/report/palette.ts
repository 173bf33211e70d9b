/** Colour-blind-safe categorical colours (Okabe–Ito), fixed per policy family so every chart agrees. */
const POLICY_COLORS: Record<string, string> = {
  static: '#D55E00',
  paged: '#0072B2',
  vattention: '#009E73',
  recurrent: '#CC79A7',
  hybrid: '#E69F00',
};

const FALLBACK = ['#56B4E9', '#F0E442', '#000000', '#999999', '#882255', '#44AA99', '#117733', '#332288'];

/**
 * Colour of series `index` whose label is `label`: the policy family's colour when the label starts
 * with one and no earlier series took it, else the next fallback colour.
 */
export function seriesColors(labels: readonly string[]): string[] {
  const used = new Set<string>();
  let next = 0;
  return labels.map((label) => {
    const family = Object.keys(POLICY_COLORS).find((k) => label.toLowerCase().startsWith(k));
    const preferred = family ? POLICY_COLORS[family] : undefined;
    if (preferred && !used.has(preferred)) {
      used.add(preferred);
      return preferred;
    }
    let color = FALLBACK[next % FALLBACK.length];
    next++;
    while (used.has(color) && next < FALLBACK.length * 2) color = FALLBACK[next++ % FALLBACK.length];
    used.add(color);
    return color;
  });
}

/** Colours of the three memory quantities, the same in every memory chart. */
export const MEMORY_COLORS = { live: '#009E73', allocated: '#0072B2', reserved: '#D55E00' } as const;
