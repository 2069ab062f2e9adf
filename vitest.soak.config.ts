import { defineConfig } from 'vitest/config';

/**
 * `npm run soak`: the long versions of issue 6's tests — 10,000 random operation sequences
 * (tests/properties) and the crash test on a 100,000-member organization (tests/crash).
 * SOAK=1 is what those files read to scale up; `npm test` runs their small versions.
 */
export default defineConfig({
  test: {
    include: ['tests/properties/**/*.test.ts', 'tests/crash/**/*.test.ts'],
    env: { SOAK: '1' },
    testTimeout: 6 * 3_600_000,
    hookTimeout: 3_600_000,
    pool: 'forks',
    maxWorkers: 2,
    globalSetup: ['tests/setup/pgliteTemplate.global.ts'],
  },
});
