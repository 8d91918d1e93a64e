import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { postgresStorage } from '../../src/postgres/index.js';
import { runStorageConformance } from '../../src/testing/index.js';
import { freshSchema } from './server.js';

// Starting PGlite costs seconds and hundreds of MiB: one instance, one schema per test.
let db: PGlite;
beforeAll(async () => {
  db = await PGlite.create();
});
afterAll(() => db?.close());

runStorageConformance({ describe, it }, () => postgresStorage({ pglite: db, schema: freshSchema('lite') }), { name: 'postgresStorage on PGlite' });
