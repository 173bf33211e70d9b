import { describe, expect, it } from 'vitest';
import { hardwarePreset } from '../../../src/sim/hardware/presets.js';
import { memoryTable } from '../../../src/sim/memory/memoryTable.js';
import { PagedPolicy } from '../../../src/sim/memory/PagedPolicy.js';
import { StaticPolicy } from '../../../src/sim/memory/StaticPolicy.js';
import { VAttentionPolicy } from '../../../src/sim/memory/VAttentionPolicy.js';
import { vmmPageCosts } from '../../../src/sim/memory/vmmPageCosts.js';
import { modelPreset } from '../../../src/sim/model/presets.js';
import { ctxFor, LLAMA3_8B_TOKEN_BYTES, MiB } from './fixtures.js';

function admitted(p: { admit(id: number, t: number): boolean }, tokens: number): number {
  let n = 0;
  while (p.admit(n, tokens)) n++;
  return n;
}

describe('capacity comparisons', () => {
  it('at scarce memory (4 GiB), static < paged ≈ vattention for 1000-token requests', () => {
    const cap = 4096 * MiB;
    const s = admitted(new StaticPolicy(ctxFor('llama-3-8b', cap)), 1000);
    const p = admitted(new PagedPolicy(ctxFor('llama-3-8b', cap), { watermark: 0 }), 1000);
    const v = admitted(new VAttentionPolicy(ctxFor('llama-3-8b', cap)), 1000);
    // Static: 4 GiB / (8192 x 128 KiB = 1 GiB) = 4.
    expect(s).toBe(4);
    // Paged: 2048 blocks of 16 tokens; a request holds ceil(1000/16) = 63 -> 32 requests.
    expect(p).toBe(Math.floor(2048 / 63));
    // vAttention 2 MiB: 32 groups of 1024 tokens; a request holds 1 -> 32 requests.
    expect(v).toBe(32);
    expect(s).toBeLessThan(p);
    expect(Math.abs(p - v)).toBeLessThanOrEqual(1);
  });

  it('small pages waste less: 64 KiB vs 2 MiB at 1100 tokens', () => {
    const cap = 8192 * MiB;
    const small = admitted(new VAttentionPolicy(ctxFor('llama-3-8b', cap), { pageSizeBytes: 65536, assumePageCostS: 0, watermark: 0 }), 1100);
    const large = admitted(new VAttentionPolicy(ctxFor('llama-3-8b', cap), { watermark: 0 }), 1100);
    // 64 KiB: 35 groups of 32 tokens (4 MiB each) = 140 MiB -> floor(8192/140) = 58.
    expect(small).toBe(Math.floor(8192 / 140));
    // 2 MiB: 2 groups of 1024 tokens (128 MiB each) = 256 MiB -> 32.
    expect(large).toBe(32);
  });

  it('recurrent capacity does not depend on context; KV capacity falls with it', () => {
    const t = memoryTable(modelPreset('xlstm-7b'), hardwarePreset('h100'), 1, [100, 10_000, 100_000]);
    const r = t.rows[0];
    expect(r.policy).toBe('recurrent');
    expect(new Set(r.maxRequests).size).toBe(1);
    const kv = memoryTable(modelPreset('llama-3-8b'), hardwarePreset('h100'), 1, [1000, 8000]).rows.find((x) => x.label === 'paged(block=16)')!;
    expect(kv.maxRequests[0]).toBeGreaterThan(kv.maxRequests[1]);
  });
});

describe('memoryTable', () => {
  it('lists every configuration with the growth step and worst waste of each', () => {
    const t = memoryTable(modelPreset('llama-3-8b'), hardwarePreset('h100'), 1, [1024]);
    expect(t.rows.map((r) => r.label)).toEqual([
      'static(max=8192)',
      'paged(block=16)',
      'paged(block=32)',
      'paged(block=128)',
      'vattention(page=64KiB)',
      'vattention(page=128KiB)',
      'vattention(page=256KiB)',
      'vattention(page=2MiB)',
    ]);
    const v64 = t.rows[4];
    expect(v64).toMatchObject({ bytesPerToken: LLAMA3_8B_TOKEN_BYTES, growthTokens: 32, growthBytes: 64 * 65536 });
    expect(v64.worstFragmentationBytes).toBe(31 * LLAMA3_8B_TOKEN_BYTES);
    expect(t.rows[1]).toMatchObject({ growthTokens: 16, worstFragmentationTokens: 15 });
    expect(t.rows[0]).toMatchObject({ growthTokens: 8192, worstFragmentationTokens: 8191 });
  });

  it('hybrid rows report both parts', () => {
    const t = memoryTable(modelPreset('hybrid-7b'), hardwarePreset('h100'), 1, [1000], { blockSizesTokens: [16], pageSizesBytes: [2 * MiB] });
    expect(t.rows).toHaveLength(3);
    for (const r of t.rows) {
      expect(r.policy).toBe('hybrid');
      expect(r.bytesPerToken).toBe(2 * 8 * 8 * 128 * 2);
      expect(r.stateBytesPerRequest).toBe(24 * 8 * (256 * 512 + 256 + 1) * 4);
    }
  });
});

describe('vmmPageCosts', () => {
  it('prices 2 MiB and larger handles at the measured flat per-call cost, and small pages only as an assumption', () => {
    const h = hardwarePreset('h100');
    const two = vmmPageCosts(h, 2 * MiB);
    // The 2 MiB row of profiles/h100-sxm-80gb/vmm.json (medians per call), the presets' one source.
    expect(two.mapS).toBeCloseTo(1.54e-6 + 31.948e-6, 15);
    expect(two.unmapS).toBeCloseTo(22.16e-6, 15);
    expect(two.basis).toBe('measured');
    // Measured on H100 (profiles/h100-sxm-80gb/vmm.json): cuMemSetAccess ~31 us per call at 2, 4, 8 and 32 MiB.
    expect(vmmPageCosts(h, 4 * MiB)).toEqual(two);
    expect(vmmPageCosts(h, 32 * MiB)).toEqual(two);
    expect(() => vmmPageCosts(h, 65536)).toThrow(/assumePageCostS/);
    expect(vmmPageCosts(h, 65536, 5e-6)).toEqual({ mapS: 5e-6, unmapS: 0, createS: 0, basis: 'assumed' });
  });
});
