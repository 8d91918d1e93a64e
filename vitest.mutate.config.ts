import { defineConfig } from 'vitest/config';

/**
 * The test set of `npm run mutate` (stryker.config.mjs): only fast unit tests of the mutated modules,
 * in-process, so Stryker can run them thousands of times and map each test to the mutants it covers.
 * Left out: tests of dist/ or the packed package, tests that start child processes (they would run
 * unmutated code: the CLI tests, the races from several processes of the JSON-file example and of
 * the conformance kit), the Chromium admin console tests, the SMTP suites (not mutated), the README
 * and example runners and the benches.
 */
export default defineConfig({
  test: {
    include: [
      'test/core/{redaction,secrets,smoke}.test.ts',
      'test/core/*.mutation.test.ts',
      'test/registry/*.test.ts',
      'test/storage/memory.test.ts',
      'test/storage/guard-deadlines.test.ts',
      'test/storage/*.mutation.test.ts',
      'test/balance/*.test.ts',
      'test/totp/*.test.ts',
      'test/threema/*.test.ts',
      'test/aspsms/*.test.ts',
      'test/postgres/conformance-pglite.test.ts',
      'test/postgres/*.mutation.test.ts',
      'test/admin/handler.test.ts',
      'test/admin/*.mutation.test.ts',
    ],
    exclude: ['test/threema/cli.test.ts', 'test/aspsms/testing-export.test.ts', '**/node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 1,
  },
});
