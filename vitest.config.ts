import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    pool: 'forks',
    // two test files at a time (vitest's default leaves one core free: one file at a time on 2 cores); most
    // of a file's time is a single-threaded child (gcc, QEMU, one ecgc command)
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
