import { randomBytes } from 'node:crypto';

/**
 * The PostgreSQL server of the tests: `DATABASE_URL` (set by `scripts/with-postgres.sh`, which
 * `npm test` runs under). With CI=true a missing server fails the run instead of skipping.
 */
export const databaseUrl = process.env.DATABASE_URL;

if (!databaseUrl && process.env.CI === 'true') {
  throw new Error('DATABASE_URL is not set: the PostgreSQL tests must run in CI (scripts/with-postgres.sh starts a server)');
}
if (!databaseUrl) {
  console.warn('PostgreSQL tests skipped: no DATABASE_URL and no server binaries (apt-get install postgresql, then npm test)');
}

/** A fresh schema name, unique per call (each conformance test gets an empty store). */
export function freshSchema(label: string): string {
  return `${label}_${randomBytes(5).toString('hex')}`;
}
