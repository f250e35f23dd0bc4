import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      // Entry files only re-export; the CLI runs as a subprocess in its tests, out of v8's sight.
      exclude: ['src/index.ts', 'src/node/index.ts', 'src/types.ts', 'src/runtime.d.ts', 'src/cli/**'],
      reporter: ['text-summary'],
      thresholds: { lines: 95, branches: 90 },
    },
  },
});
