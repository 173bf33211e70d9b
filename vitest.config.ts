import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Property tests run thousands of cases; the CI box has 2 cores.
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
