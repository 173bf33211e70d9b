import { describe, expect, it } from 'vitest';
import { loadNative } from '../../src/gpu/loadNative.js';
import type { NativeBinding } from '../../src/gpu/NativeBinding.js';

// Every member NativeBinding declares, with the module that provides it (undefined: always there).
// Typed as a Record over keyof NativeBinding, so `npm run typecheck` fails when the interface gains
// or loses a member this list does not; the test below fails when the built addon exports something
// the interface does not declare, or lacks a member of a module it lists.
const DECLARED: Record<keyof NativeBinding, string | undefined> = {
  abiVersion: undefined,
  hasCublas: undefined,
  modules: undefined,
  probe: 'DeviceInfo',
  deviceInfo: 'DeviceInfo',
  memInfo: 'DeviceInfo',
  VmmArena: 'VmmArena',
  BlockPool: 'BlockPool',
  vmmBench: 'VmmBench',
  vmmOverlapBench: 'VmmBench',
  GpuModel: 'GpuModel',
  cublasStatus: 'GpuModel',
  attentionRun: 'Attention',
  attentionBench: 'Attention',
  attentionPrefillKernel: 'Attention',
  xlstmRun: 'Xlstm',
  xlstmBench: 'Xlstm',
  xlstmMlstmPrefillAlgorithm: 'Xlstm',
  xlstmMlstmPrefillWorkspaceBytes: 'Xlstm',
  xlstmSlstmStepVariant: 'Xlstm',
  ncclStatus: 'AllReduce',
  allReduceBench: 'AllReduce',
};

describe('NativeBinding declares the built addon exactly', () => {
  const loaded = loadNative();
  it.skipIf(!loaded.ok)('every export is declared, and every member of a listed module is exported', () => {
    if (!loaded.ok) return;
    const b = loaded.binding;
    const exported = Object.keys(b).sort();
    expect(exported.filter((k) => !(k in DECLARED))).toEqual([]);
    for (const [key, module] of Object.entries(DECLARED)) {
      const present = key in b;
      if (module === undefined || b.modules.includes(module)) expect(present, `${key} (module ${module ?? 'core'})`).toBe(true);
      else expect(present, `${key} without module ${module}`).toBe(false);
    }
  });

  it.skipIf(!loaded.ok || !loaded.binding.modules.includes('Xlstm'))('xlstmMlstmPrefillAlgorithm names what xlstm_mlstm_prefill runs (auto as its length rule; no GPU needed) and refuses a bad value', () => {
    if (!loaded.ok) return;
    const b = loaded.binding;
    expect(([1, 2] as const).map((a) => b.xlstmMlstmPrefillAlgorithm!(a))).toEqual(['sequential', 'tfla-v2']);
    // auto picks by sequence length (mlstmPrefill.cu resolvePrefillAlgorithm), so its name is the rule.
    expect(b.xlstmMlstmPrefillAlgorithm!(0)).toMatch(/^auto: tfla-v2 from [1-9][0-9]* tokens, sequential below$/);
    expect(() => b.xlstmMlstmPrefillAlgorithm!(3 as never)).toThrow(/xlstm_mlstm_prefill_algorithm_name\(algorithm=3\)/);
    // The sLSTM step variant without KVSIM_SLSTM_VARIANT: the default (slstmStep.cu kSlVarDefault).
    if (process.env.KVSIM_SLSTM_VARIANT === undefined) expect(b.xlstmSlstmStepVariant!()).toBe('new');
  });
});
