import { describe, expect, it } from 'vitest';
import { loadNative } from '../../../src/gpu/loadNative.js';
import { defaultActivationReserveBytes } from '../../../src/sim/memory/kvBudget.js';
import { mlstmPrefillWorkspaceBytes } from '../../../src/sim/memory/mlstmPrefillWorkspaceBytes.js';
import { modelPreset } from '../../../src/sim/model/presets.js';

describe('mlstmPrefillWorkspaceBytes', () => {
  it('is the tfla scratch of the widest mLSTM layer, by hand for xLSTM-7B at 8192 tokens', () => {
    // 8 heads x 32 chunks: C fp32 + C 2-byte (256 x 512), n fp32 twice (256), 2 scalars; m per boundary.
    const hc = 8 * 32;
    const want = hc * 256 * 512 * 6 + 2 * hc * 256 * 4 + hc * 8 + Math.ceil((8 * 33 * 4) / 256) * 256;
    expect(mlstmPrefillWorkspaceBytes(modelPreset('xlstm-7b'), 1, 8192)).toBe(want);
    expect(mlstmPrefillWorkspaceBytes(modelPreset('llama-3-8b'), 1, 8192)).toBe(0);
  });

  it('enters the default reserve only for models with mLSTM layers', () => {
    const x = modelPreset('xlstm-7b');
    const withWs = defaultActivationReserveBytes(x, 1);
    const noMlstm = { ...x, layers: x.layers.filter((l) => l.kind !== 'mlstm') };
    const perToken = (2 * x.ffnSize) / 1 + 4 * x.hiddenSize;
    expect(withWs - defaultActivationReserveBytes(noMlstm, 1)).toBe(mlstmPrefillWorkspaceBytes(x, 1, 8192));
    expect(defaultActivationReserveBytes(noMlstm, 1)).toBe(Math.ceil(8192 * perToken * 2 + 256 * x.vocabSize * 4 + 512 * 2 ** 20));
  });

  // The kernel's own layout through the addon (host arithmetic, no GPU needed): the mirror cannot drift.
  const loaded = loadNative();
  const ws = loaded.ok ? loaded.binding.xlstmMlstmPrefillWorkspaceBytes : undefined;
  it.skipIf(ws === undefined)('equals xlstm_mlstm_prefill_workspace_bytes (tfla) for every mLSTM preset, TP and length', () => {
    for (const name of ['xlstm-7b', 'xlstm71-1.3b', 'hybrid-7b']) {
      const m = modelPreset(name);
      const l = m.layers.find((x) => x.kind === 'mlstm');
      if (!l || l.kind !== 'mlstm') throw new Error(`${name} has no mLSTM layer`);
      for (const tp of [1, 2])
        for (const seqLen of [1, 255, 256, 257, 4096, 8192, 16385]) {
          const native = ws!({ batch: 1, seqLen, heads: Math.ceil(l.heads / tp), dqk: l.dqk, dv: l.dv, algorithm: 2 });
          expect(mlstmPrefillWorkspaceBytes(m, tp, seqLen), `${name} tp${tp} ${seqLen}`).toBe(native);
        }
    }
  });

  it.skipIf(ws === undefined)('auto needs no scratch where it runs the sequential kernel, tfla\'s where it runs tfla', () => {
    const shape = { batch: 1, heads: 8, dqk: 256, dv: 512 };
    const rule = loaded.ok ? loaded.binding.xlstmMlstmPrefillAlgorithm!(0) : '';
    const from = Number(/tfla(?:-v2)? from (\d+) tokens/.exec(rule)![1]);
    expect(ws!({ ...shape, seqLen: from - 1, algorithm: 0 })).toBe(0);
    expect(ws!({ ...shape, seqLen: from, algorithm: 0 })).toBe(ws!({ ...shape, seqLen: from, algorithm: 2 }));
    expect(ws!({ ...shape, seqLen: 64, algorithm: 1 })).toBe(0);
    expect(() => ws!({ ...shape, seqLen: 0, algorithm: 0 })).toThrow(/xlstm_mlstm_prefill_workspace_bytes\(.*seqLen=0/);
  });
});
