import { describe, expect, it } from 'vitest';
import { xlstmNative } from '../../src/gpu/XlstmNative.js';
import { checkXlstmCase, DEFAULT_XLSTM_CHECKS } from '../../src/gpu/xlstmSelfCheck.js';
import { gpuForTests } from './checks/gpuForTests.js';

// Needs the native addon built with module Xlstm and an NVIDIA GPU; otherwise skipped with the reason.
const { gpu } = gpuForTests('xlstm.gpu.test', (g) => (xlstmNative(g.binding) ? undefined : 'addon built without the Xlstm module'));
const native = gpu.ok ? xlstmNative(gpu.binding) : undefined;

describe.skipIf(!native)('xLSTM kernels on the GPU (float64 reference, fresh random inputs and states)', () => {
  it.each(DEFAULT_XLSTM_CHECKS.map((c, i) => [i, c] as const))('case %i', (_i, c) => {
    const r = checkXlstmCase(native!, c, `${Date.now()}:${_i}`);
    expect(r.untouchedOk, `${r.name}: slots no request used changed`).toBe(true);
    expect(r.errOut, r.name).toBeLessThanOrEqual(r.tolOut);
    expect(r.errState, r.name).toBeLessThanOrEqual(r.tolState);
  });

  it('fails when two requests trade state slots (the check can fail)', () => {
    const c = DEFAULT_XLSTM_CHECKS[1]; // mLSTM step, 3 requests over 7 slots
    const swap = (o: { slots: Int32Array }) => {
      [o.slots[0], o.slots[1]] = [o.slots[1], o.slots[0]];
    };
    expect(checkXlstmCase(native!, c, 'fixed').pass).toBe(true);
    expect(checkXlstmCase(native!, c, 'fixed', swap).pass).toBe(false);
    const s = DEFAULT_XLSTM_CHECKS[5]; // sLSTM
    expect(checkXlstmCase(native!, s, 'fixed', swap).pass).toBe(false);
    const t = DEFAULT_XLSTM_CHECKS[7]; // mLSTM prefill, tfla, 2 requests over 5 slots
    expect(t.algorithm).toBe('tfla');
    expect(checkXlstmCase(native!, t, 'fixed').pass).toBe(true);
    expect(checkXlstmCase(native!, t, 'fixed', swap).pass).toBe(false);
  });
});
