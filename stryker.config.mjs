// @ts-check
/**
 * Mutation testing: `npm run mutate` (see README, Contributing). Not in CI: a full run takes hours on
 * two cores; the incremental file (committed) makes a re-run test only the mutants whose code or
 * covering tests changed.
 *
 * Exclusions (every one, with its reason):
 * - Test files that cannot see a mutant are not in vitest.mutate.config.ts: tests of dist/ or the
 *   packed package, tests that run code in a child process, the Chromium admin console tests.
 * - Static mutants (`ignoreStatic`): mutants of module-level values (constant tables, schemas,
 *   regular expressions built at load) are not scored. StrykerJS 9.6 activates them after the
 *   module has loaded when the tests are narrowed with --testFiles (stryker-js issue 6144), so they
 *   would be reported as survived whatever the tests do; without --testFiles each one re-runs the
 *   whole test set (minutes each on two cores). The tests pin those values anyway (e.g. the
 *   retryable codes, the secret-looking field names, the option bounds).
 * No other mutant is excluded: no `// Stryker disable` comment in src/.
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
  ignoreStatic: true,
  mutate: [
    'src/core/secrets.ts',
    'src/core/errors.ts',
    'src/core/validation.ts',
    'src/core/events.ts',
    'src/core/retry-after.ts',
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
