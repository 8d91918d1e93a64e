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
const after = (iso: string | undefined, now: string): boolean => iso !== undefined && Date.parse(iso) > Date.parse(now);

/**
 * The in-memory storage adapter: the embedded default and the reference implementation of
 * {@link TransportStorage}. It passes the conformance suite of `transportkit/testing`. Its data
 * lives in this process only. No operation awaits between reading and writing, so each one is
 * atomic within the process; that is what makes the contract's invariants hold here.
 */
export function memoryStorage(options: MemoryStorageOptions = {}): TransportStorage {
  const maxEvents = options.maxEvents ?? 10_000;
  const providers = new Map<string, ProviderRecord>();
  const usages = new Map<string, UsageRef[]>();
  const defaults = new Map<string, DefaultEntry>();
  let events: ProviderEvent[] = [];
  const balance = new Map<string, BalanceState>();
  const claims = new Set<string>();
  const totp = new Map<string, TotpUserState>();
  const challenges = new Map<string, ChallengeState>();
  const totpKey = (providerId: string, userId: string) => JSON.stringify([providerId, userId]);
  const defaultKey = (channel: string, tenant: string | null) => JSON.stringify([channel, tenant]);
  const defaultsOf = (providerId: string) => [...defaults.values()].filter((d) => d.providerId === providerId);

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
      async remove(id, { force }) {
        const record = providers.get(id);
        if (!record) return { status: 'not-found' };
        const used = usages.get(id) ?? [];
        const named = defaultsOf(id);
        if (!force && (used.length > 0 || named.length > 0)) return { status: 'in-use', usages: copy(used), defaults: copy(named) };
        providers.delete(id);
        usages.delete(id);
        for (const d of named) defaults.delete(defaultKey(d.channel, d.tenant));
        return { status: 'removed', record: copy(record), usages: copy(used), defaults: copy(named) };
      },
    },
    usages: {
      async add(providerId, usage) {
        if (!providers.has(providerId)) return false;
        const list = usages.get(providerId) ?? [];
        const i = list.findIndex((u) => u.kind === usage.kind && u.id === usage.id);
        if (i >= 0) list[i] = copy(usage);
        else list.push(copy(usage));
        usages.set(providerId, list);
        return true;
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
    },
    defaults: {
      async get(channel, tenant) {
        return defaults.get(defaultKey(channel, tenant))?.providerId;
      },
      async set(channel, tenant, providerId) {
        if (providers.get(providerId)?.channel !== channel) return false;
        defaults.set(defaultKey(channel, tenant), { channel, tenant, providerId });
        return true;
      },
      async clear(channel, tenant) {
        const key = defaultKey(channel, tenant);
        const previous = defaults.get(key)?.providerId;
        defaults.delete(key);
        return previous;
      },
      async list(filter = {}) {
        return (filter.providerId === undefined ? [...defaults.values()] : defaultsOf(filter.providerId)).map(copy);
      },
    },
    events: {
      async appendMany(batch) {
        for (const event of batch) events.push(copy(event));
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
        // A stable sort keeps append order among events of the same time.
        found.sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
        return (query.limit === undefined ? found : found.slice(Math.max(0, found.length - query.limit))).map(copy);
      },
      async prune({ before }) {
        const limit = Date.parse(before);
        const kept = events.filter((e) => Date.parse(e.time) >= limit);
        const pruned = events.length - kept.length;
        events = kept;
        return pruned;
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
      async admitAttempt(providerId, userId, rule) {
        const key = totpKey(providerId, userId);
        const current = totp.get(key);
        if (!current) return { status: 'not-enrolled' };
        if (current.lockedUntil !== undefined && after(current.lockedUntil, rule.now)) return { status: 'locked', lockedUntil: current.lockedUntil };
        const { lockedUntil: ended, ...rest } = current;
        const failures = ended === undefined ? current.failures : 0;
        if (failures >= rule.maxFailures) {
          totp.set(key, { ...rest, failures, lockedUntil: rule.lockUntil, version: current.version + 1 });
          return { status: 'locked', lockedUntil: rule.lockUntil };
        }
        const next: TotpUserState = {
          ...rest,
          failures: failures + 1,
          ...(failures + 1 >= rule.maxFailures ? { lockedUntil: rule.lockUntil } : {}),
          version: current.version + 1,
        };
        totp.set(key, next);
        return { status: 'admitted', state: copy(next) };
      },
      async advanceStep(providerId, userId, step, options = {}) {
        const key = totpKey(providerId, userId);
        const current = totp.get(key);
        if (!current || current.lastStep >= step) return false;
        const { lockedUntil: _dropped, ...rest } = current;
        totp.set(key, { ...rest, lastStep: step, failures: 0, confirmed: current.confirmed || options.confirm === true, version: current.version + 1 });
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
      async start(state, { now, throttle }) {
        const current = challenges.get(state.userId);
        if (throttle && current && after(current.expiresAt, now) && after(current.resendAt, now)) {
          return { status: 'throttled', current: copy(current) };
        }
        challenges.set(state.userId, copy(state));
        return { status: 'started' };
      },
      async admitAttempt(userId, challengeId, maxAttempts) {
        const current = challenges.get(userId);
        if (!current || current.id !== challengeId) return { status: 'gone' };
        if (current.attempts >= maxAttempts) return { status: 'locked', state: copy(current) };
        const next = { ...current, attempts: current.attempts + 1 };
        challenges.set(userId, next);
        return { status: 'admitted', state: copy(next) };
      },
      async delete(userId, challengeId) {
        const current = challenges.get(userId);
        if (!current || (challengeId !== undefined && current.id !== challengeId)) return false;
        return challenges.delete(userId);
      },
    },
  };
}
