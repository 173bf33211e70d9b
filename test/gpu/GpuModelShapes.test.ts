import { describe, expect, it } from 'vitest';
import { GpuModel } from '../../src/gpu/GpuModel.js';
import type { LayerSpec } from '../../src/sim/model/ModelSpec.js';
import { modelPreset } from '../../src/sim/model/presets.js';
import { fakeBinding } from './fakes/fakeBinding.js';

// The native GPU model sizes one weight set per layer kind from the first layer of that kind, so a
// model whose layers of one kind differ in shape must be refused before the native call.
const options = { tp: 1, maxTokens: 64, maxBatch: 4, maxContext: 1024, kv: { layout: 'none' as const }, stateSlots: 4 };

describe('GpuModel layer shapes', () => {
  it('refuses two sLSTM shapes, naming both, before any native call', () => {
    const fake = fakeBinding();
    const base = modelPreset('xlstm71-1.3b');
    let seen = 0;
    const layers = base.layers.map((l): LayerSpec => (l.kind === 'slstm' && seen++ === 1 ? { ...l, heads: 8, headDim: 256 } : l));
    expect(() => new GpuModel(fake.binding, { ...options, model: { ...base, layers } })).toThrow(/one shape per layer kind.*"heads":4,"headDim":512.*"heads":8,"headDim":256/);
    expect(fake.calls.filter((c) => c.call === 'newModel')).toHaveLength(0);
  });

  it('accepts every layer of a kind alike (the presets)', () => {
    const fake = fakeBinding();
    new GpuModel(fake.binding, { ...options, model: modelPreset('xlstm71-1.3b') }).destroy();
    expect(fake.calls.filter((c) => c.call === 'newModel')).toHaveLength(1);
  });
});
