import { TransportError } from '../core/errors.js';
import type { ProviderEvent } from '../core/events.js';
import { admitChallengeAttempt, admitRecoveryAttempt, admitTotpAttempt, advanceTotpStep, consumeRecoveryCode, decideChallengeStart, DELIVERY_RANK } from '../storage/rules.js';
import type {
  BalanceState,
  ChallengeSend,
  ChallengeState,
  DefaultEntry,
  EventQuery,
  ProviderRecord,
  RecoveryCodeSet,
  RecoveryCodeStore,
  TotpUserState,
  TransportStorage,
  UsageRef,
} from '../storage/types.js';
import { sqlState, type SqlClient, type SqlDriver } from './driver.js';
import type { SchemaNames } from './schema.js';

const FOREIGN_KEY_VIOLATION = '23503';
const json = (value: unknown) => JSON.stringify(value);

/** Runs `fn`; a foreign-key violation (the provider was removed meanwhile) becomes `false`. */
async function unlessRemoved(fn: () => Promise<boolean>): Promise<boolean> {
  try {
    return await fn();
  } catch (cause) {
    if (sqlState(cause) === FOREIGN_KEY_VIOLATION) return false;
    throw cause;
  }
}

interface RecordRow {
  record: ProviderRecord;
  version: number;
}
const toRecord = (row: RecordRow): ProviderRecord => ({ ...row.record, version: row.version });
const toUsage = (row: { kind: string; id: string; label: string | null }): UsageRef => ({ kind: row.kind, id: row.id, ...(row.label === null ? {} : { label: row.label }) });

/**
 * The stores of {@link TransportStorage} in SQL, one code path for node-postgres and PGlite.
 * Every invariant is the database's: a unique key or `ON CONFLICT`, a conditional `UPDATE`, a
 * foreign key, or a transaction holding the row lock (`SELECT … FOR UPDATE`) while the contract
 * rule of `storage/rules.ts` decides.
 */
export function sqlStores(db: SqlDriver, n: SchemaNames): Omit<TransportStorage, 'processLocal' | 'close' | 'watch'> {
  const notify = (tx: SqlClient, id: string) => tx.query('SELECT pg_notify($1, $2)', [n.channel, id]);
  const tenantKey = `COALESCE('t:' || $2::text, 'global')`;

  /** Row-locked read-decide-write of one JSON state row. */
  async function locked<Row, T>(select: string, params: readonly unknown[], decide: (tx: SqlClient, row: Row | undefined) => Promise<T>): Promise<T> {
    return db.transaction(async (tx) => decide(tx, (await tx.query<Row>(`${select} FOR UPDATE`, params)).rows[0]));
  }

  return {
    providers: {
      async get(id) {
        const { rows } = await db.query<RecordRow>(`SELECT record, version FROM ${n.providers} WHERE id = $1`, [id]);
        return rows[0] && toRecord(rows[0]);
      },
      async list() {
        const { rows } = await db.query<RecordRow>(`SELECT record, version FROM ${n.providers} ORDER BY seq`);
        return rows.map(toRecord);
      },
      async insert(record) {
        const { rows } = await db.query(
          `WITH inserted AS (INSERT INTO ${n.providers} (id, channel, version, record) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING RETURNING id)
           SELECT pg_notify($5, id) FROM inserted`,
          [record.id, record.channel, record.version, json(record), n.channel],
        );
        if (rows.length === 0) throw new TransportError('CONFLICT', `provider ${record.id} exists already`);
      },
      async update(record, expectedVersion) {
        const next = { ...record, version: expectedVersion + 1 };
        const { rows } = await db.query(
          `WITH updated AS (UPDATE ${n.providers} SET channel = $2, version = $3 + 1, record = $4 WHERE id = $1 AND version = $3 RETURNING id)
           SELECT pg_notify($5, id) FROM updated`,
          [record.id, record.channel, expectedVersion, json(next), n.channel],
        );
        if (rows.length > 0) return;
        const exists = await db.query(`SELECT 1 FROM ${n.providers} WHERE id = $1`, [record.id]);
        if (exists.rows.length === 0) throw new TransportError('NOT_FOUND', `provider ${record.id} does not exist`);
        throw new TransportError('CONFLICT', `provider ${record.id} was changed concurrently (stale version)`);
      },
      async remove(id, { force }) {
        // The row lock makes concurrent usages.add / defaults.set (whose foreign-key checks need
        // a share lock on this row) wait for this decision; they fail once the row is gone.
        return locked<RecordRow, Awaited<ReturnType<TransportStorage['providers']['remove']>>>(
          `SELECT record, version FROM ${n.providers} WHERE id = $1`,
          [id],
          async (tx, row) => {
            if (!row) return { status: 'not-found' };
            const usages = (await tx.query<{ kind: string; id: string; label: string | null }>(`SELECT kind, id, label FROM ${n.usages} WHERE provider_id = $1 ORDER BY seq`, [id])).rows.map(toUsage);
            const defaults = (await tx.query<DefaultEntry>(`SELECT channel, tenant, provider_id AS "providerId" FROM ${n.defaults} WHERE provider_id = $1`, [id])).rows;
            if (!force && (usages.length > 0 || defaults.length > 0)) return { status: 'in-use', usages, defaults };
            await tx.query(`DELETE FROM ${n.usages} WHERE provider_id = $1`, [id]);
            await tx.query(`DELETE FROM ${n.defaults} WHERE provider_id = $1`, [id]);
            await tx.query(`DELETE FROM ${n.providers} WHERE id = $1`, [id]);
            await notify(tx, id);
            return { status: 'removed', record: toRecord(row), usages, defaults };
          },
        );
      },
    },
    usages: {
      add: (providerId, usage) =>
        unlessRemoved(async () => {
          const result = await db.query(
            `INSERT INTO ${n.usages} (provider_id, kind, id, label) VALUES ($1, $2, $3, $4)
             ON CONFLICT (provider_id, kind, id) DO UPDATE SET label = EXCLUDED.label`,
            [providerId, usage.kind, usage.id, usage.label ?? null],
          );
          return result.rowCount > 0;
        }),
      async remove(providerId, kind, id) {
        const result = await db.query(`DELETE FROM ${n.usages} WHERE provider_id = $1 AND kind = $2 AND id = $3`, [providerId, kind, id]);
        return result.rowCount > 0;
      },
      async list(providerId) {
        const { rows } = await db.query<{ kind: string; id: string; label: string | null }>(`SELECT kind, id, label FROM ${n.usages} WHERE provider_id = $1 ORDER BY seq`, [providerId]);
        return rows.map(toUsage);
      },
    },
    defaults: {
      async get(channel, tenant) {
        const { rows } = await db.query<{ provider_id: string }>(`SELECT provider_id FROM ${n.defaults} WHERE channel = $1 AND tenant_key = ${tenantKey}`, [channel, tenant]);
        return rows[0]?.provider_id;
      },
      set: (channel, tenant, providerId) =>
        unlessRemoved(async () => {
          const result = await db.query(
            `INSERT INTO ${n.defaults} (channel, tenant, provider_id)
             SELECT $1, $2::text, $3 WHERE EXISTS (SELECT 1 FROM ${n.providers} WHERE id = $3 AND channel = $1)
             ON CONFLICT (channel, tenant_key) DO UPDATE SET provider_id = EXCLUDED.provider_id`,
            [channel, tenant, providerId],
          );
          return result.rowCount > 0;
        }),
      async clear(channel, tenant) {
        const { rows } = await db.query<{ provider_id: string }>(`DELETE FROM ${n.defaults} WHERE channel = $1 AND tenant_key = ${tenantKey} RETURNING provider_id`, [channel, tenant]);
        return rows[0]?.provider_id;
      },
      async list(filter = {}) {
        const { rows } = await db.query<DefaultEntry>(
          `SELECT channel, tenant, provider_id AS "providerId" FROM ${n.defaults} WHERE $1::text IS NULL OR provider_id = $1`,
          [filter.providerId ?? null],
        );
        return rows;
      },
    },
    events: {
      async appendMany(events) {
        if (events.length === 0) return;
        // One statement and one parameter whatever the batch size (bind parameters are limited
        // to 65,535); the array keeps the batch's order in the sequence numbers.
        await db.query(
          `INSERT INTO ${n.events} (provider_id, type, time, event)
           SELECT e->>'providerId', e->>'type', (e->>'time')::timestamptz, e FROM json_array_elements($1::json) AS e`,
          [json(events)],
        );
      },
      async list(query: EventQuery = {}) {
        // Only the filters given: an `$n IS NULL OR …` clause lets the planner choose a generic
        // plan without the time or provider index (seconds instead of milliseconds at a million events).
        const params: unknown[] = [];
        const where: string[] = [];
        const add = (clause: (placeholder: string) => string, value: unknown) => where.push(clause(`$${params.push(value)}`));
        if (query.providerId !== undefined) add((p) => `provider_id = ${p}`, query.providerId);
        if (query.types) add((p) => `type = ANY(${p}::text[])`, [...query.types]);
        if (query.since !== undefined) add((p) => `time >= ${p}::timestamptz`, query.since);
        const filter = where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`;
        const text =
          query.limit === undefined
            ? `SELECT event FROM ${n.events} ${filter} ORDER BY time, seq`
            : `SELECT event FROM (SELECT event, time, seq FROM ${n.events} ${filter} ORDER BY time DESC, seq DESC LIMIT $${params.push(Math.max(0, query.limit))}) newest ORDER BY time, seq`;
        const { rows } = await db.query<{ event: ProviderEvent }>(text, params);
        return rows.map((r) => r.event);
      },
      async prune({ before }) {
        return (await db.query(`DELETE FROM ${n.events} WHERE time < $1::timestamptz`, [before])).rowCount;
      },
    },
    balance: {
      async get(providerId) {
        const { rows } = await db.query<{ state: BalanceState }>(`SELECT state FROM ${n.balance} WHERE provider_id = $1`, [providerId]);
        return rows[0]?.state;
      },
      async put(state) {
        await db.query(`INSERT INTO ${n.balance} (provider_id, state) VALUES ($1, $2) ON CONFLICT (provider_id) DO UPDATE SET state = EXCLUDED.state`, [state.providerId, json(state)]);
      },
      async claimDailyWarning(providerId, day) {
        return (await db.query(`INSERT INTO ${n.claims} (provider_id, day) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [providerId, day])).rowCount > 0;
      },
      async releaseDailyWarning(providerId, day) {
        await db.query(`DELETE FROM ${n.claims} WHERE provider_id = $1 AND day = $2`, [providerId, day]);
      },
    },
    totp: {
      async get(providerId, userId) {
        const { rows } = await db.query<{ state: TotpUserState }>(`SELECT state FROM ${n.totp} WHERE provider_id = $1 AND user_id = $2`, [providerId, userId]);
        return rows[0]?.state;
      },
      async list(providerId) {
        const { rows } = await db.query<{ state: TotpUserState }>(`SELECT state FROM ${n.totp} WHERE provider_id = $1 ORDER BY user_id`, [providerId]);
        return rows.map((r) => r.state);
      },
      async put(state, expectedVersion) {
        const params = [state.providerId, state.userId, state.version, json(state)];
        const result =
          expectedVersion === undefined
            ? await db.query(`INSERT INTO ${n.totp} (provider_id, user_id, version, state) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, params)
            : await db.query(`UPDATE ${n.totp} SET version = $3, state = $4 WHERE provider_id = $1 AND user_id = $2 AND version = $5`, [...params, expectedVersion]);
        if (result.rowCount === 0) throw new TransportError('CONFLICT', `TOTP state of ${state.userId} was changed concurrently (stale version)`);
      },
      admitAttempt: (providerId, userId, rule) =>
        locked<{ state: TotpUserState }, Awaited<ReturnType<TransportStorage['totp']['admitAttempt']>>>(
          `SELECT state FROM ${n.totp} WHERE provider_id = $1 AND user_id = $2`,
          [providerId, userId],
          async (tx, row) => {
            const { next, result } = admitTotpAttempt(row?.state, rule);
            if (next) await tx.query(`UPDATE ${n.totp} SET version = $3, state = $4 WHERE provider_id = $1 AND user_id = $2`, [providerId, userId, next.version, json(next)]);
            return result;
          },
        ),
      advanceStep: (providerId, userId, step, options = {}) =>
        locked<{ state: TotpUserState }, boolean>(`SELECT state FROM ${n.totp} WHERE provider_id = $1 AND user_id = $2`, [providerId, userId], async (tx, row) => {
          const next = advanceTotpStep(row?.state, step, options.confirm === true);
          if (next) await tx.query(`UPDATE ${n.totp} SET version = $3, state = $4 WHERE provider_id = $1 AND user_id = $2`, [providerId, userId, next.version, json(next)]);
          return next !== undefined;
        }),
      async delete(providerId, userId) {
        return (await db.query(`DELETE FROM ${n.totp} WHERE provider_id = $1 AND user_id = $2`, [providerId, userId])).rowCount > 0;
      },
    },
    challenges: {
      async get(userId) {
        const { rows } = await db.query<{ state: ChallengeState }>(`SELECT state FROM ${n.challenges} WHERE user_id = $1`, [userId]);
        return rows[0]?.state;
      },
      start: (state, { now, throttle }) =>
        db.transaction(async (tx) => {
          if (throttle) {
            // One decision per user at a time, also for a user without any row yet.
            await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`${n.lockKey}:challenge:${state.userId}`]);
            const sends = (await tx.query<{ send: ChallengeSend }>(`SELECT send FROM ${n.challengeSends} WHERE user_id = $1`, [state.userId])).rows.map((r) => r.send);
            const decision = decideChallengeStart(sends, state, now, throttle);
            if (!decision.sends) return decision.result;
            const kept = decision.sends.map((s) => s.challengeId);
            await tx.query(`DELETE FROM ${n.challengeSends} WHERE user_id = $1 AND NOT (challenge_id = ANY($2::text[]))`, [state.userId, kept]);
            await tx.query(`INSERT INTO ${n.challengeSends} (user_id, challenge_id, send) VALUES ($1, $2, $3) ON CONFLICT (user_id, challenge_id) DO UPDATE SET send = EXCLUDED.send`, [
              state.userId,
              state.id,
              json(decision.sends.at(-1)),
            ]);
          }
          await tx.query(`INSERT INTO ${n.challenges} (user_id, state) VALUES ($1, $2) ON CONFLICT (user_id) DO UPDATE SET state = EXCLUDED.state`, [state.userId, json(state)]);
          return { status: 'started' } as const;
        }),
      admitAttempt: (userId, challengeId, maxAttempts) =>
        locked<{ state: ChallengeState }, Awaited<ReturnType<TransportStorage['challenges']['admitAttempt']>>>(
          `SELECT state FROM ${n.challenges} WHERE user_id = $1`,
          [userId],
          async (tx, row) => {
            const { next, result } = admitChallengeAttempt(row?.state, challengeId, maxAttempts);
            if (next) await tx.query(`UPDATE ${n.challenges} SET state = $2 WHERE user_id = $1`, [userId, json(next)]);
            return result;
          },
        ),
      async delete(userId, challengeId, options = {}) {
        const release = options.release === true && challengeId !== undefined;
        // A data-modifying CTE runs whatever the main statement deletes: the send is released either way.
        const result = await db.query(
          `WITH released AS (DELETE FROM ${n.challengeSends} WHERE $3::boolean AND user_id = $1 AND challenge_id = $2)
           DELETE FROM ${n.challenges} WHERE user_id = $1 AND ($2::text IS NULL OR state->>'id' = $2)`,
          [userId, challengeId ?? null, release],
        );
        return result.rowCount > 0;
      },
      async markDelivered(userId, challengeId, providerId) {
        const result = await db.query(
          `UPDATE ${n.challenges} SET state = (state::jsonb || jsonb_build_object('deliveredBy', $3::text))::json WHERE user_id = $1 AND state->>'id' = $2`,
          [userId, challengeId, providerId],
        );
        return result.rowCount > 0;
      },
    },
    recoveryCodes: {
      async get(userId) {
        const { rows } = await db.query<{ state: RecoveryCodeSet }>(`SELECT state FROM ${n.recoveryCodes} WHERE user_id = $1`, [userId]);
        return rows[0]?.state;
      },
      async put(set) {
        await db.query(`INSERT INTO ${n.recoveryCodes} (user_id, state) VALUES ($1, $2) ON CONFLICT (user_id) DO UPDATE SET state = EXCLUDED.state`, [set.userId, json(set)]);
      },
      admitAttempt: (userId, rule) =>
        locked<{ state: RecoveryCodeSet }, Awaited<ReturnType<RecoveryCodeStore['admitAttempt']>>>(
          `SELECT state FROM ${n.recoveryCodes} WHERE user_id = $1`,
          [userId],
          async (tx, row) => {
            const { next, result } = admitRecoveryAttempt(row?.state, rule);
            if (next) await tx.query(`UPDATE ${n.recoveryCodes} SET state = $2 WHERE user_id = $1`, [userId, json(next)]);
            return result;
          },
        ),
      consume: (userId, codeId) =>
        locked<{ state: RecoveryCodeSet }, boolean>(`SELECT state FROM ${n.recoveryCodes} WHERE user_id = $1`, [userId], async (tx, row) => {
          const next = consumeRecoveryCode(row?.state, codeId);
          if (next) await tx.query(`UPDATE ${n.recoveryCodes} SET state = $2 WHERE user_id = $1`, [userId, json(next)]);
          return next !== undefined;
        }),
      async delete(userId) {
        return (await db.query(`DELETE FROM ${n.recoveryCodes} WHERE user_id = $1`, [userId])).rowCount > 0;
      },
    },
    idempotency: {
      claim: (key, { fingerprint, now, expiresAt }) =>
        db.transaction(async (tx) => {
          for (;;) {
            const current = (await tx.query<{ fingerprint: string; live: boolean; result: { value: unknown } | null }>(
              `SELECT fingerprint, expires_at > $2::timestamptz AS live, result FROM ${n.idempotency} WHERE key = $1 FOR UPDATE`,
              [key, now],
            )).rows[0];
            if (current?.live) {
              if (current.fingerprint !== fingerprint) return { status: 'mismatch' } as const;
              return current.result ? ({ status: 'completed', result: current.result.value } as const) : ({ status: 'in-progress' } as const);
            }
            if (current) {
              await tx.query(`UPDATE ${n.idempotency} SET fingerprint = $2, expires_at = $3, result = NULL WHERE key = $1`, [key, fingerprint, expiresAt]);
              return { status: 'claimed' } as const;
            }
            // No row to lock: the primary key decides between concurrent first claims.
            const inserted = await tx.query(`INSERT INTO ${n.idempotency} (key, fingerprint, expires_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [key, fingerprint, expiresAt]);
            if (inserted.rowCount > 0) return { status: 'claimed' } as const;
          }
        }),
      async complete(key, result) {
        await db.query(`UPDATE ${n.idempotency} SET result = $2 WHERE key = $1`, [key, json({ value: result })]);
      },
      async release(key) {
        await db.query(`DELETE FROM ${n.idempotency} WHERE key = $1`, [key]);
      },
    },
    deliveries: {
      async advance(status) {
        // One statement: the conditional upsert keeps the highest status whatever the order of reports.
        const result = await db.query(
          `INSERT INTO ${n.deliveries} (message_id, rank, status) VALUES ($1, $2, $3)
           ON CONFLICT (message_id) DO UPDATE SET rank = EXCLUDED.rank, status = EXCLUDED.status WHERE ${n.deliveries}.rank < EXCLUDED.rank`,
          [status.messageId, DELIVERY_RANK[status.state], json(status)],
        );
        return result.rowCount > 0;
      },
      async get(messageId) {
        const { rows } = await db.query<{ status: import('../storage/types.js').DeliveryStatus }>(`SELECT status FROM ${n.deliveries} WHERE message_id = $1`, [messageId]);
        return rows[0]?.status;
      },
    },
  };
}
