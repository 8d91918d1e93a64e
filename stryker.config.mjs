// @ts-check
/**
 * Mutation testing: `npm run mutate` (see README, Contributing). Not in CI: a full run takes hours on
 * two cores; the incremental file (committed) makes a re-run test only the mutants whose code or
 * covering tests changed.
 *
 * Exclusions (every one, with its reason):
 * - Test files that cannot see a mutant are not in vitest.mutate.config.ts: tests of dist/ or the
 *   packed package, tests that run code in a child process, the Chromium admin console tests.
 * No mutant is excluded. `ignoreStatic` stays off: a module-level value (a regular expression, a
 * constant) is read when the module loads, so only a run that activates the mutant before loading
 * (all tests) can kill it.
 *
 * One module at a time, with only its own tests (fast):
 *   npx stryker run --mutate src/core/secrets.ts --testFiles test/core/secrets.test.ts,test/core/secrets.mutation.test.ts
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.ts', related: false },
  coverageAnalysis: 'perTest',
  concurrency: 1,
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  ignoreStatic: false,
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
