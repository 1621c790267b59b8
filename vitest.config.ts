import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    disableConsoleIntercept: true,
    testTimeout: 30_000,
    pool: 'forks',
  },
});
