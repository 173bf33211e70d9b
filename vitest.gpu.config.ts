import { defineConfig } from 'vitest/config';

// `npm run test:gpu`: every *.gpu.test.ts, by path, one file at a time (they share one GPU and its
// memory, and the replays time iterations). A GPU test that finds no usable GPU fails with the reason
// instead of skipping (KVSIM_REQUIRE_GPU=1, see test/gpu/checks/gpuForTests.ts); set
// KVSIM_REQUIRE_GPU=0 to let them skip. `npm test` runs the same files with the rest, skipping without a GPU.
export default defineConfig({
  test: {
    include: ['test/**/*.gpu.test.ts'],
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 120_000,
    env: { KVSIM_REQUIRE_GPU: process.env.KVSIM_REQUIRE_GPU ?? '1' },
  },
});
