import { describe } from 'vitest';
import { gpuForTests } from './checks/gpuForTests.js';
import { itReplaysAndReturnsMemory } from './checks/replayCompletes.js';

// The GPU executor through recurrent layers on a real GPU: the hybrid (attention KV in a block pool or
// a VMM arena, mLSTM state slots) and xLSTM[7:1] (mLSTM and sLSTM layers; sLSTM prefill one step per
// token). Every request completes, every iteration is timed, device memory goes back.
const { gpu, skip } = gpuForTests('recurrentLayers.gpu.test');

describe.skipIf(skip !== false)('recurrent layers on the GPU', () => {
  itReplaysAndReturnsMemory(gpu, [
    ['hybrid-7b', 'paged'],
    ['hybrid-7b', 'vattention'],
    ['xlstm71-1.3b', 'recurrent'],
  ], { count: 8, maxContextTokens: 2048 });
});
