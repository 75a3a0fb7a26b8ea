import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // koffi's native OpenCL binding lives in each test process: separate processes, not threads.
    pool: 'forks',
    // Most test time is PoCL compiling kernels on one core; two workers use both of CI's cores.
    maxWorkers: 2,
    minWorkers: 1,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
