import { describe, expect, it } from 'vitest';
import { hardwarePreset } from '../../../src/sim/hardware/presets.js';
import { kvBudgetBytes } from '../../../src/sim/memory/kvBudget.js';
import { PAPER_SETUPS, paperMaxBatch, uniformLengths } from '../../../src/sim/memory/vattention/paperMaxBatch.js';
import { modelPreset } from '../../../src/sim/model/presets.js';

const KiB = 1024;
const MiB = 1024 * KiB;
/** Layers and KV heads per GPU, from the HF configs (DESIGN.md presets): Yi-6B 32/4, Llama-3-8B 32/8, Yi-34B 60/8. */
const SHAPE: Record<string, { layers: number; kvHeads: number }> = {
  'yi-6b': { layers: 32, kvHeads: 4 },
  'llama-3-8b': { layers: 32, kvHeads: 8 },
  'yi-34b': { layers: 60, kvHeads: 8 },
};

/**
 * The formula, written out without the policy: page groups in the pool (whole pages rounded down to a
 * multiple of 2L, 2L pages per group), 1% held back at admission, each request of c tokens holding
 * ceil(c / tokensPerGroup) groups, tokensPerGroup = page / (Hkv/TP * 128 * 2 bytes).
 */
function formula(model: string, tp: number, page: number, c: number): number {
  const { layers, kvHeads } = SHAPE[model];
  const budget = kvBudgetBytes(modelPreset(model), hardwarePreset('a100'), tp, { gpuMemoryUtilization: 0.9 });
  let pages = Math.floor(budget / page);
  pages -= pages % (2 * layers);
  const pool = pages / (2 * layers);
  const tokensPerGroup = page / ((kvHeads / tp) * 128 * 2);
  const perRequest = Math.ceil(c / tokensPerGroup);
  return Math.min(999, Math.floor((pool - Math.floor(0.01 * pool)) / perRequest));
}

describe('vAttention paper max batch (64 KiB vs 2 MiB): kvsim against the formula', () => {
  for (const s of PAPER_SETUPS) {
    for (const page of [64 * KiB, 2 * MiB]) {
      for (const c of [1536, 3000, 4096, 4097]) {
        it(`${s.model} TP-${s.tp}, ${page / KiB} KiB pages, ${c}-token requests`, () => {
          const lengths = new Array<number>(1000).fill(c);
          expect(paperMaxBatch(s, page, lengths)).toBe(formula(s.model, s.tp, page, c));
        });
      }
    }
  }

  it('with lengths spread over whole groups, 2 MiB pages lose about half a group per request', () => {
    // Uniform lengths in [2048, 6143]: mean 4095.5; 64 KiB pages (64 tokens) waste ~31.5 tokens per
    // request, 2 MiB pages (2048 tokens) ~1023.5: the batch ratio is about (4095.5 + 1023.5) / (4095.5 + 31.5).
    const lengths = uniformLengths(1000, 2048, 6143, 7);
    const s = PAPER_SETUPS[0];
    const small = paperMaxBatch(s, 64 * KiB, lengths);
    const large = paperMaxBatch(s, 2 * MiB, lengths);
    expect(small / large).toBeGreaterThan(1.15);
    expect(small / large).toBeLessThan(1.35);
    expect(uniformLengths(3, 1, 10, 7)).toEqual(uniformLengths(3, 1, 10, 7));
  });
});
