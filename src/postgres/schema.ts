import { TransportError } from '../core/errors.js';
import type { SqlDriver } from './driver.js';

/** Quoted, prefixed names of the adapter's tables and its notification channel. */
export interface SchemaNames {
  readonly schema: string;
  readonly migrations: string;
  readonly providers: string;
  readonly usages: string;
  readonly defaults: string;
  readonly events: string;
  readonly balance: string;
  readonly claims: string;
  readonly totp: string;
  readonly challenges: string;
  readonly idempotency: string;
  readonly deliveries: string;
  readonly challengeSends: string;
  readonly recoveryCodes: string;
  /** LISTEN/NOTIFY channel (lower case: PostgreSQL folds unquoted names). */
  readonly channel: string;
  /** Key of the advisory lock that serialises migrations of this schema and prefix. */
  readonly lockKey: string;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,39}$/;

/** Validates `schema` and `tablePrefix` (they are spliced into SQL) and names every table. */
export function schemaNames(schema: string, prefix: string): SchemaNames {
  for (const [field, value] of [['schema', schema], ['tablePrefix', prefix]] as const) {
    if (!IDENTIFIER.test(value) && !(field === 'tablePrefix' && value === '')) {
      throw new TransportError('CONFIG_INVALID', `invalid ${field}: must be lower-case letters, digits and _ (at most 40), starting with a letter or _`, { field });
    }
  }
  const table = (name: string) => `"${schema}"."${prefix}${name}"`;
  return {
    schema: `"${schema}"`,
    migrations: table('migrations'),
    providers: table('providers'),
    usages: table('usages'),
    defaults: table('defaults'),
    events: table('events'),
    balance: table('balance'),
    claims: table('warning_claims'),
    totp: table('totp'),
    challenges: table('challenges'),
    idempotency: table('idempotency'),
    deliveries: table('deliveries'),
    challengeSends: table('challenge_sends'),
    recoveryCodes: table('recovery_codes'),
    channel: `${schema}_${prefix}changes`.slice(0, 63),
    lockKey: `transportkit.${schema}.${prefix}`,
  };
}

/**
 * The migrations, in order; each runs once, in the transaction that records it. Written for
 * PostgreSQL 15 (PGlite is 18: CI on the real server is the dialect check). Records are `json`
 * (kept as written: key order, exact numbers); the columns beside them are what the invariants
 * and queries need.
 */
function migrations(n: SchemaNames): readonly string[][] {
  return [
    [
      `CREATE TABLE ${n.providers} (
        id text PRIMARY KEY,
        seq bigserial NOT NULL,
        channel text NOT NULL,
        version integer NOT NULL,
        record json NOT NULL)`,
      `CREATE INDEX ON ${n.providers} (seq)`,
      // RESTRICT: a referenced provider cannot be deleted by accident; `remove` deletes references first under a row lock.
      `CREATE TABLE ${n.usages} (
        provider_id text NOT NULL REFERENCES ${n.providers} (id) ON DELETE RESTRICT,
        kind text NOT NULL,
        id text NOT NULL,
        label text,
        seq bigserial NOT NULL,
        PRIMARY KEY (provider_id, kind, id))`,
      `CREATE TABLE ${n.defaults} (
        channel text NOT NULL,
        tenant text,
        tenant_key text GENERATED ALWAYS AS (COALESCE('t:' || tenant, 'global')) STORED,
        provider_id text NOT NULL REFERENCES ${n.providers} (id) ON DELETE RESTRICT,
        PRIMARY KEY (channel, tenant_key))`,
      `CREATE INDEX ON ${n.defaults} (provider_id)`,
      `CREATE TABLE ${n.events} (
        seq bigserial PRIMARY KEY,
        provider_id text NOT NULL,
        type text NOT NULL,
        time timestamptz NOT NULL,
        event json NOT NULL)`,
      `CREATE INDEX ON ${n.events} (provider_id, time)`,
      `CREATE INDEX ON ${n.events} (time)`,
      `CREATE TABLE ${n.balance} (provider_id text PRIMARY KEY, state json NOT NULL)`,
      `CREATE TABLE ${n.claims} (provider_id text NOT NULL, day text NOT NULL, PRIMARY KEY (provider_id, day))`,
      `CREATE TABLE ${n.totp} (
        provider_id text NOT NULL,
        user_id text NOT NULL,
        version integer NOT NULL,
        state json NOT NULL,
        PRIMARY KEY (provider_id, user_id))`,
      `CREATE TABLE ${n.challenges} (user_id text PRIMARY KEY, state json NOT NULL)`,
    ],
    [
      `CREATE TABLE ${n.idempotency} (
        key text PRIMARY KEY,
        fingerprint text NOT NULL,
        expires_at timestamptz NOT NULL,
        result json)`,
      `CREATE INDEX ON ${n.idempotency} (expires_at)`,
      `CREATE TABLE ${n.deliveries} (message_id text PRIMARY KEY, rank integer NOT NULL, status json NOT NULL)`,
    ],
    [
      // Second-factor sends per user: the resend window per channel and the cap on sends survive the challenge.
      `CREATE TABLE ${n.challengeSends} (
        user_id text NOT NULL,
        challenge_id text NOT NULL,
        send json NOT NULL,
        PRIMARY KEY (user_id, challenge_id))`,
      `CREATE TABLE ${n.recoveryCodes} (user_id text PRIMARY KEY, state json NOT NULL)`,
    ],
  ];
}

/** The schema version this code needs. */
export const SCHEMA_VERSION = 3;

/**
 * Applies the missing migrations. Safe when several instances start at once: one transaction
 * under an advisory lock re-reads the version and applies only what is missing (PostgreSQL DDL
 * is transactional). Refuses a database migrated by a newer version of the package.
 */
export async function migrate(driver: SqlDriver, names: SchemaNames): Promise<{ readonly from: number; readonly to: number }> {
  const steps = migrations(names);
  return driver.transaction(async (tx) => {
    await tx.query(`SET LOCAL lock_timeout = '30s'`);
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [names.lockKey]);
    await tx.query(`CREATE SCHEMA IF NOT EXISTS ${names.schema}`);
    await tx.query(`CREATE TABLE IF NOT EXISTS ${names.migrations} (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await tx.query<{ version: number | null }>(`SELECT max(version)::int AS version FROM ${names.migrations}`);
    const from = rows[0]?.version ?? 0;
    if (from > steps.length) {
      throw new TransportError('UNSUPPORTED', `the database schema is at version ${from}, newer than this transportkit (${steps.length}); upgrade the package`, { retryable: false });
    }
    for (let version = from + 1; version <= steps.length; version += 1) {
      for (const statement of steps[version - 1]!) await tx.query(statement);
      await tx.query(`INSERT INTO ${names.migrations} (version) VALUES ($1)`, [version]);
    }
    return { from, to: steps.length };
  });
}
