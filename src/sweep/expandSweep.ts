import { UserError } from '../errors.js';
import { readSweepSpec } from './readSweepSpec.js';
import { resolveRunOptions } from './resolveRunOptions.js';
import { runId } from './runId.js';
import type { SweepRun } from './SweepRun.js';
import type { SweepSpec } from './SweepSpec.js';
import { SWEEP_OPTIONS, type SweepValue } from './sweepOptions.js';

/** The models and policies `kvsim replay` uses when none is named; a spec without them gets the same. */
const DEFAULT_AXES: ReadonlyArray<[string, SweepValue[]]> = [
  ['model', ['llama-3-8b', 'xlstm-7b']],
  ['policy', ['static', 'paged', 'vattention', 'recurrent', 'hybrid']],
];

/** What a spec expands to. */
export interface ExpandedSweep {
  runs: SweepRun[];
  /** Grid points left out because their policy does not apply to their model, with one example reason. */
  skipped: number;
  skipReason?: string;
  /** Grid points that resolved to a run already in the list (e.g. a block size under vAttention). */
  duplicates: number;
}

/**
 * Expands a spec into runs: the cartesian product of its axes (the first axis varying slowest, in the
 * spec's order of options), plain runs first, then for each SLO block one search per configuration of
 * the grid without its `rate` axis. Points whose resolved options coincide become one run (the first).
 */
export function expandSweep(spec: SweepSpec): ExpandedSweep {
  const axes: Array<[string, SweepValue[]]> = [...spec.grid.entries()];
  for (const [name, values] of DEFAULT_AXES) if (!spec.grid.has(name)) axes.push([name, values]);
  // Axes in the option table's order, so reordering keys in the file does not reorder runs.
  const order = (name: string) => SWEEP_OPTIONS.findIndex((o) => o.name === name);
  axes.sort((a, b) => order(a[0]) - order(b[0]));
  const runs: SweepRun[] = [];
  const seen = new Set<string>();
  const result: ExpandedSweep = { runs, skipped: 0, duplicates: 0 };
  const add = (kind: SweepRun['kind'], point: Map<string, SweepValue>, slo?: SweepRun['slo']) => {
    const resolved = resolveRunOptions(point);
    if ('skip' in resolved) {
      result.skipped++;
      result.skipReason ??= resolved.skip;
      return;
    }
    if (kind === 'slo') resolved.options.rate = null;
    const id = runId({ kind, options: resolved.options, ...(slo ? { slo } : {}) });
    if (seen.has(id)) {
      result.duplicates++;
      return;
    }
    seen.add(id);
    runs.push({ id, index: runs.length, kind, options: resolved.options, ...(slo ? { slo } : {}) });
  };
  if (spec.runs) for (const point of product(axes)) add('run', point);
  const searchAxes = axes.filter(([name]) => name !== 'rate');
  for (const slo of spec.slo) for (const point of product(searchAxes)) add('slo', point, slo);
  return result;
}

/** Reads a spec file and expands it; an option the library refuses is reported under the file's name. */
export function expandSweepFile(path: string): { spec: SweepSpec; expanded: ExpandedSweep } {
  const spec = readSweepSpec(path);
  try {
    return { spec, expanded: expandSweep(spec) };
  } catch (err) {
    if (err instanceof UserError) throw new UserError(err.code, `${path}: ${err.message}`);
    throw err;
  }
}

/** Every combination of the axes' values, the last axis varying fastest. */
function* product(axes: ReadonlyArray<[string, SweepValue[]]>): Generator<Map<string, SweepValue>> {
  const at = new Array<number>(axes.length).fill(0);
  for (;;) {
    yield new Map(axes.map(([name, values], i) => [name, values[at[i]]]));
    let i = axes.length - 1;
    while (i >= 0 && ++at[i] === axes[i][1].length) at[i--] = 0;
    if (i < 0) return;
  }
}
