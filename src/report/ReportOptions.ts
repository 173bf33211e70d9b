import { checkInt, expected } from '../errors.js';
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
  /** Most points drawn per series (extremes are kept when thinning). @defaultValue 1200 */
  maxPointsPerSeries?: number;
}

export interface SweepOptions {
  model?: string;
  gpu?: string;
  tp?: number;
  contextsTokens?: number[];
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
  sweep: Required<SweepOptions> | false;
  stateComparison: Required<StateComparisonOptions> | false;
  maxPointsPerSeries: number;
}

/** Fills defaults and validates; `first` is the first run's config, the default sweep target. */
export function resolveReportOptions(options: ReportOptions, first?: { model: string; gpu: string; tp: number }): ResolvedReportOptions {
  const title = options.title ?? 'kvsim report';
  if (typeof title !== 'string' || title.trim() === '') throw expected('a non-empty string', 'writeReport: options.title', title);
  const maxPointsPerSeries = checkInt('writeReport: options.maxPointsPerSeries', options.maxPointsPerSeries ?? 1200, 16, 1_000_000);
  let sweep: ResolvedReportOptions['sweep'] = false;
  if (options.sweep !== false) {
    const s = options.sweep ?? {};
    sweep = {
      model: s.model ?? first?.model ?? 'llama-3-8b',
      gpu: s.gpu ?? first?.gpu ?? 'h100-sxm-80gb',
      tp: checkInt('writeReport: options.sweep.tp', s.tp ?? first?.tp ?? 1, 1, 64),
      contextsTokens: s.contextsTokens ?? [1024, 4096],
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
  return { title, validation: options.validation ?? [], sweep, stateComparison, maxPointsPerSeries };
}
