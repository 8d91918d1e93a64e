// @ts-check
/**
 * Mutation testing: `npm run mutate` (see README, Contributing). Not in CI: a full run takes hours on
 * two cores; the incremental file (committed) makes a re-run test only the mutants whose code or
 * covering tests changed.
 *
 * Exclusions (every one, with its reason):
 * - `ignoreStatic`: mutants in module-level code (constant tables, schema definitions) run once at
 *   import, so every test covers them and each would re-run the whole test set; they are left out
 *   of the score for time, not because they survive.
 * - Test files that cannot see a mutant are not in vitest.mutate.config.ts: tests of dist/ or the
 *   packed package, tests that run code in a child process, the Chromium admin console tests.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.ts', related: false },
  coverageAnalysis: 'perTest',
  concurrency: 1,
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  ignoreStatic: true,
  mutate: [
    'src/core/secrets.ts',
    'src/core/errors.ts',
    'src/core/validation.ts',
    'src/core/events.ts',
    'src/registry/*.ts',
    'src/storage/*.ts',
    'src/balance/monitor.ts',
    'src/providers/totp/otp.ts',
    'src/providers/totp/second-factor.ts',
    'src/providers/threema/e2e.ts',
    'src/providers/threema/callback.ts',
    'src/providers/aspsms/encoding.ts',
    'src/providers/aspsms/phone.ts',
    'src/postgres/storage.ts',
    'src/admin/handler.ts',
  ],
  timeoutMS: 10000,
  timeoutFactor: 2,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 90, low: 85, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
