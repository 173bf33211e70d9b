import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/errors.js';
import { type MlstmCallOptions, resolveMlstmCall, resolveSlstmCall, type SlstmCallOptions } from '../../src/gpu/xlstmKernels.js';

function mlstm(over: Partial<MlstmCallOptions> = {}): MlstmCallOptions {
  const H = 2, dqk = 32, dv = 64, slots = 3, B = 2;
  return {
    kind: 'mlstmStep', inputDtype: 'bf16', stateDtype: 'f32', heads: H, dqk, dv,
    q: new Uint16Array(B * H * dqk), k: new Uint16Array(B * H * dqk), v: new Uint16Array(B * H * dv),
    igatePre: new Float32Array(B * H), fgatePre: new Float32Array(B * H), slots: Int32Array.from([2, 0]),
    state: { C: new Float32Array(slots * H * dqk * dv), n: new Float32Array(slots * H * dqk), m: new Float32Array(slots * H) },
    ...over,
  };
}

function slstm(over: Partial<SlstmCallOptions> = {}): SlstmCallOptions {
  const H = 2, dh = 16, slots = 2, n = slots * H * dh;
  return {
    inputDtype: 'f16', stateDtype: 'bf16', heads: H, headDim: dh, xPre: new Uint16Array(4 * H * dh), R: new Uint16Array(H * 4 * dh * dh),
    slots: Int32Array.from([1]), state: { h: new Uint16Array(n), c: new Uint16Array(n), n: new Uint16Array(n), m: new Float32Array(n) },
    ...over,
  };
}

describe('xLSTM kernel options (validated before any native call)', () => {
  it('resolves valid options with defaults filled', () => {
    const r = resolveMlstmCall(mlstm());
    expect(r).toMatchObject({ batch: 2, seqLen: 1, numSlots: 3, gateSoftCap: 15, inputDtype: 1, stateDtype: 0, device: 0 });
    expect(resolveSlstmCall(slstm())).toMatchObject({ batch: 1, numSlots: 2, inputDtype: 2, stateDtype: 1, headDim: 16 });
  });

  it.each([
    ['a slot outside the pool', mlstm({ slots: Int32Array.from([3, 0]) }), /slots\[0\]/],
    ['two requests on one slot', mlstm({ slots: Int32Array.from([1, 1]) }), /distinct slots/],
    ['a q of the wrong length', mlstm({ q: new Uint16Array(5) }), /mlstmCall: q/],
    ['dv off the 8-element vectors', mlstm({ dv: 60, v: new Uint16Array(2 * 2 * 60), state: { C: new Float32Array(3 * 2 * 32 * 60), n: new Float32Array(3 * 2 * 32), m: new Float32Array(6) } }), /dv/],
    ['a bf16 state given as fp32', mlstm({ stateDtype: 'bf16' }), /Uint16Array/],
    ['prefill dqk off the tensor-core tile', mlstm({ kind: 'mlstmPrefill', dqk: 40 }), /multiple of 16/],
    ['a negative soft cap', mlstm({ gateSoftCap: -1 }), /gateSoftCap/],
  ])('rejects %s', (_what, o, message) => {
    expect(() => resolveMlstmCall(o)).toThrow(InvalidOptionError);
    expect(() => resolveMlstmCall(o)).toThrow(message);
  });

  it('passes the prefill algorithm as the C ABI code (auto 0, sequential 1, tfla 2)', () => {
    const prefill = (algorithm?: MlstmCallOptions['algorithm']) => resolveMlstmCall(mlstm({ kind: 'mlstmPrefill', algorithm })).algorithm;
    expect([prefill(), prefill('auto'), prefill('sequential'), prefill('tfla')]).toEqual([0, 0, 1, 2]);
    expect(resolveMlstmCall(mlstm()).algorithm).toBe(0);
  });

  it('rejects an unknown algorithm, and any but auto for a step, naming the option', () => {
    const bad = mlstm({ kind: 'mlstmPrefill', algorithm: 'fast' as MlstmCallOptions['algorithm'] });
    expect(() => resolveMlstmCall(bad)).toThrow(InvalidOptionError);
    expect(() => resolveMlstmCall(bad)).toThrow(/'auto', 'sequential' or 'tfla' for mlstmCall: algorithm but received "fast"/);
    expect(() => resolveMlstmCall(mlstm({ algorithm: 'tfla' }))).toThrow(/mlstmCall: algorithm/);
  });

  it('rejects sLSTM sizes and arrays the kernel cannot take', () => {
    expect(() => resolveSlstmCall(slstm({ headDim: 12 }))).toThrow(/multiple of 8/);
    expect(() => resolveSlstmCall(slstm({ R: new Uint16Array(3) }))).toThrow(/slstmCall: R/);
    expect(() => resolveSlstmCall(slstm({ bias: new Float32Array(1) }))).toThrow(/slstmCall: bias/);
  });
});
