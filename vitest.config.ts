import { defineConfig } from 'vitest/config';

// Unit and integration tests run in Node against the packages' sources (the `source` export
// condition), so no build is needed before `vitest`. Browser tests live in e2e/ and run under Playwright.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'models/**/*.test.ts',
      'apps/*/src/**/*.test.ts',
      'deploy/**/*.test.ts',
      'scripts/**/*.test.ts',
      'e2e/**/*.test.ts',
    ],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
