import { describe } from 'vitest';
import { gpuForTests } from './checks/gpuForTests.js';
import { itReplaysAndReturnsMemory } from './checks/replayCompletes.js';

const { gpu, skip } = gpuForTests('GpuExecutor.gpu.test');

describe.skipIf(skip !== false)('GpuExecutor on the GPU', () => {
  itReplaysAndReturnsMemory(gpu, [
    ['llama-3-8b', 'vattention'],
    ['llama-3-8b', 'paged'],
    ['llama-3-8b', 'static'],
    ['xlstm-7b', 'recurrent'],
  ], { count: 12, maxContextTokens: 4096 });
});
