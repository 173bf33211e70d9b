// 'kvsim/report': the HTML report and its charts (D3 with a linkedom DOM; ~0.2 s to load, so apart
// from 'kvsim'), the readers of the JSON files the report takes, and the CSV views of runs.
export { writeReport } from './writeReport.js';
export type { ReportOptions, SweepOptions, StateComparisonOptions } from './ReportOptions.js';
export type { ValidationResult } from './ValidationResult.js';
export { ReportInputError } from './ReportInputError.js';
export { parseRunResult } from './parseRunResult.js';
export { parseValidationResult } from './parseValidationResult.js';
export { readRunResults, readValidationResults } from './readReportInputs.js';
export { lineChart } from './lineChart.js';
export type { LineChartSpec, LineSeries, Rule } from './lineChart.js';
export { barChart } from './barChart.js';
export type { BarChartSpec, BarGroup } from './barChart.js';
export { crossoverContextTokens, memoryPerRequestBytes } from './memoryPerRequest.js';
export { runsToCsv } from '../sim/metrics/runsToCsv.js';
export type { CsvFile } from '../sim/metrics/runsToCsv.js';
