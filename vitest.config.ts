import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores: by default vitest would use one worker here.
    maxWorkers: 2,
    globalSetup: ['tests/setup/pgliteTemplate.global.ts'],
  },
});
