import pg from 'pg';
import { afterAll, describe, it } from 'vitest';
import { postgresStorage } from '../../src/postgres/index.js';
import { runStorageConformance } from '../../src/testing/index.js';
import { databaseUrl, freshSchema } from './server.js';

// One pool for every test; each test gets its own schema, i.e. an empty store.
const pool = databaseUrl ? new pg.Pool({ connectionString: databaseUrl, max: 20 }) : undefined;
afterAll(() => pool?.end());

describe.skipIf(!databaseUrl)('PostgreSQL server (pg)', () => {
  runStorageConformance({ describe, it }, () => postgresStorage({ pool: pool!, schema: freshSchema('conf') }), {
    name: 'postgresStorage on PostgreSQL',
    processes: {
      workers: 4,
      module: new URL('./open-storage.ts', import.meta.url),
      prepare: () => ({ url: databaseUrl, schema: freshSchema('race') }),
    },
  });
});
