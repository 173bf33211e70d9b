import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as gpu from '../src/gpu/index.js';
import * as root from '../src/index.js';
import * as report from '../src/report/index.js';

/**
 * The package's entry points (issue 19): every runtime name each one exports, listed here so an
 * addition or a removal is a decision made in review, not a side effect of `export *`. Types are not
 * listed (they cost nothing at run time and tsc checks their use).
 */
const ROOT_EXPORTS = [
  'ATTENTION_KERNEL_NAMES', 'CalibratedCostModel', 'DEFAULT_SEED', 'DEFAULT_TRACE', 'DTYPES', 'HARDWARE_PRESET_NAMES',
  'HybridPolicy', 'InvalidOptionError', 'KvsimError', 'MODEL_PRESET_NAMES', 'MissingCostTableError', 'ModelConfigError',
  'OrcaScheduler', 'POLICY_KINDS', 'PagedPolicy', 'PolicyMisuseError', 'RecurrentStatePolicy', 'RooflineCostModel',
  'SCHEDULER_KINDS', 'SMALL_PAGE_BYTES', 'SYNTHETIC_PRESET_NAMES', 'SarathiScheduler', 'StaticPolicy', 'TRACE_FORMATS',
  'TraceParseError', 'TraceSourceError', 'UserError', 'VATTENTION_MAX_BATCH_LIMIT', 'VAttentionPolicy', 'VllmScheduler',
  'WRITABLE_TRACE_FORMATS', 'arrayStream', 'attentionLayers', 'buildSimulation', 'chunkedPrefillS', 'collectTrace',
  'comparisonTable', 'createPolicy', 'createScheduler', 'decodeIterationS', 'dtypeBytes', 'exactPercentiles', 'fetchTrace',
  'findMatchingProfiles', 'formatArrivalSpec', 'formatCostSources', 'formatLengthSpec', 'hardwarePreset',
  'isVAttentionPageSize', 'kvBudgetBytes', 'kvBytesPerToken', 'kvBytesPerTokenPerLayer', 'kvHeadsPerGpu', 'memoryTable',
  'modelFromHfConfig', 'modelPreset', 'openSyntheticTrace', 'openTrace', 'paramCount', 'parseArrivalSpec',
  'parseLengthSpec', 'policyKindsFor', 'profilesDir', 'readAttentionKernels', 'readHfConfig', 'readProfile',
  'readPublishedClaims', 'recurrentLayers', 'recurrentStateBytes', 'recurrentStateBytesPerLayer',
  'recurrentStateBytesPerRequest', 'reproduceClaims', 'resolveCostModel', 'resolveHybridOptions', 'resolveModel',
  'resolvePagedOptions', 'resolveRecurrentOptions', 'resolveRooflineOptions', 'resolveSchedulerOptions',
  'resolveStaticOptions', 'resolveTraceOptions', 'resolveVAttentionOptions', 'runsToJson', 'simulate', 'syntheticPreset',
  'traceCacheDir', 'traceRegistry', 'traceRegistryNames', 'traceStats', 'validateProfile', 'vattentionOverPaged',
  'weightBytesPerGpu', 'writeTrace',
];
const REPORT_EXPORTS = [
  'ReportInputError', 'barChart', 'crossoverContextTokens', 'lineChart', 'memoryPerRequestBytes', 'parseRunResult',
  'parseValidationResult', 'readRunResults', 'readValidationResults', 'runsToCsv', 'writeReport',
];
const GPU_EXPORTS = [
  'BlockPool', 'CudaCallError', 'EnactmentError', 'GpuUnavailableError', 'MemoryEnactor', 'VmmArena', 'formatCudaVersion',
  'gpuAvailability', 'loadNative', 'nativeCandidates', 'requireGpu', 'runVmmBench',
];

const sorted = (xs: readonly string[]) => [...xs].sort();
const REPO = resolve('.');

describe('package entry points', () => {
  it('kvsim, kvsim/report and kvsim/gpu export exactly the listed names', () => {
    expect(sorted(Object.keys(root))).toEqual(sorted(ROOT_EXPORTS));
    expect(sorted(Object.keys(report))).toEqual(sorted(REPORT_EXPORTS));
    expect(sorted(Object.keys(gpu))).toEqual(sorted(GPU_EXPORTS));
  });

  it('package.json maps each entry to what the build writes from src', () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { exports: Record<string, { types: string; import: string } | string> };
    const entries = { '.': 'src/index.ts', './report': 'src/report/index.ts', './gpu': 'src/gpu/index.ts' };
    for (const [subpath, src] of Object.entries(entries)) {
      const target = pkg.exports[subpath];
      expect(target, subpath).toBeTypeOf('object');
      const js = src.replace(/^src\//, './dist/').replace(/\.ts$/, '.js');
      expect(target).toEqual({ types: js.replace(/\.js$/, '.d.ts'), import: js });
      expect(existsSync(join(REPO, src)), src).toBe(true);
    }
  });
});

/**
 * What `import 'kvsim'` loads, watched from inside Node: the sources built to a temporary directory,
 * then each entry imported in a fresh process whose module hooks log every resolved URL.
 */
describe('what each entry loads at import', () => {
  let dir = '';
  const loaded = (entry: string): string[] => {
    const log = join(dir, `${entry.replace(/\W/g, '_')}.log`);
    const script =
      `import { register } from 'node:module';` +
      `register(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)}, { data: { log: ${JSON.stringify(log)} } });` +
      `await import(${JSON.stringify(pathToFileURL(join(dir, 'dist', entry)).href)});`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(run.stderr, `importing ${entry}`).toBe('');
    expect(run.status).toBe(0);
    return readFileSync(log, 'utf8').trim().split('\n');
  };
  /** Packages among the loaded URLs (node_modules/<name> or node_modules/@scope/<name>). */
  const packages = (urls: string[]) =>
    [...new Set(urls.flatMap((u) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u)?.[1] ?? []))].sort();

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kvsim-entries-'));
    const tsc = spawnSync(join(REPO, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json', '--outDir', join(dir, 'dist'), '--sourceMap', 'false', '--declaration', 'false'], { cwd: REPO, encoding: 'utf8' });
    if (tsc.status !== 0) throw new Error(`tsc failed: ${tsc.stdout}${tsc.stderr}`);
    // Bare imports resolve from the build's parent directory, as they do in an installed package.
    symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'), 'dir');
    writeFileSync(
      join(dir, 'hooks.mjs'),
      `import { appendFileSync } from 'node:fs';
let log;
export async function initialize(data) { log = data.log; }
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(log, r.url + '\\n');
  return r;
}
`,
    );
  }, 60_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('kvsim loads no D3, no DOM shim, no CLI or sweep libraries: only seedrandom', () => {
    expect(packages(loaded('index.js'))).toEqual(['seedrandom']);
  });

  it('kvsim/report loads D3 and linkedom (the watch sees packages when they are loaded)', () => {
    const pkgs = packages(loaded('report/index.js'));
    expect(pkgs).toContain('d3');
    expect(pkgs).toContain('linkedom');
  });

  it('kvsim/gpu loads no package (the native addon is loaded on first use)', () => {
    expect(packages(loaded('gpu/index.js'))).toEqual([]);
  });
});
