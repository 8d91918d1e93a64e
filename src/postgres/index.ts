/**
 * Storage on PostgreSQL (`transportkit/postgres`): `postgresStorage()` on a real server through
 * node-postgres (`pg`), or in process on PGlite, with the same SQL. Every invariant of the
 * storage contract is enforced by the database, so several app instances can share it. Both
 * drivers are optional peer dependencies, loaded only when used.
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * import { createRegistry } from 'transportkit';
 * import { postgresStorage } from 'transportkit/postgres';
 *
 * const storage = await postgresStorage({ pool: new pg.Pool({ connectionString: process.env.DATABASE_URL }) });
 * // or, in process: await postgresStorage({ pglite: './transportkit-data' })
 * const registry = createRegistry({ storage, secretKeys: { keys: { k1: process.env.TK_KEY! }, current: 'k1' }, types: [] });
 * // ... on shutdown:
 * await registry.close();
 * await storage.close();
 * ```
 *
 * @module transportkit/postgres
 */
import { isTransportError, TransportError } from '../core/errors.js';
import type { StorageChange, TransportStorage } from '../storage/types.js';
import { storageError, type SqlDriver } from './driver.js';
import { pgDriver, type PgPoolLike } from './pg-driver.js';
import { pgliteDriver, type PGliteLike } from './pglite-driver.js';
import { migrate, schemaNames, SCHEMA_VERSION, type SchemaNames } from './schema.js';
import { sqlStores } from './storage.js';

export type { PgPoolLike, PgClientLike, PgPooledClientLike } from './pg-driver.js';
export type { PGliteLike, PGliteQueryable } from './pglite-driver.js';

/** Options of {@link postgresStorage}: exactly one of `pool`, `connectionString` or `pglite`. */
export interface PostgresStorageOptions {
  /** A node-postgres `Pool` of the host; it stays the host's (not ended by `close()`). */
  readonly pool?: PgPoolLike;
  /** A connection string; the adapter makes (and on `close()` ends) its own pool. */
  readonly connectionString?: string;
  /**
   * PGlite, in this process: a data directory (persisted, locked against a second opener),
   * `memory://` (gone with the process), or a PGlite instance of the host (not locked, not closed).
   */
  readonly pglite?: string | PGliteLike;
  /** Schema of the tables (default `public`; created when missing). */
  readonly schema?: string;
  /** Prefix of the table names (default `transportkit_`). */
  readonly tablePrefix?: string;
  /** Run the migrations on start (default true). With false, a schema at another version is refused. */
  readonly migrate?: boolean;
  /** Announce provider changes with LISTEN/NOTIFY so registries cache records (default true). */
  readonly watch?: boolean;
  /** Called with errors that concern no call of the host (a dropped idle or LISTEN connection). */
  readonly onError?: (error: Error) => void;
}

/** The adapter: a {@link TransportStorage} plus what the host may want to know. */
export interface PostgresStorage extends TransportStorage {
  /** Which driver runs the SQL. */
  readonly driver: 'pg' | 'pglite';
  /** The schema version of the database after start-up. */
  readonly schemaVersion: number;
  /** Ends the adapter's own pool or PGlite instance and its LISTEN connection. */
  close(): Promise<void>;
}

const STORES = ['providers', 'usages', 'defaults', 'events', 'balance', 'totp', 'challenges', 'idempotency', 'deliveries', 'recoveryCodes'] as const;

/**
 * Opens the PostgreSQL storage adapter and brings the schema up to date (`migrate`, safe when
 * several instances start at once).
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * import { postgresStorage } from 'transportkit/postgres';
 * const storage = await postgresStorage({ pool: new pg.Pool({ connectionString: process.env.DATABASE_URL }) });
 * const registry = createRegistry({ storage, secretKeys, types });
 * ```
 */
export async function postgresStorage(options: PostgresStorageOptions): Promise<PostgresStorage> {
  const sources = (['pool', 'connectionString', 'pglite'] as const).filter((k) => options?.[k] !== undefined);
  if (sources.length !== 1) {
    throw new TransportError('CONFIG_INVALID', `postgresStorage needs exactly one of pool, connectionString or pglite (got ${sources.join(', ') || 'none'})`, {
      field: sources[1] ?? 'pool',
    });
  }
  const names = schemaNames(options.schema ?? 'public', options.tablePrefix ?? 'transportkit_');
  const onError = (error: Error) => {
    try {
      options.onError?.(error);
    } catch {
      // The host's error callback must not break a connection handler.
    }
  };
  const driver = await openDriver(options, onError);
  try {
    const schemaVersion = options.migrate === false ? await checkVersion(driver, names) : (await migrate(driver, names)).to;
    return assemble(driver, names, schemaVersion, options);
  } catch (cause) {
    await driver.close().catch(() => undefined);
    throw isTransportError(cause) ? cause : storageError('migrate', cause);
  }
}

async function openDriver(options: PostgresStorageOptions, onError: (error: Error) => void): Promise<SqlDriver> {
  try {
    if (options.pglite !== undefined) return await pgliteDriver(options.pglite);
    if (options.pool !== undefined) return await pgDriver({ pool: options.pool }, onError);
    if (typeof options.connectionString !== 'string' || options.connectionString.length === 0) {
      throw new TransportError('CONFIG_INVALID', 'invalid connectionString: must be a non-empty string', { field: 'connectionString' });
    }
    return await pgDriver({ connectionString: options.connectionString }, onError);
  } catch (cause) {
    if (isTransportError(cause)) throw cause;
    const missing = (cause as { code?: unknown } | null)?.code === 'ERR_MODULE_NOT_FOUND';
    if (missing) {
      const name = options.pglite === undefined ? 'pg' : '@electric-sql/pglite';
      throw new TransportError('CONFIG_INVALID', `${name} is not installed: npm install ${name}`, { field: options.pglite === undefined ? 'pool' : 'pglite' });
    }
    throw storageError('connect', cause);
  }
}

async function checkVersion(driver: SqlDriver, names: SchemaNames): Promise<number> {
  const { rows } = await driver.query<{ version: number | null }>(`SELECT max(version)::int AS version FROM ${names.migrations}`);
  const version = rows[0]?.version ?? 0;
  if (version !== SCHEMA_VERSION) {
    throw new TransportError('UNSUPPORTED', `the database schema is at version ${version}, this transportkit needs ${SCHEMA_VERSION}; run with migrate: true`, { retryable: false });
  }
  return version;
}

function assemble(driver: SqlDriver, names: SchemaNames, schemaVersion: number, options: PostgresStorageOptions): PostgresStorage {
  const stores = sqlStores(driver, names) as unknown as Record<string, Record<string, (...args: unknown[]) => Promise<unknown>>>;
  const storage: Record<string, unknown> = {
    driver: driver.kind,
    schemaVersion,
    // Only an in-memory PGlite dies with the process; anything else needs stable secret keys.
    processLocal: driver.kind === 'pglite' && typeof options.pglite === 'string' && (options.pglite === '' || options.pglite.startsWith('memory://')),
    close: () => driver.close(),
  };
  for (const name of STORES) {
    const wrapped: Record<string, unknown> = {};
    for (const [method, fn] of Object.entries(stores[name]!)) {
      const operation = `${name}.${method}`;
      wrapped[method] = (...args: unknown[]) => fn(...args).catch((cause: unknown) => Promise.reject(isTransportError(cause) ? cause : storageError(operation, cause)));
    }
    storage[name] = wrapped;
  }
  if (options.watch !== false) {
    storage.watch = (onChange: (change: StorageChange) => void) =>
      driver.listen(
        names.channel,
        (id) => onChange({ kind: 'provider', id }),
        () => onChange({ kind: 'reset' }),
      );
  }
  return storage as unknown as PostgresStorage;
}
