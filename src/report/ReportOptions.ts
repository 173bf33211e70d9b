import { checkInt, checkNumber, expected } from '../errors.js';
import type { Slo } from './sloGoodput.js';
import type { ValidationResult } from './ValidationResult.js';

/** Options of {@link writeReport}. Every field is optional; {@link resolveReportOptions} fills defaults. */
export interface ReportOptions {
  /** Heading and `<title>` of the page. @defaultValue 'kvsim report' */
  title?: string;
  /** Simulator-vs-GPU pairs; the validation scatter is drawn only when at least one set is given. @defaultValue [] */
  validation?: ValidationResult[];
  /**
   * Page- and block-size sweep (from the memory table): model, GPU and TP it is computed for, and the
   * context lengths capacity is shown at. `false` leaves the section out.
   * @defaultValue model, GPU and TP of the first run (llama-3-8b on h100-sxm-80gb, TP 1 without runs); contexts [1024, 4096]
   */
  sweep?: SweepOptions | false;
  /**
   * Recurrent-state vs attention-KV chart: the models compared (preset names; `name@bf16` sets a
   * recurrent model's state dtype) and the longest context drawn. `false` leaves it out.
   * @defaultValue models ['llama-3-8b', 'xlstm-7b', 'xlstm-7b@bf16'], maxContextTokens 4096, gpu h100-sxm-80gb,
   * capacityContextsTokens [256, 512, ..., 8192]
   */
  stateComparison?: StateComparisonOptions | false;
  /** Most points drawn per CDF series. @defaultValue 400 */
  maxPointsPerSeries?: number;
  /** Time bins drawn across the time axis (the page’s zoom reaches 2x finer). @defaultValue 300 */
  timeBins?: number;
  /**
   * The run the verdict table compares against: a run label (as the report prints it) or a policy
   * name its label starts with.
   * @defaultValue the first paged run, else the first run
   */
  baseline?: string;
  /** Latency targets of the goodput figure, seconds. @defaultValue { ttftS: 2, tbtS: 0.1 } (a common chat target; assumed) */
  slo?: Partial<Slo>;
  /**
   * Hover read-outs, time zoom and baseline switching through a small inline script (no network:
   * the CSP forbids every fetch). `false` writes a script-free page.
   * @defaultValue true
   */
  interactive?: boolean;
}

export interface SweepOptions {
  model?: string;
  gpu?: string;
  tp?: number;
  contextsTokens?: number[];
  /** KV/state bytes per GPU for the sweep. @defaultValue the replays' own budget when they ran with --kv-memory, else the GPU's */
  budgetBytes?: number;
}

export interface StateComparisonOptions {
  models?: string[];
  maxContextTokens?: number;
  tp?: number;
  /** GPU the batch-capacity chart fills. */
  gpu?: string;
  /** Context lengths of the batch-capacity chart (each must fit every attention model's max context). */
  capacityContextsTokens?: number[];
}

export interface ResolvedReportOptions {
  title: string;
  validation: ValidationResult[];
  sweep: (Required<Omit<SweepOptions, 'budgetBytes'>> & { budgetBytes?: number }) | false;
  stateComparison: Required<StateComparisonOptions> | false;
  maxPointsPerSeries: number;
  timeBins: number;
  baseline?: string;
  slo: Slo;
  interactive: boolean;
}

/** Fills defaults and validates; `first` is the first run's config, the default sweep target. */
export function resolveReportOptions(options: ReportOptions, first?: { model: string; gpu: string; tp: number }): ResolvedReportOptions {
  const title = options.title ?? 'kvsim report';
  if (typeof title !== 'string' || title.trim() === '') throw expected('a non-empty string', 'writeReport: options.title', title);
  const maxPointsPerSeries = checkInt('writeReport: options.maxPointsPerSeries', options.maxPointsPerSeries ?? 400, 16, 1_000_000);
  let sweep: ResolvedReportOptions['sweep'] = false;
  if (options.sweep !== false) {
    const s = options.sweep ?? {};
    sweep = {
      model: s.model ?? first?.model ?? 'llama-3-8b',
      gpu: s.gpu ?? first?.gpu ?? 'h100-sxm-80gb',
      tp: checkInt('writeReport: options.sweep.tp', s.tp ?? first?.tp ?? 1, 1, 64),
      contextsTokens: s.contextsTokens ?? [1024, 4096],
      budgetBytes: s.budgetBytes === undefined ? undefined : checkInt('writeReport: options.sweep.budgetBytes', s.budgetBytes, 1),
    };
    sweep.contextsTokens.forEach((c, i) => checkInt(`writeReport: options.sweep.contextsTokens[${i}]`, c, 1));
  }
  let stateComparison: ResolvedReportOptions['stateComparison'] = false;
  if (options.stateComparison !== false) {
    const s = options.stateComparison ?? {};
    stateComparison = {
      models: s.models ?? ['llama-3-8b', 'xlstm-7b', 'xlstm-7b@bf16'],
      maxContextTokens: checkInt('writeReport: options.stateComparison.maxContextTokens', s.maxContextTokens ?? 4096, 1),
      tp: checkInt('writeReport: options.stateComparison.tp', s.tp ?? 1, 1, 64),
      gpu: s.gpu ?? 'h100-sxm-80gb',
      capacityContextsTokens: s.capacityContextsTokens ?? [256, 512, 1024, 2048, 4096, 8192],
    };
    stateComparison.capacityContextsTokens.forEach((c, i) => checkInt(`writeReport: options.stateComparison.capacityContextsTokens[${i}]`, c, 1));
  }
  const timeBins = checkInt('writeReport: options.timeBins', options.timeBins ?? 300, 10, 5000);
  const slo: Slo = {
    ttftS: checkNumber('writeReport: options.slo.ttftS', options.slo?.ttftS ?? 2, 1e-6),
    tbtS: checkNumber('writeReport: options.slo.tbtS', options.slo?.tbtS ?? 0.1, 1e-6),
  };
  if (options.baseline !== undefined && (typeof options.baseline !== 'string' || options.baseline.trim() === '')) {
    throw expected('a run label or policy name', 'writeReport: options.baseline', options.baseline);
  }
  const interactive = options.interactive ?? true;
  if (typeof interactive !== 'boolean') throw expected('a boolean', 'writeReport: options.interactive', interactive);
  return { title, validation: options.validation ?? [], sweep, stateComparison, maxPointsPerSeries, timeBins, baseline: options.baseline, slo, interactive };
}
