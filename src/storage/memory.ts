import { TransportError } from '../core/errors.js';
import type { ProviderEvent } from '../core/events.js';
import type {
  BalanceState,
  ChallengeState,
  DefaultEntry,
  EventQuery,
  ProviderRecord,
  TotpUserState,
  TransportStorage,
  UsageRef,
} from './types.js';

/** Options of {@link memoryStorage}. */
export interface MemoryStorageOptions {
  /** Keep at most this many events, dropping the oldest (default 10,000). */
  readonly maxEvents?: number;
}

const copy = <T>(value: T): T => structuredClone(value);
const conflict = (what: string) => new TransportError('CONFLICT', `${what} was changed concurrently (stale version)`);

/**
 * The in-memory storage adapter: the embedded default and the reference implementation of
 * {@link TransportStorage}. It passes the conformance suite of `transportkit/testing`. Its data
 * lives in this process only; every operation completes without awaiting in between, so the
 * atomic operations are atomic within the process.
 */
export function memoryStorage(options: MemoryStorageOptions = {}): TransportStorage {
  const maxEvents = options.maxEvents ?? 10_000;
  const providers = new Map<string, ProviderRecord>();
  const usages = new Map<string, UsageRef[]>();
  const defaults = new Map<string, DefaultEntry>();
  const events: ProviderEvent[] = [];
  const balance = new Map<string, BalanceState>();
  const claims = new Set<string>();
  const totp = new Map<string, TotpUserState>();
  const challenges = new Map<string, ChallengeState>();
  const totpKey = (providerId: string, userId: string) => JSON.stringify([providerId, userId]);
  const defaultKey = (channel: string, tenant: string | null) => JSON.stringify([channel, tenant]);

  return {
    processLocal: true,
    providers: {
      async get(id) {
        const r = providers.get(id);
        return r && copy(r);
      },
      async list() {
        return [...providers.values()].map(copy);
      },
      async insert(record) {
        if (providers.has(record.id)) throw new TransportError('CONFLICT', `provider ${record.id} exists already`);
        providers.set(record.id, copy(record));
      },
      async update(record, expectedVersion) {
        const current = providers.get(record.id);
        if (!current) throw new TransportError('NOT_FOUND', `provider ${record.id} does not exist`);
        if (current.version !== expectedVersion) throw conflict(`provider ${record.id}`);
        providers.set(record.id, { ...copy(record), version: expectedVersion + 1 });
      },
      async delete(id) {
        return providers.delete(id);
      },
    },
    usages: {
      async add(providerId, usage) {
        const list = usages.get(providerId) ?? [];
        const i = list.findIndex((u) => u.kind === usage.kind && u.id === usage.id);
        if (i >= 0) list[i] = copy(usage);
        else list.push(copy(usage));
        usages.set(providerId, list);
      },
      async remove(providerId, kind, id) {
        const list = usages.get(providerId) ?? [];
        const i = list.findIndex((u) => u.kind === kind && u.id === id);
        if (i < 0) return false;
        list.splice(i, 1);
        return true;
      },
      async list(providerId) {
        return (usages.get(providerId) ?? []).map(copy);
      },
      async removeAll(providerId) {
        usages.delete(providerId);
      },
    },
    defaults: {
      async get(channel, tenant) {
        return defaults.get(defaultKey(channel, tenant))?.providerId;
      },
      async set(channel, tenant, providerId) {
        const key = defaultKey(channel, tenant);
        if (providerId === undefined) defaults.delete(key);
        else defaults.set(key, { channel, tenant, providerId });
      },
      async list() {
        return [...defaults.values()].map(copy);
      },
    },
    events: {
      async append(event) {
        events.push(copy(event));
        if (events.length > maxEvents) events.splice(0, events.length - maxEvents);
      },
      async list(query: EventQuery = {}) {
        const types = query.types && new Set(query.types);
        const since = query.since === undefined ? undefined : Date.parse(query.since);
        const found = events.filter(
          (e) =>
            (query.providerId === undefined || e.providerId === query.providerId) &&
            (!types || types.has(e.type)) &&
            (since === undefined || Date.parse(e.time) >= since),
        );
        return (query.limit === undefined ? found : found.slice(Math.max(0, found.length - query.limit))).map(copy);
      },
    },
    balance: {
      async get(providerId) {
        const s = balance.get(providerId);
        return s && copy(s);
      },
      async put(state) {
        balance.set(state.providerId, copy(state));
      },
      async claimDailyWarning(providerId, day) {
        const key = JSON.stringify([providerId, day]);
        if (claims.has(key)) return false;
        claims.add(key);
        return true;
      },
      async releaseDailyWarning(providerId, day) {
        claims.delete(JSON.stringify([providerId, day]));
      },
    },
    totp: {
      async get(providerId, userId) {
        const s = totp.get(totpKey(providerId, userId));
        return s && copy(s);
      },
      async list(providerId) {
        return [...totp.values()].filter((s) => s.providerId === providerId).map(copy);
      },
      async put(state, expectedVersion) {
        const key = totpKey(state.providerId, state.userId);
        const current = totp.get(key);
        if (expectedVersion === undefined ? current !== undefined : current?.version !== expectedVersion) {
          throw conflict(`TOTP state of ${state.userId}`);
        }
        totp.set(key, copy(state));
      },
      async advanceStep(providerId, userId, step) {
        const key = totpKey(providerId, userId);
        const current = totp.get(key);
        if (!current || current.lastStep >= step) return false;
        totp.set(key, { ...current, lastStep: step, failures: 0, version: current.version + 1 });
        return true;
      },
      async delete(providerId, userId) {
        return totp.delete(totpKey(providerId, userId));
      },
    },
    challenges: {
      async get(userId) {
        const s = challenges.get(userId);
        return s && copy(s);
      },
      async put(state, expectedVersion) {
        if (expectedVersion !== undefined && challenges.get(state.userId)?.version !== expectedVersion) {
          throw conflict(`challenge of ${state.userId}`);
        }
        challenges.set(state.userId, copy(state));
      },
      async delete(userId, expectedVersion) {
        const current = challenges.get(userId);
        if (!current || (expectedVersion !== undefined && current.version !== expectedVersion)) return false;
        return challenges.delete(userId);
      },
    },
  };
}
