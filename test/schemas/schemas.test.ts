import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { replayOnGpu } from '../../src/gpu/replayOnGpu.js';
import { simulate, type SimulationConfig } from '../../src/sim/engine/simulate.js';
import type { PolicyKind } from '../../src/sim/memory/MemoryPolicy.js';
import type { RunResult } from '../../src/sim/metrics/RunResult.js';
import { runsToJson } from '../../src/sim/metrics/runsToJson.js';
import type { SchedulerKind } from '../../src/sim/scheduler/SchedulerKind.js';
import { openTrace } from '../../src/sim/trace/openTrace.js';
import type { RequestSpec } from '../../src/sim/trace/RequestSpec.js';
import { fakeBinding } from '../gpu/fakes/fakeBinding.js';

/**
 * The published JSON Schemas (schemas/, shipped in the package for other languages): every run
 * simulate() or the GPU replay produces validates as written to disk, every committed profile and
 * validation file validates, and the schemas refuse what they should (they are not vacuous).
 */
const SCHEMAS = 'schemas';
const ajv = new Ajv2020({ strict: true, allErrors: true });
const load = (name: string): ValidateFunction => ajv.compile(JSON.parse(readFileSync(join(SCHEMAS, name), 'utf8')) as object);
const runSchema = load('kvsim.run-1.schema.json');
const validationSchema = load('kvsim.validation-1.schema.json');
const profileSchema = load('kvsim.profile-1.schema.json');

/** Validation errors as one readable string ('' when valid). */
function errors(validate: ValidateFunction, value: unknown): string {
  return validate(value) ? '' : ajv.errorsText(validate.errors, { separator: '\n' });
}
/** A run as a reader sees it: through the JSON kvsim writes (NaN becomes null). */
const asWritten = (runs: RunResult[]): unknown => JSON.parse(runsToJson(runs));

function jsonFiles(dir: string, suffix = '.json'): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? jsonFiles(p, suffix) : p.endsWith(suffix) ? [p] : [];
  });
}
const committed = (schema: string) => jsonFiles('profiles').filter((p) => (JSON.parse(readFileSync(p, 'utf8')) as { schema?: string }).schema === schema);

describe('schemas/kvsim.run-1.schema.json', () => {
  const trace = (count: number, name = 'synthetic:conv') => openTrace(name, { count, seed: 7, maxContextTokens: 8192 });
  const cases: [string, () => Promise<Omit<SimulationConfig, 'trace'> & { trace?: SimulationConfig['trace'] }>][] = [
    ['paged, vLLM V1 (prefix caching)', async () => ({ trace: await trace(40, 'synthetic:multiturn'), model: 'llama-3-8b', hardware: 'h100', policy: 'paged' })],
    ['vattention 64 KiB, sarathi', async () => ({ model: 'llama-3-8b', hardware: 'h100', policy: 'vattention', policyOptions: { pageSizeBytes: 64 * 1024, assumePageCostS: 30e-6 }, scheduler: 'sarathi' })],
    ['static, orca', async () => ({ model: 'llama-3-8b', hardware: 'a100', policy: 'static', scheduler: 'orca' })],
    ['recurrent, vllm-v0', async () => ({ model: 'xlstm-7b', hardware: 'h200', policy: 'recurrent', scheduler: 'vllm-v0' })],
    ['hybrid', async () => ({ model: 'hybrid-7b', hardware: 'h100', policy: 'hybrid' })],
    ['drops and preemptions: 256 MiB of KV', async () => ({ model: 'llama-3-8b', hardware: 'h100', policy: 'paged', capacityBytes: 2 ** 28, scheduler: 'vllm-v0' })],
    ['no per-request columns, no iteration records', async () => ({ model: 'llama-3-8b', hardware: 'h100', policy: 'vattention', engine: { metrics: { perRequest: false, maxIterationRecords: 0 } } })],
    ['an empty trace', async () => ({ trace: [] as RequestSpec[], model: 'llama-3-8b', hardware: 'h100', policy: 'paged' })],
  ];
  for (const [name, make] of cases) {
    it(`validates what simulate() writes: ${name}`, async () => {
      const config = await make();
      const run = await simulate({ ...config, trace: config.trace ?? (await trace(30)) } as SimulationConfig);
      expect(errors(runSchema, asWritten([run]))).toBe('');
    });
  }

  it('the cases reach the optional fields (drops, prefix cache) and null (NaN) values', async () => {
    const dropped = await simulate({ trace: await trace(30), model: 'llama-3-8b', hardware: 'h100', policy: 'paged', capacityBytes: 2 ** 28, scheduler: 'vllm-v0' });
    expect(dropped.summary.dropReasons).toBeDefined();
    expect(dropped.summary.preemptions).toBeGreaterThan(0);
    const json = asWritten([dropped]) as { requests: { finishS: (number | null)[] } };
    expect(json.requests.finishS).toContain(null);
    const cached = await simulate({ trace: await trace(40, 'synthetic:multiturn'), model: 'llama-3-8b', hardware: 'h100', policy: 'paged' });
    expect(cached.summary.prefixCache).toBeDefined();
  });

  it('validates random small replays (seeded property; policy x scheduler x trace)', async () => {
    const seed = 20261206;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<[string, PolicyKind]>(['llama-3-8b', 'static'], ['llama-3-8b', 'paged'], ['llama-3-8b', 'vattention'], ['xlstm-7b', 'recurrent'], ['hybrid-7b', 'hybrid']),
        fc.constantFrom<SchedulerKind>('vllm', 'vllm-v0', 'sarathi', 'orca'),
        fc.constantFrom('synthetic:conv', 'synthetic:code', 'synthetic:system-prompt'),
        fc.integer({ min: 1, max: 25 }),
        fc.integer({ min: 0, max: 1000 }),
        async ([model, policy], scheduler, name, count, traceSeed) => {
          const t = await openTrace(name, { count, seed: traceSeed, maxContextTokens: 8192 });
          const run = await simulate({ trace: t, model, hardware: 'h100', policy, scheduler });
          const e = errors(runSchema, asWritten([run]));
          if (e !== '') throw new Error(`${model} ${policy} ${scheduler} ${name} count=${count} seed=${traceSeed}: ${e}`);
        },
      ),
      { seed, numRuns: 25, verbose: fc.VerbosityLevel.None },
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n(fast-check seed ${seed})`);
    });
  });

  it('validates a GPU-backend run (fake binding) and the {"runs": [...]} file form', async () => {
    const g = await replayOnGpu({ trace: await trace(10), model: 'llama-3-8b', hardware: 'h100', policy: 'paged', gpu: fakeBinding() });
    expect(g.run.config.backend).toBe('gpu');
    const sim = await simulate({ trace: await trace(10), model: 'llama-3-8b', hardware: 'h100', policy: 'static' });
    expect(errors(runSchema, asWritten([g.run]))).toBe('');
    expect(errors(runSchema, asWritten([g.run, sim]))).toBe('');
  });

  it('refuses a run missing a field, with a field it does not declare, or with a wrong type', async () => {
    const run = asWritten([await simulate({ trace: await trace(5), model: 'llama-3-8b', hardware: 'h100', policy: 'paged' })]) as Record<string, Record<string, unknown>>;
    const mutate = (f: (r: Record<string, Record<string, unknown>>) => void) => {
      const copy = structuredClone(run);
      f(copy);
      return errors(runSchema, copy);
    };
    expect(errors(runSchema, run)).toBe('');
    expect(mutate((r) => delete r.summary.ttftS)).toMatch(/ttftS/);
    expect(mutate((r) => (r.summary.ttftMs = 1))).toMatch(/additional properties/);
    expect(mutate((r) => (r.schema = 'kvsim.run/2' as never))).toMatch(/constant/);
    expect(mutate((r) => (r.iterations.durationS = ['fast']))).toMatch(/durationS/);
    expect(mutate((r) => (r.config.backend = 'tpu'))).toMatch(/backend/);
  });
});

describe('schemas/kvsim.profile-1.schema.json and kvsim.validation-1.schema.json', () => {
  it('every committed calibration profile validates', () => {
    const files = committed('kvsim.profile/1');
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(errors(profileSchema, JSON.parse(readFileSync(f, 'utf8'))), f).toBe('');
  });

  it('every committed validation file validates', () => {
    const files = committed('kvsim.validation/1');
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(errors(validationSchema, JSON.parse(readFileSync(f, 'utf8'))), f).toBe('');
  });

  it('every committed run file (the sim and GPU replays beside the validation files) validates as kvsim.run/1', () => {
    const files = jsonFiles('profiles', '.json.gz');
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(errors(runSchema, JSON.parse(gunzipSync(readFileSync(f)).toString('utf8'))), f).toBe('');
  });

  it('refuse a profile or validation file that is malformed', () => {
    const [pf] = committed('kvsim.profile/1');
    const profile = JSON.parse(readFileSync(pf, 'utf8')) as Record<string, unknown>;
    expect(errors(profileSchema, { ...profile, card: undefined })).toMatch(/card/);
    expect(errors(profileSchema, { ...profile, lmHead: { x: [1], timeS: [1] } })).toMatch(/xName/);
    expect(errors(profileSchema, { ...profile, shape: { ...(profile.shape as object), layers: [{ count: 1, layer: { kind: 'attention', heads: 8 } }] } })).toMatch(/kvHeads/);
    const [vf] = committed('kvsim.validation/1');
    const validation = JSON.parse(readFileSync(vf, 'utf8')) as Record<string, Record<string, unknown>>;
    expect(errors(validationSchema, { ...validation, iterations: { ...validation.iterations, gpuS: undefined } })).toMatch(/gpuS/);
    expect(errors(validationSchema, { ...validation, iterations: { ...validation.iterations, mapS: 'x' } })).not.toBe('');
  });
});
