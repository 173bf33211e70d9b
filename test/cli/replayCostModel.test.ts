import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replay } from '../../src/cli/replay.js';
import { UserError } from '../../src/errors.js';

// The CLI's own argument shape, filled the way yargs would for these options.
function args(extra: Record<string, unknown>): Parameters<typeof replay>[0] {
  return { trace: 'synthetic:conv:count=40,seed=3', gpu: 'h100', scheduler: 'vllm', tp: 1, model: 'llama-3-8b', policy: 'paged', 'cost-model': 'auto', backend: 'sim', device: 0, ...extra } as unknown as Parameters<typeof replay>[0];
}

describe('kvsim replay cost model selection', () => {
  it('uses the committed H100 profile by default and names it', async () => {
    const [run] = await replay(args({}));
    expect(run.config.executor).toMatch(/^calibrated\(NVIDIA H100 80GB HBM3, profiles\/h100-sxm-80gb\/llama-3-8b\.json, paged block=16/);
  });

  it('keeps the roofline model on request, and when no profile exists for the GPU', async () => {
    const [roof] = await replay(args({ 'cost-model': 'roofline' }));
    expect(roof.config.executor).toMatch(/^roofline\(h100-sxm-80gb/);
    const [a100] = await replay(args({ gpu: 'a100' }));
    expect(a100.config.executor).toMatch(/^roofline\(a100-80gb/);
  });

  it('predicts different times from the measured profile than from the roofline', async () => {
    const [cal] = await replay(args({}));
    const [roof] = await replay(args({ 'cost-model': 'roofline' }));
    expect(cal.summary.completed).toBe(roof.summary.completed);
    expect(cal.summary.makespanS).not.toBe(roof.summary.makespanS);
  });

  it('rejects a malformed profile file with a one-line user error naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvsim-cm-'));
    const f = join(dir, 'bad.json');
    writeFileSync(f, JSON.stringify({ schema: 'kvsim.profile/1' }));
    await expect(replay(args({ 'cost-model': f }))).rejects.toThrow(UserError);
    await expect(replay(args({ 'cost-model': f }))).rejects.toThrow(`${f}: card: expected a non-empty string`);
  });
});
