import { TransportError } from '../core/errors.js';
import type { ProviderEvent } from '../core/events.js';
import type {
  BalanceState,
  ChallengeSend,
  ChallengeState,
  DefaultEntry,
  EventQuery,
  ProviderRecord,
  RecoveryCodeSet,
  TotpUserState,
  TransportStorage,
  UsageRef,
} from './types.js';
import { admitChallengeAttempt, admitRecoveryAttempt, admitTotpAttempt, advanceTotpStep, consumeRecoveryCode, decideChallengeStart, deliveryAdvances, isAfter } from './rules.js';
import type { DeliveryStatus, StorageChange } from './types.js';

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
  const deliveries = new Map<string, DeliveryStatus>();
  const sends = new Map<string, ChallengeSend[]>();
  const recovery = new Map<string, RecoveryCodeSet>();
  const idempotency = new Map<string, { fingerprint: string; expiresAt: string; result?: { value: unknown } }>();
  const totpKey = (providerId: string, userId: string) => JSON.stringify([providerId, userId]);
  const defaultKey = (channel: string, tenant: string | null) => JSON.stringify([channel, tenant]);
  const defaultsOf = (providerId: string) => [...defaults.values()].filter((d) => d.providerId === providerId);
  const watchers = new Set<(change: StorageChange) => void>();
  const changed = (id: string) => {
    for (const watcher of watchers) watcher({ kind: 'provider', id });
  };

  return {
    processLocal: true,
    async watch(onChange) {
      watchers.add(onChange);
      return async () => void watchers.delete(onChange);
    },
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
        changed(record.id);
      },
      async update(record, expectedVersion) {
        const current = providers.get(record.id);
        if (!current) throw new TransportError('NOT_FOUND', `provider ${record.id} does not exist`);
        if (current.version !== expectedVersion) throw conflict(`provider ${record.id}`);
        providers.set(record.id, { ...copy(record), version: expectedVersion + 1 });
        changed(record.id);
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
        changed(id);
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
        let found = events.filter(
          (e) =>
            (query.providerId === undefined || e.providerId === query.providerId) &&
            (!types || types.has(e.type)) &&
            (since === undefined || Date.parse(e.time) >= since),
        );
        // Events are mostly appended in time order: sort (stable: append order among equal
        // times) only when they are not, and parse each time once.
        const times = found.map((e) => Date.parse(e.time));
        if (times.some((t, i) => i > 0 && t < times[i - 1]!)) {
          const order = found.map((_, i) => i).sort((a, b) => times[a]! - times[b]!);
          found = order.map((i) => found[i]!);
        }
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
        const { next, result } = admitTotpAttempt(totp.get(key), rule);
        if (next) totp.set(key, next);
        return copy(result);
      },
      async advanceStep(providerId, userId, step, options = {}) {
        const key = totpKey(providerId, userId);
        const next = advanceTotpStep(totp.get(key), step, options.confirm === true);
        if (next) totp.set(key, next);
        return next !== undefined;
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
        if (throttle) {
          const decision = decideChallengeStart(sends.get(state.userId) ?? [], state, now, throttle);
          if (!decision.sends) return copy(decision.result);
          sends.set(state.userId, copy(decision.sends));
        }
        challenges.set(state.userId, copy(state));
        return { status: 'started' };
      },
      async admitAttempt(userId, challengeId, maxAttempts) {
        const { next, result } = admitChallengeAttempt(challenges.get(userId), challengeId, maxAttempts);
        if (next) challenges.set(userId, next);
        return copy(result);
      },
      async delete(userId, challengeId, options = {}) {
        if (options.release && challengeId !== undefined) sends.set(userId, (sends.get(userId) ?? []).filter((s) => s.challengeId !== challengeId));
        const current = challenges.get(userId);
        if (!current || (challengeId !== undefined && current.id !== challengeId)) return false;
        return challenges.delete(userId);
      },
      async markDelivered(userId, challengeId, providerId) {
        const current = challenges.get(userId);
        if (!current || current.id !== challengeId) return false;
        challenges.set(userId, { ...current, deliveredBy: providerId });
        return true;
      },
    },
    recoveryCodes: {
      async get(userId) {
        const set = recovery.get(userId);
        return set && copy(set);
      },
      async put(set) {
        recovery.set(set.userId, copy(set));
      },
      async admitAttempt(userId, rule) {
        const { next, result } = admitRecoveryAttempt(recovery.get(userId), rule);
        if (next) recovery.set(userId, next);
        return copy(result);
      },
      async consume(userId, codeId) {
        const next = consumeRecoveryCode(recovery.get(userId), codeId);
        if (next) recovery.set(userId, next);
        return next !== undefined;
      },
      async delete(userId) {
        return recovery.delete(userId);
      },
    },
    idempotency: {
      async claim(key, { fingerprint, now, expiresAt }) {
        const current = idempotency.get(key);
        if (!current || !isAfter(current.expiresAt, now)) {
          idempotency.set(key, { fingerprint, expiresAt });
          return { status: 'claimed' };
        }
        if (current.fingerprint !== fingerprint) return { status: 'mismatch' };
        return current.result ? { status: 'completed', result: copy(current.result.value) } : { status: 'in-progress' };
      },
      async complete(key, result) {
        const current = idempotency.get(key);
        if (current) current.result = { value: copy(result) };
      },
      async release(key) {
        idempotency.delete(key);
      },
    },
    deliveries: {
      async advance(status) {
        if (!deliveryAdvances(deliveries.get(status.messageId)?.state, status.state)) return false;
        deliveries.set(status.messageId, copy(status));
        return true;
      },
      async get(messageId) {
        const status = deliveries.get(messageId);
        return status && copy(status);
      },
    },
  };
}
