import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveModelArg } from '../../src/cli/modelArg.js';
import { parseGoodput, servingMetrics } from '../../src/cli/servingMetrics.js';
import type { RunResult } from '../../src/sim/metrics/RunResult.js';
import { runKvsim } from './runKvsim.js';

const dir = mkdtempSync(join(tmpdir(), 'kvsim-vllm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BASE = ['replay', '--trace', 'synthetic:conv', '--cost-model', 'roofline', '--no-progress'];

describe('vLLM-named flags', () => {
  it('a vLLM benchmark command line runs and means what vLLM means', async () => {
    const json = join(dir, 'v.json');
    const r = await runKvsim([...BASE, '--model', 'meta-llama/Meta-Llama-3-8B', '--policy', 'paged', '--request-rate', '4', '--num-prompts', '50', '--max-num-seqs', '32', '--max-num-batched-tokens', '4096', '--tensor-parallel-size', '1', '--max-model-len', '3000', '--gpu-memory-utilization', '0.8', '--no-enable-prefix-caching', '--long-prefill-token-threshold', '512', '--goodput', 'ttft:500', 'tpot:50', '--json', json]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const run = JSON.parse(readFileSync(json, 'utf8')) as RunResult;
    expect(run.config.model).toBe('llama-3-8b');
    expect(run.summary.requests).toBe(50);
    expect(run.config.schedulerOptions).toMatchObject({ maxNumSeqs: 32, maxNumBatchedTokens: 4096, longPrefillTokenThreshold: 512 });
    expect(run.config.policyOptions).toMatchObject({ maxContextTokens: 3000, gpuMemoryUtilization: 0.8, enablePrefixCaching: false });
    // --max-model-len 3000 drops the longer conversation requests as too-long, as vLLM rejects them.
    expect(Math.max(...run.requests.promptTokens.map((p, i) => (Number.isFinite(run.requests.finishS[i] ?? Number.NaN) ? p + run.requests.outputTokens[i] : 0)))).toBeLessThanOrEqual(3000);
    // --request-rate rescales arrivals to 4/s on average.
    const arr = run.requests.arrivalS;
    expect((arr.length - 1) / (arr[arr.length - 1] - arr[0])).toBeCloseTo(4, 0);
    for (const name of ['Mean TTFT (ms)', 'Median TPOT (ms)', 'P99 ITL (ms)', 'Total Token throughput (tok/s)', 'Request goodput (req/s)']) expect(r.out).toContain(name);
  });

  it('the kv-cache dtype halves KV bytes per token: fp8 admits more than fp16', async () => {
    const fp16 = await runKvsim(['memory', '--model', 'llama-3-8b', '--json']);
    const j16 = JSON.parse(fp16.out);
    const a = join(dir, 'fp8.json');
    const b = join(dir, 'auto.json');
    expect((await runKvsim([...BASE, '--model', 'llama-3-8b', '--policy', 'paged', '--num-prompts', '20', '--kv-cache-dtype', 'fp8', '--json', a])).code).toBe(0);
    expect((await runKvsim([...BASE, '--model', 'llama-3-8b', '--policy', 'paged', '--num-prompts', '20', '--kv-cache-dtype', 'auto', '--json', b])).code).toBe(0);
    const ra = JSON.parse(readFileSync(a, 'utf8')) as RunResult;
    const rb = JSON.parse(readFileSync(b, 'utf8')) as RunResult;
    // Same requests, half the bytes per token (batches may differ slightly with twice the room).
    expect(ra.summary.peakLiveBytes / rb.summary.peakLiveBytes).toBeGreaterThan(0.45);
    expect(ra.summary.peakLiveBytes / rb.summary.peakLiveBytes).toBeLessThan(0.55);
    expect(j16.model).toBe('llama-3-8b');
  });

  it('chunked prefill: V0 with it replays sarathi (said on stderr); contradictions are one-line errors', async () => {
    const ok = await runKvsim([...BASE, '--model', 'llama-3-8b', '--policy', 'paged', '--num-prompts', '10', '--scheduler', 'vllm-v0', '--enable-chunked-prefill']);
    expect(ok.code).toBe(0);
    expect(ok.err).toMatch(/sarathi scheduler/);
    const bad = await runKvsim([...BASE, '--model', 'llama-3-8b', '--num-prompts', '10', '--no-enable-chunked-prefill']);
    expect(bad.code).toBe(2);
    expect(bad.err.trim().split('\n')).toHaveLength(1);
    expect(bad.err).toMatch(/vllm-v0/);
  });

  it('options no run uses are warned about, one line each', async () => {
    const r = await runKvsim([...BASE, '--model', 'llama-3-8b', '--policy', 'paged', '--num-prompts', '10', '--page-size', '2M', '--token-budget', '64']);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/^kvsim: warning: --page-size applies to vattention only; no run here uses it \(policies: paged\)$/m);
    expect(r.err).toMatch(/^kvsim: warning: --token-budget applies to the sarathi scheduler only; ignored under vllm$/m);
  });

  it('says which default model a --policy list skips and why', async () => {
    const r = await runKvsim([...BASE, '--num-prompts', '10', '--policy', 'static,paged']);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/xlstm-7b skipped: --policy static,paged does not apply to it \(its layers call for recurrent\)/);
  });

  it('unknown flags suggest the closest known one, listed once', async () => {
    const r = await runKvsim([...BASE, '--request-rat', '3']);
    expect(r.code).toBe(2);
    expect(r.err).toBe('kvsim: Unknown option --request-rat (did you mean --request-rate?)\n');
    const c = await runKvsim([...BASE, '--backend', 'tpu']);
    expect(c.err).toBe('kvsim: Expected one of "sim", "gpu" for --backend but received "tpu"\n');
  });

  it('a trace of unknown length keeps memory flat: the metrics come from the histograms, TPOT says what it needs', async () => {
    const trace = join(dir, 'five.jsonl');
    writeFileSync(trace, [0, 1, 2, 3, 4].map((i) => JSON.stringify({ arrivalS: i, promptTokens: 100, outputTokens: 20 })).join('\n') + '\n');
    const r = await runKvsim(['replay', '--trace', trace, '--model', 'llama-3-8b', '--policy', 'paged', '--cost-model', 'roofline', '--no-progress']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Mean TPOT \(ms\)\s+-$/m);
    expect(r.out).toMatch(/^Mean TTFT \(ms\)\s+\d+\.\d\d$/m);
    expect(r.out).toContain('"-": needs per-request columns');
    const g = await runKvsim(['replay', '--trace', trace, '--model', 'llama-3-8b', '--policy', 'paged', '--cost-model', 'roofline', '--no-progress', '--goodput', 'ttft:1000']);
    expect(g.out).toMatch(/^Mean TPOT \(ms\)\s+\d+\.\d\d$/m);
  });

  it('--goodput is checked: KEY:MS with ttft, tpot, e2el', () => {
    expect(parseGoodput(['ttft:500', 'tpot:50'])).toEqual({ ttft: 500, tpot: 50 });
    expect(() => parseGoodput(['ttf:5'])).toThrow(/--goodput but received "ttf:5"/);
    expect(() => parseGoodput(['ttft:-1'])).toThrow(/--goodput/);
  });
});

describe('servingMetrics (vLLM benchmark definitions)', () => {
  it('computes TTFT, TPOT, E2EL, throughputs and goodput from the request columns', () => {
    const run = {
      summary: { makespanS: 10, tbtS: { mean: 0.01, p50: 0.01, p90: 0.01, p99: 0.02, max: 0.02 } },
      requests: { arrivalS: [0, 1, 2], promptTokens: [100, 200, 300], outputTokens: [11, 1, 5], admittedS: [0, 1, 2], firstTokenS: [0.1, 1.5, 2.2], finishS: [1.1, 1.5, Number.NaN], preemptions: [0, 0, 0] },
    } as unknown as RunResult;
    const m = servingMetrics(run, { ttft: 200 })!;
    expect(m.completed).toBe(2);
    expect(m.totalInputTokens).toBe(300);
    expect(m.totalOutputTokens).toBe(12);
    expect(m.ttftMs.mean).toBeCloseTo(300, 9); // (100 + 500) / 2
    expect(m.ttftMs.median).toBeCloseTo(300, 9); // numpy.percentile interpolation
    expect(m.tpotMs.mean).toBeCloseTo(100, 9); // only the 11-token request: (1.1 - 0.1) / 10
    expect(m.e2elMs.p99).toBeCloseTo(500 + (1100 - 500) * 0.99, 6); // E2EL 1.1 s and 0.5 s
    expect(m.requestThroughput).toBeCloseTo(0.2, 12);
    expect(m.totalTokenThroughput).toBeCloseTo(31.2, 12);
    expect(m.requestGoodput).toBeCloseTo(0.1, 12); // only the first meets ttft <= 200 ms
    expect(m.itlMs.p99).toBeCloseTo(20, 9);
  });
});

describe('--model in every command', () => {
  const cfg = join(dir, 'MyLlama');
  mkdirSync(cfg);
  writeFileSync(join(cfg, 'config.json'), JSON.stringify({ architectures: ['LlamaForCausalLM'], model_type: 'llama', hidden_size: 4096, intermediate_size: 14336, num_attention_heads: 32, num_hidden_layers: 32, num_key_value_heads: 8, vocab_size: 128256, max_position_embeddings: 8192, torch_dtype: 'bfloat16', tie_word_embeddings: false }));

  it('accepts a config.json, its directory, a Hugging Face id and one in the local HF cache', async () => {
    expect(resolveModelArg(join(cfg, 'config.json')).layers).toHaveLength(32);
    expect(resolveModelArg(cfg).name).toBe('MyLlama');
    expect(resolveModelArg('meta-llama/Meta-Llama-3-8B-Instruct').name).toBe('llama-3-8b');
    const hub = join(dir, 'hf', 'hub', 'models--acme--tiny', 'snapshots', 'abc');
    mkdirSync(hub, { recursive: true });
    writeFileSync(join(hub, 'config.json'), readFileSync(join(cfg, 'config.json')));
    expect(resolveModelArg('acme/tiny', '--model', { HF_HOME: join(dir, 'hf') }).layers).toHaveLength(32);
    expect(() => resolveModelArg('acme/missing', '--model', { HF_HOME: join(dir, 'hf') })).toThrow(/^--model acme\/missing: not a file.*Hugging Face cache \(.*hf\/hub\)/);
  });

  it('replay and memory take a config path (calibrate and validate resolve it the same way before the GPU check)', async () => {
    const m = await runKvsim(['memory', '--model', join(cfg, 'config.json'), '--tensor-parallel-size', '2', '--gpu-memory-utilization', '0.8']);
    expect(m.err).toBe('');
    expect(m.out).toMatch(/^MyLlama on h100-sxm-80gb, tp=2/);
    const r = await runKvsim([...BASE, '--model', cfg, '--policy', 'paged', '--num-prompts', '10']);
    expect(r.err).toBe('');
    expect(r.out).toContain('MyLlama');
  });
});
