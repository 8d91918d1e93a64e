/**
 * Mutants of memoryStorage for the mutation test of the conformance kit: each one does a
 * single invariant as a read-then-write with an event-loop turn in between (what an adapter
 * does when it reads a row, decides, then writes without a transaction or a conditional
 * write), or returns a stored object instead of a copy. Everything else stays atomic, so each
 * mutant is sequentially correct and only a race (or the copy check) can tell.
 */
import { setImmediate as gap } from 'node:timers/promises';
import { hasErrorCode, memoryStorage, TransportError, type DefaultEntry, type DeliveryStatus, type ProviderRecord, type TotpUserState, type TransportStorage } from '../../src/index.js';
import { admitRecoveryAttempt, consumeRecoveryCode, decideChallengeStart } from '../../src/storage/rules.js';
import type { ChallengeSend } from '../../src/storage/types.js';

/**
 * The sends of a user kept as a row of the challenge store under a key of their own (so every
 * process on a shared store sees them), read, decided on and written back in separate steps.
 */
function sendsReadThenWritten(inner: TransportStorage): TransportStorage {
  const key = (userId: string) => `${userId}#sends`;
  const read = async (userId: string): Promise<ChallengeSend[]> => JSON.parse((await inner.challenges.get(key(userId)))?.codeHash ?? '[]') as ChallengeSend[];
  const write = (userId: string, sends: readonly ChallengeSend[], now: string) =>
    inner.challenges.start({ id: 'sends', userId: key(userId), providerId: '-', codeHash: JSON.stringify(sends), sentAt: now, expiresAt: now, resendAt: now, attempts: 0 }, { now });
  return {
    ...inner,
    challenges: {
      ...inner.challenges,
      async start(state, { now, throttle }) {
        if (!throttle) return inner.challenges.start(state, { now });
        const decision = decideChallengeStart(await read(state.userId), state, now, throttle);
        await gap();
        if (!decision.sends) return decision.result;
        await write(state.userId, decision.sends, now);
        await inner.challenges.start(state, { now });
        return decision.result;
      },
      async delete(userId, challengeId, options = {}) {
        if (options.release && challengeId !== undefined) {
          const now = new Date().toISOString();
          await write(userId, (await read(userId)).filter((x) => x.challengeId !== challengeId), now);
        }
        return inner.challenges.delete(userId, challengeId);
      },
    },
  };
}

/** A mutant: wraps a store and replaces one method. */
export interface Mutant {
  readonly name: string;
  /** The race scenario that must catch it (`storageRaceScenarios` id), or `copies` for the basic checks. */
  readonly caughtBy: string;
  wrap(inner: TransportStorage): TransportStorage;
}

/** Writes a TOTP state whatever is stored (last write wins), as an unconditional UPDATE would. */
async function overwriteTotp(inner: TransportStorage, next: TotpUserState): Promise<void> {
  for (;;) {
    try {
      return await inner.totp.put(next, (await inner.totp.get(next.providerId, next.userId))?.version);
    } catch (error) {
      if (!hasErrorCode(error, 'CONFLICT')) throw error;
    }
  }
}

/** A scratch copy of one TOTP state, where the reference logic computes the next state. */
async function scratchTotp(current: TotpUserState | undefined): Promise<TransportStorage> {
  const scratch = memoryStorage();
  if (current) await scratch.totp.put(current);
  return scratch;
}

/**
 * Defaults kept as rows without a unique key per channel and tenant, set by read-then-insert;
 * `providers.remove` consults and deletes the rows (so only the one-default race can tell).
 */
function rowDefaults(inner: TransportStorage): TransportStorage {
  let rows: DefaultEntry[] = [];
  const find = (channel: string, tenant: string | null) => rows.findIndex((d) => d.channel === channel && d.tenant === tenant);
  const naming = (providerId: string) => rows.filter((d) => d.providerId === providerId).map((d) => ({ ...d }));
  return {
    ...inner,
    providers: {
      ...inner.providers,
      async remove(id, { force }) {
        const defaults = naming(id);
        if (!force && defaults.length > 0 && (await inner.providers.get(id))) return { status: 'in-use', usages: await inner.usages.list(id), defaults };
        const removal = await inner.providers.remove(id, { force });
        if (removal.status === 'removed') rows = rows.filter((d) => d.providerId !== id);
        return removal.status === 'not-found' ? removal : { ...removal, defaults };
      },
    },
    defaults: {
      async get(channel, tenant) {
        return rows[find(channel, tenant)]?.providerId;
      },
      async set(channel, tenant, providerId) {
        if ((await inner.providers.get(providerId))?.channel !== channel) return false;
        const i = find(channel, tenant);
        await gap();
        if (i >= 0) rows[i] = { channel, tenant, providerId };
        else rows.push({ channel, tenant, providerId });
        return true;
      },
      async clear(channel, tenant) {
        const previous = rows[find(channel, tenant)]?.providerId;
        rows = rows.filter((d) => !(d.channel === channel && d.tenant === tenant));
        return previous;
      },
      async list(filter = {}) {
        return filter.providerId === undefined ? rows.map((d) => ({ ...d })) : naming(filter.providerId);
      },
    },
  };
}

export const mutants: readonly Mutant[] = [
  {
    name: 'providers.remove lists the references, then deletes',
    caughtBy: 'providers.remove-vs-usages.add',
    wrap: (inner) => ({
      ...inner,
      providers: {
        ...inner.providers,
        async remove(id, { force }) {
          const usages = await inner.usages.list(id);
          const defaults = await inner.defaults.list({ providerId: id });
          if (!force && (usages.length > 0 || defaults.length > 0)) return { status: 'in-use', usages, defaults };
          await gap();
          return inner.providers.remove(id, { force: true });
        },
      },
    }),
  },
  {
    // The late add goes through the atomic add, so it is lost rather than left dangling; it
    // still reports true, as a plain INSERT after a SELECT would.
    name: 'usages.add checks the provider, then adds',
    caughtBy: 'providers.remove-vs-usages.add',
    wrap: (inner) => ({
      ...inner,
      usages: {
        ...inner.usages,
        async add(providerId, usage) {
          if (!(await inner.providers.get(providerId))) return false;
          await gap();
          await inner.usages.add(providerId, usage);
          return true;
        },
      },
    }),
  },
  {
    name: 'defaults.set checks the provider, then sets',
    caughtBy: 'providers.remove-vs-defaults.set',
    wrap: (inner) => ({
      ...inner,
      defaults: {
        ...inner.defaults,
        async set(channel, tenant, providerId) {
          if ((await inner.providers.get(providerId))?.channel !== channel) return false;
          await gap();
          await inner.defaults.set(channel, tenant, providerId);
          return true;
        },
      },
    }),
  },
  {
    name: 'usages.add checks the provider, then adds (against a forced remove)',
    caughtBy: 'providers.remove-force-vs-usages.add-and-defaults.set',
    wrap: (inner) => mutants[1]!.wrap(inner),
  },
  {
    name: 'defaults.set reads the setting of channel + tenant, then inserts or replaces it',
    caughtBy: 'defaults.set-one-channel-and-tenant',
    wrap: rowDefaults,
  },
  {
    name: 'providers.update compares the version, then writes',
    caughtBy: 'providers.update-one-version',
    wrap: (inner) => ({
      ...inner,
      providers: {
        ...inner.providers,
        async update(record, expectedVersion) {
          const current = await inner.providers.get(record.id);
          if (!current) throw new TransportError('NOT_FOUND', `provider ${record.id} does not exist`);
          if (current.version !== expectedVersion) throw new TransportError('CONFLICT', 'stale version');
          await gap();
          const latest = (await inner.providers.get(record.id))!;
          await inner.providers.update(record, latest.version);
        },
      },
    }),
  },
  {
    name: 'balance.claimDailyWarning looks for the claim, then stores it',
    caughtBy: 'balance.claimDailyWarning',
    wrap: (inner) => {
      const claims = new Set<string>();
      return {
        ...inner,
        balance: {
          ...inner.balance,
          async claimDailyWarning(providerId, day) {
            if (claims.has(`${providerId}/${day}`)) return false;
            await gap();
            claims.add(`${providerId}/${day}`);
            return true;
          },
          async releaseDailyWarning(providerId, day) {
            claims.delete(`${providerId}/${day}`);
          },
        },
      };
    },
  },
  {
    name: 'idempotency.claim looks for the key, then stores it',
    caughtBy: 'idempotency.claim-one-key',
    wrap: (inner) => {
      const keys = new Map<string, { fingerprint: string; expiresAt: string; result?: { value: unknown } }>();
      return {
        ...inner,
        idempotency: {
          async claim(key, { fingerprint, now, expiresAt }) {
            const current = keys.get(key);
            if (current && Date.parse(current.expiresAt) > Date.parse(now)) {
              if (current.fingerprint !== fingerprint) return { status: 'mismatch' };
              return current.result ? { status: 'completed', result: structuredClone(current.result.value) } : { status: 'in-progress' };
            }
            await gap();
            keys.set(key, { fingerprint, expiresAt });
            return { status: 'claimed' };
          },
          async complete(key, result) {
            const current = keys.get(key);
            if (current) current.result = { value: structuredClone(result) };
          },
          async release(key) {
            keys.delete(key);
          },
        },
      };
    },
  },
  {
    name: 'deliveries.advance reads the status, then writes the next one',
    caughtBy: 'deliveries.advance-forward-only',
    wrap: (inner) => {
      const rank = { accepted: 0, delivered: 1, failed: 1, expired: 1, read: 2 } as const;
      const statuses = new Map<string, DeliveryStatus>();
      return {
        ...inner,
        deliveries: {
          async advance(status) {
            const current = statuses.get(status.messageId);
            if (current && rank[current.state] >= rank[status.state]) return false;
            await gap();
            statuses.set(status.messageId, structuredClone(status));
            return true;
          },
          async get(messageId) {
            const status = statuses.get(messageId);
            return status && structuredClone(status);
          },
        },
      };
    },
  },
  {
    name: 'totp.advanceStep reads the state, then writes the next one',
    caughtBy: 'totp.advanceStep-one-step',
    wrap: (inner) => ({
      ...inner,
      totp: {
        ...inner.totp,
        async advanceStep(providerId, userId, step, options) {
          const scratch = await scratchTotp(await inner.totp.get(providerId, userId));
          const accepted = await scratch.totp.advanceStep(providerId, userId, step, options);
          await gap();
          if (accepted) await overwriteTotp(inner, (await scratch.totp.get(providerId, userId))!);
          return accepted;
        },
      },
    }),
  },
  {
    name: 'totp.admitAttempt reads the state, then writes the counted one',
    caughtBy: 'totp.admitAttempt-max-failures',
    wrap: (inner) => ({
      ...inner,
      totp: {
        ...inner.totp,
        async admitAttempt(providerId, userId, rule) {
          const scratch = await scratchTotp(await inner.totp.get(providerId, userId));
          const attempt = await scratch.totp.admitAttempt(providerId, userId, rule);
          await gap();
          const next = await scratch.totp.get(providerId, userId);
          if (next) await overwriteTotp(inner, next);
          return attempt;
        },
      },
    }),
  },
  {
    name: 'totp.put compares the version, then writes',
    caughtBy: 'totp.put-one-version',
    wrap: (inner) => ({
      ...inner,
      totp: {
        ...inner.totp,
        async put(state, expectedVersion) {
          const current = await inner.totp.get(state.providerId, state.userId);
          if (expectedVersion === undefined ? current !== undefined : current?.version !== expectedVersion) throw new TransportError('CONFLICT', 'stale version');
          await gap();
          await overwriteTotp(inner, state);
        },
      },
    }),
  },
  {
    name: 'challenges.start reads the recorded sends, then writes them',
    caughtBy: 'challenges.start-throttled',
    wrap: sendsReadThenWritten,
  },
  {
    name: 'challenges.start counts the recorded sends, then writes them',
    caughtBy: 'challenges.start-capped',
    wrap: sendsReadThenWritten,
  },
  {
    name: 'recoveryCodes.consume reads the set, then writes it without the code',
    caughtBy: 'recoveryCodes.consume-one-code',
    wrap: (inner) => ({
      ...inner,
      recoveryCodes: {
        ...inner.recoveryCodes!,
        async consume(userId, codeId) {
          const next = consumeRecoveryCode(await inner.recoveryCodes!.get(userId), codeId);
          await gap();
          if (next) await inner.recoveryCodes!.put(next);
          return next !== undefined;
        },
      },
    }),
  },
  {
    name: 'recoveryCodes.admitAttempt reads the failures, then writes them',
    caughtBy: 'recoveryCodes.admitAttempt-max-failures',
    wrap: (inner) => ({
      ...inner,
      recoveryCodes: {
        ...inner.recoveryCodes!,
        async admitAttempt(userId, rule) {
          const { next, result } = admitRecoveryAttempt(await inner.recoveryCodes!.get(userId), rule);
          await gap();
          if (next) await inner.recoveryCodes!.put(next);
          return result;
        },
      },
    }),
  },
  {
    name: 'challenges.admitAttempt reads the attempts, then writes them',
    caughtBy: 'challenges.admitAttempt-max-attempts',
    wrap: (inner) => ({
      ...inner,
      challenges: {
        ...inner.challenges,
        async admitAttempt(userId, challengeId, maxAttempts) {
          const current = await inner.challenges.get(userId);
          if (!current || current.id !== challengeId) return { status: 'gone' };
          if (current.attempts >= maxAttempts) return { status: 'locked', state: current };
          const state = { ...current, attempts: current.attempts + 1 };
          await gap();
          await inner.challenges.start(state, { now: state.sentAt });
          return { status: 'admitted', state };
        },
      },
    }),
  },
  {
    name: 'challenges.markDelivered reads the challenge, then writes it back marked',
    caughtBy: 'challenges.markDelivered-vs-start',
    wrap: (inner) => ({
      ...inner,
      challenges: {
        ...inner.challenges,
        async markDelivered(userId, challengeId, providerId) {
          const current = await inner.challenges.get(userId);
          if (!current || current.id !== challengeId) return false;
          await gap();
          await inner.challenges.start({ ...current, deliveredBy: providerId }, { now: current.sentAt });
          return true;
        },
      },
    }),
  },
  {
    name: 'challenges.delete compares the id, then deletes',
    caughtBy: 'challenges.delete-one-challenge',
    wrap: (inner) => ({
      ...inner,
      challenges: {
        ...inner.challenges,
        async delete(userId, challengeId, options = {}) {
          // Releasing a send stays the store's own (atomic) delete; the plain delete is the mutant.
          if (options.release) return inner.challenges.delete(userId, challengeId, options);
          const current = await inner.challenges.get(userId);
          if (!current || (challengeId !== undefined && current.id !== challengeId)) return false;
          await gap();
          await inner.challenges.delete(userId);
          return true;
        },
      },
    }),
  },
  {
    name: 'providers.get returns its cached record instead of a copy',
    caughtBy: 'copies',
    wrap: (inner) => {
      const cache = new Map<string, ProviderRecord>();
      const forget = <A extends unknown[], R>(write: (...args: A) => Promise<R>) => async (...args: A) => {
        cache.clear();
        return write(...args);
      };
      return {
        ...inner,
        providers: {
          ...inner.providers,
          async get(id) {
            if (!cache.has(id)) {
              const record = await inner.providers.get(id);
              if (record) cache.set(id, record);
            }
            return cache.get(id);
          },
          insert: forget(inner.providers.insert),
          update: forget(inner.providers.update),
          remove: forget(inner.providers.remove),
        },
      };
    },
  },
];
