import { describe, expect, it } from 'vitest';
import { openTrace, syntheticTraceSpec } from '../../../src/sim/trace/openTrace.js';
import { collectTrace } from '../../../src/sim/trace/collectTrace.js';
import { SYNTHETIC_PRESETS } from '../../../src/sim/trace/syntheticPresets.js';

describe('syntheticTraceSpec', () => {
  it('is what openTrace generates from the string: preset, then the string\'s own count, rate and seed', async () => {
    const spec = syntheticTraceSpec('synthetic:system-prompt:count=12,seed=5,rate=3');
    expect(spec).toMatchObject({ name: 'synthetic:system-prompt:count=12,seed=5,rate=3', count: 12, seed: 5 });
    expect(spec?.arrival).toMatchObject({ ratePerS: 3 });
    expect(syntheticTraceSpec('synthetic:code')).toMatchObject({ count: SYNTHETIC_PRESETS.code.count, seed: SYNTHETIC_PRESETS.code.seed });
    expect(await collectTrace(await openTrace('synthetic:conv:count=7'))).toHaveLength(syntheticTraceSpec('synthetic:conv:count=7')!.count);
  });

  it('is undefined for registry names and paths, and names the option for a bad spec', () => {
    expect(syntheticTraceSpec('azure-conv-2023')).toBeUndefined();
    expect(syntheticTraceSpec('traces/sample.jsonl')).toBeUndefined();
    expect(() => syntheticTraceSpec('synthetic:nope')).toThrow(/trace/);
    expect(() => syntheticTraceSpec('synthetic:conv:turns=3')).toThrow(/unknown parameter "turns"/);
  });
});
