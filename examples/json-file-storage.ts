/**
 * A complete storage adapter that keeps everything in one JSON file: an example of wiring your
 * own persistence to the storage contract (version 2) of transportkit.
 *
 * What it guarantees: every operation is atomic among all the processes on one machine that
 * use the same file on a local filesystem. Each write operation takes a lock file
 * (`<path>.lock`, created exclusively), reads the file, changes it, writes a temporary file and
 * renames it over the original, then removes the lock; within a process the operations also
 * queue, so they do not compete for the lock. Reads take no lock: a rename replaces the file
 * in one step, so a reader sees a whole old or a whole new file.
 *
 * What it does not: network filesystems (NFS, SMB) do not make exclusive creation and rename
 * reliable across machines, so do not share the file between machines. A lock file older than
 * `staleLockMs` is taken over (its process is presumed dead); an operation never holds the
 * lock for nearly that long. Writes are not fsync'ed: they survive a crash of the process, not
 * a power loss. Every operation rewrites the whole file, so it suits a demo or a handful of
 * providers, not production volume; a database adapter gets the same guarantees from
 * transactions or conditional updates.
 *
 * It passes the conformance kit of `transportkit/testing`, in one process and from several
 * processes on one file (test/storage/json-file-storage.test.ts). Run the demo part:
 *   npx tsx examples/json-file-storage.ts /tmp/transportkit.json
 */
import { randomUUID } from 'node:crypto';
import { link, open, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import {
  createRegistry,
  generateSecretKey,
  TransportError,
  type BalanceState,
  type ChallengeSend,
  type ChallengeState,
  type DefaultEntry,
  type DeliveryStatus,
  type ProviderEvent,
  type ProviderRecord,
  type RecoveryCodeSet,
  type TotpUserState,
  type TransportStorage,
  type UsageRef,
} from 'transportkit';

/** Options of {@link jsonFileStorage}. */
export interface JsonFileStorageOptions {
  /** How long an operation waits for the lock before it throws, in milliseconds (default 10,000). */
  readonly lockTimeoutMs?: number;
  /**
   * Age in milliseconds after which a lock file is taken over, its process presumed dead
   * (default 30,000). Must stay far above the time one operation takes (milliseconds).
   */
  readonly staleLockMs?: number;
}

interface Data {
  providers: ProviderRecord[];
  usages: Record<string, UsageRef[]>;
  defaults: DefaultEntry[];
  events: ProviderEvent[];
  balance: Record<string, BalanceState>;
  claims: string[];
  totp: TotpUserState[];
  challenges: Record<string, ChallengeState>;
  challengeSends: Record<string, ChallengeSend[]>;
  recoveryCodes: Record<string, RecoveryCodeSet>;
  idempotency: Record<string, { fingerprint: string; expiresAt: string; result?: { value: unknown } }>;
  deliveries: Record<string, DeliveryStatus>;
}

const empty = (): Data => ({
  providers: [],
  usages: {},
  defaults: [],
  events: [],
  balance: {},
  claims: [],
  totp: [],
  challenges: {},
  challengeSends: {},
  recoveryCodes: {},
  idempotency: {},
  deliveries: {},
});
const clone = <T>(value: T): T => structuredClone(value);
const missing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';
const after = (iso: string | undefined, now: string) => iso !== undefined && Date.parse(iso) > Date.parse(now);
const conflict = (what: string) => new TransportError('CONFLICT', `${what} changed concurrently (stale version)`);

/** Removes the lock file if it still holds `token`; puts another holder's lock back. */
async function removeLockIf(lockPath: string, token: string): Promise<void> {
  const aside = `${lockPath}.${randomUUID()}.old`;
  try {
    await rename(lockPath, aside);
  } catch (error) {
    if (missing(error)) return;
    throw error;
  }
  if ((await readFile(aside, 'utf8')) !== token) await link(aside, lockPath).catch(() => undefined);
  await unlink(aside);
}

/** Takes over a lock file older than `staleMs`: its holder is presumed dead. */
async function breakIfStale(lockPath: string, staleMs: number): Promise<void> {
  let token: string;
  try {
    if (Date.now() - (await stat(lockPath)).mtimeMs <= staleMs) return;
    token = await readFile(lockPath, 'utf8');
  } catch (error) {
    if (missing(error)) return;
    throw error;
  }
  await removeLockIf(lockPath, token);
}

/** Creates `lockPath` exclusively, retrying with a small random backoff; returns its token. */
async function acquire(lockPath: string, timeoutMs: number, staleMs: number): Promise<string> {
  const token = `${process.pid} ${randomUUID()}`;
  const deadline = Date.now() + timeoutMs;
  for (let backoff = 1; ; backoff = Math.min(backoff * 2, 20)) {
    try {
      const handle = await open(lockPath, 'wx');
      await handle.writeFile(token).finally(() => handle.close());
      return token;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    await breakIfStale(lockPath, staleMs);
    if (Date.now() > deadline) throw new Error(`${lockPath}: lock not acquired within ${timeoutMs} ms`);
    await sleep(backoff * (0.5 + Math.random()));
  }
}

/** A JSON-file storage adapter, safe for several processes on one machine (see the header). */
export function jsonFileStorage(path: string, options: JsonFileStorageOptions = {}): TransportStorage {
  const { lockTimeoutMs = 10_000, staleLockMs = 30_000 } = options;
  let queue: Promise<unknown> = Promise.resolve();

  async function load(): Promise<{ data: Data; text: string }> {
    try {
      const text = await readFile(path, 'utf8');
      return { data: { ...empty(), ...(JSON.parse(text) as Partial<Data>) }, text };
    } catch (error) {
      if (missing(error)) return { data: empty(), text: '' };
      throw error;
    }
  }

  /** Reads a consistent snapshot; the values returned are parsed afresh, so they are copies. */
  const read = async <T>(fn: (data: Data) => T): Promise<T> => fn((await load()).data);

  /** One atomic operation: queue, lock, read, change, write a temporary file and rename it, unlock. */
  function write<T>(fn: (data: Data) => T): Promise<T> {
    const run = queue.then(async () => {
      const token = await acquire(`${path}.lock`, lockTimeoutMs, staleLockMs);
      try {
        const { data, text } = await load();
        const result = fn(data);
        const changed = JSON.stringify(data);
        if (changed !== text) {
          const temporary = `${path}.${randomUUID()}.tmp`;
          await writeFile(temporary, changed);
          await rename(temporary, path);
        }
        return result;
      } finally {
        await removeLockIf(`${path}.lock`, token);
      }
    });
    queue = run.catch(() => undefined);
    return run;
  }

  const defaultsOf = (d: Data, providerId: string) => d.defaults.filter((e) => e.providerId === providerId);
  const totpIndex = (d: Data, providerId: string, userId: string) => d.totp.findIndex((s) => s.providerId === providerId && s.userId === userId);
  const claimKey = (providerId: string, day: string) => JSON.stringify([providerId, day]);

  return {
    close: () => queue.then(() => undefined),
    providers: {
      get: (id) => read((d) => d.providers.find((p) => p.id === id)),
      list: () => read((d) => d.providers),
      insert(record) {
        const input = clone(record);
        return write((d) => {
          if (d.providers.some((p) => p.id === input.id)) throw new TransportError('CONFLICT', `provider ${input.id} exists already`);
          d.providers.push(input);
        });
      },
      update(record, expectedVersion) {
        const input = clone(record);
        return write((d) => {
          const i = d.providers.findIndex((p) => p.id === input.id);
          if (i < 0) throw new TransportError('NOT_FOUND', `provider ${input.id} does not exist`);
          if (d.providers[i]!.version !== expectedVersion) throw conflict(`provider ${input.id}`);
          d.providers[i] = { ...input, version: expectedVersion + 1 };
        });
      },
      remove: (id, { force }) =>
        write((d) => {
          const record = d.providers.find((p) => p.id === id);
          if (!record) return { status: 'not-found' as const };
          const usages = d.usages[id] ?? [];
          const defaults = defaultsOf(d, id);
          if (!force && (usages.length > 0 || defaults.length > 0)) return { status: 'in-use' as const, usages, defaults };
          d.providers = d.providers.filter((p) => p.id !== id);
          delete d.usages[id];
          d.defaults = d.defaults.filter((e) => e.providerId !== id);
          return { status: 'removed' as const, record, usages, defaults };
        }),
    },
    usages: {
      add(providerId, usage) {
        const input = clone(usage);
        return write((d) => {
          if (!d.providers.some((p) => p.id === providerId)) return false;
          const list = (d.usages[providerId] ??= []);
          const i = list.findIndex((u) => u.kind === input.kind && u.id === input.id);
          if (i >= 0) list[i] = input;
          else list.push(input);
          return true;
        });
      },
      remove: (providerId, kind, id) =>
        write((d) => {
          const list = d.usages[providerId] ?? [];
          const i = list.findIndex((u) => u.kind === kind && u.id === id);
          if (i >= 0) list.splice(i, 1);
          return i >= 0;
        }),
      list: (providerId) => read((d) => d.usages[providerId] ?? []),
    },
    defaults: {
      get: (channel, tenant) => read((d) => d.defaults.find((e) => e.channel === channel && e.tenant === tenant)?.providerId),
      set: (channel, tenant, providerId) =>
        write((d) => {
          if (d.providers.find((p) => p.id === providerId)?.channel !== channel) return false;
          d.defaults = [...d.defaults.filter((e) => !(e.channel === channel && e.tenant === tenant)), { channel, tenant, providerId }];
          return true;
        }),
      clear: (channel, tenant) =>
        write((d) => {
          const previous = d.defaults.find((e) => e.channel === channel && e.tenant === tenant)?.providerId;
          d.defaults = d.defaults.filter((e) => !(e.channel === channel && e.tenant === tenant));
          return previous;
        }),
      list: (filter = {}) => read((d) => (filter.providerId === undefined ? d.defaults : defaultsOf(d, filter.providerId))),
    },
    events: {
      appendMany(events) {
        const input = clone(events);
        if (input.length === 0) return Promise.resolve();
        return write((d) => {
          d.events.push(...input);
        });
      },
      list: (query = {}) =>
        read((d) => {
          const found = d.events
            .filter(
              (e) =>
                (query.providerId === undefined || e.providerId === query.providerId) &&
                (query.types === undefined || query.types.includes(e.type)) &&
                (query.since === undefined || Date.parse(e.time) >= Date.parse(query.since)),
            )
            .sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
          return query.limit === undefined ? found : found.slice(Math.max(0, found.length - query.limit));
        }),
      prune: ({ before }) =>
        write((d) => {
          const kept = d.events.filter((e) => Date.parse(e.time) >= Date.parse(before));
          const pruned = d.events.length - kept.length;
          d.events = kept;
          return pruned;
        }),
    },
    balance: {
      get: (providerId) => read((d) => d.balance[providerId]),
      put(state) {
        const input = clone(state);
        return write((d) => {
          d.balance[input.providerId] = input;
        });
      },
      claimDailyWarning: (providerId, day) =>
        write((d) => {
          if (d.claims.includes(claimKey(providerId, day))) return false;
          d.claims.push(claimKey(providerId, day));
          return true;
        }),
      releaseDailyWarning: (providerId, day) =>
        write((d) => {
          d.claims = d.claims.filter((k) => k !== claimKey(providerId, day));
        }),
    },
    totp: {
      get: (providerId, userId) => read((d) => d.totp[totpIndex(d, providerId, userId)]),
      list: (providerId) => read((d) => d.totp.filter((s) => s.providerId === providerId)),
      put(state, expectedVersion) {
        const input = clone(state);
        return write((d) => {
          const i = totpIndex(d, input.providerId, input.userId);
          if (expectedVersion === undefined ? i >= 0 : d.totp[i]?.version !== expectedVersion) throw conflict(`TOTP state of ${input.userId}`);
          if (i >= 0) d.totp[i] = input;
          else d.totp.push(input);
        });
      },
      admitAttempt: (providerId, userId, rule) =>
        write((d) => {
          const i = totpIndex(d, providerId, userId);
          const current = d.totp[i];
          if (!current) return { status: 'not-enrolled' as const };
          if (after(current.lockedUntil, rule.now)) return { status: 'locked' as const, lockedUntil: current.lockedUntil! };
          const { lockedUntil: ended, ...rest } = current;
          const failures = ended === undefined ? current.failures : 0;
          if (failures >= rule.maxFailures) {
            d.totp[i] = { ...rest, failures, lockedUntil: rule.lockUntil, version: current.version + 1 };
            return { status: 'locked' as const, lockedUntil: rule.lockUntil };
          }
          const locks = failures + 1 >= rule.maxFailures ? { lockedUntil: rule.lockUntil } : {};
          const next: TotpUserState = { ...rest, failures: failures + 1, ...locks, version: current.version + 1 };
          d.totp[i] = next;
          return { status: 'admitted' as const, state: next };
        }),
      advanceStep: (providerId, userId, step, options = {}) =>
        write((d) => {
          const i = totpIndex(d, providerId, userId);
          const current = d.totp[i];
          if (!current || current.lastStep >= step) return false;
          const { lockedUntil: _dropped, ...rest } = current;
          d.totp[i] = { ...rest, lastStep: step, failures: 0, confirmed: current.confirmed || options.confirm === true, version: current.version + 1 };
          return true;
        }),
      delete: (providerId, userId) =>
        write((d) => {
          const before = d.totp.length;
          d.totp = d.totp.filter((s) => !(s.providerId === providerId && s.userId === userId));
          return d.totp.length < before;
        }),
    },
    challenges: {
      get: (userId) => read((d) => d.challenges[userId]),
      start(state, { now, throttle }) {
        const input = clone(state);
        return write((d) => {
          if (throttle) {
            const sends = (d.challengeSends ??= {})[input.userId] ?? [];
            const blocking = sends.find((s) => s.key === throttle.key && after(s.resendAt, now));
            if (blocking) return { status: 'throttled' as const, current: blocking };
            const counted = sends.filter((s) => after(s.sentAt, throttle.since));
            if (counted.length >= throttle.maxSends) {
              const oldest = counted.map((s) => s.sentAt).sort((a, b) => Date.parse(a) - Date.parse(b))[0]!;
              return { status: 'capped' as const, sends: counted.length, oldest };
            }
            const kept = sends.filter((s) => after(s.resendAt, now) || after(s.sentAt, throttle.since));
            d.challengeSends[input.userId] = [...kept, { challengeId: input.id, key: throttle.key, sentAt: input.sentAt, resendAt: input.resendAt }];
          }
          d.challenges[input.userId] = input;
          return { status: 'started' as const };
        });
      },
      admitAttempt: (userId, challengeId, maxAttempts) =>
        write((d) => {
          const current = d.challenges[userId];
          if (!current || current.id !== challengeId) return { status: 'gone' as const };
          if (current.attempts >= maxAttempts) return { status: 'locked' as const, state: current };
          const next = { ...current, attempts: current.attempts + 1 };
          d.challenges[userId] = next;
          return { status: 'admitted' as const, state: next };
        }),
      delete: (userId, challengeId, options = {}) =>
        write((d) => {
          if (options.release && challengeId !== undefined) {
            const sends = (d.challengeSends ??= {})[userId] ?? [];
            d.challengeSends[userId] = sends.filter((s) => s.challengeId !== challengeId);
          }
          const current = d.challenges[userId];
          if (!current || (challengeId !== undefined && current.id !== challengeId)) return false;
          delete d.challenges[userId];
          return true;
        }),
      markDelivered: (userId, challengeId, providerId) =>
        write((d) => {
          const current = d.challenges[userId];
          if (!current || current.id !== challengeId) return false;
          d.challenges[userId] = { ...current, deliveredBy: providerId };
          return true;
        }),
    },
    recoveryCodes: {
      get: (userId) => read((d) => d.recoveryCodes?.[userId]),
      put(set) {
        const input = clone(set);
        return write((d) => {
          (d.recoveryCodes ??= {})[input.userId] = input;
        });
      },
      admitAttempt: (userId, rule) =>
        write((d) => {
          const current = (d.recoveryCodes ??= {})[userId];
          if (!current || current.codes.length === 0) return { status: 'none' as const };
          if (after(current.lockedUntil, rule.now)) return { status: 'locked' as const, lockedUntil: current.lockedUntil! };
          const { lockedUntil: ended, ...rest } = current;
          const failures = ended === undefined ? current.failures : 0;
          if (failures >= rule.maxFailures) {
            d.recoveryCodes[userId] = { ...rest, failures, lockedUntil: rule.lockUntil };
            return { status: 'locked' as const, lockedUntil: rule.lockUntil };
          }
          const next: RecoveryCodeSet = { ...rest, failures: failures + 1, ...(failures + 1 >= rule.maxFailures ? { lockedUntil: rule.lockUntil } : {}) };
          d.recoveryCodes[userId] = next;
          return { status: 'admitted' as const, set: next };
        }),
      consume: (userId, codeId) =>
        write((d) => {
          const current = (d.recoveryCodes ??= {})[userId];
          if (!current || !current.codes.some((c) => c.id === codeId)) return false;
          const { lockedUntil: _dropped, ...rest } = current;
          d.recoveryCodes[userId] = { ...rest, codes: current.codes.filter((c) => c.id !== codeId), failures: 0 };
          return true;
        }),
      delete: (userId) =>
        write((d) => {
          if (!d.recoveryCodes?.[userId]) return false;
          delete d.recoveryCodes[userId];
          return true;
        }),
    },
    idempotency: {
      claim: (key, { fingerprint, now, expiresAt }) =>
        write((d) => {
          const current = d.idempotency[key];
          if (!current || !after(current.expiresAt, now)) {
            d.idempotency[key] = { fingerprint, expiresAt };
            return { status: 'claimed' as const };
          }
          if (current.fingerprint !== fingerprint) return { status: 'mismatch' as const };
          return current.result ? { status: 'completed' as const, result: current.result.value } : { status: 'in-progress' as const };
        }),
      complete: (key, result) =>
        write((d) => {
          const current = d.idempotency[key];
          if (current) current.result = { value: clone(result) };
        }),
      release: (key) =>
        write((d) => {
          delete d.idempotency[key];
        }),
    },
    deliveries: {
      advance(status) {
        const input = clone(status);
        return write((d) => {
          const current = d.deliveries[input.messageId];
          if (current && RANK[current.state] >= RANK[input.state]) return false;
          d.deliveries[input.messageId] = input;
          return true;
        });
      },
      get: (messageId) => read((d) => d.deliveries[messageId]),
    },
  };
}

/** Delivery statuses only move forward (the contract's order). */
const RANK: Record<DeliveryStatus['state'], number> = { accepted: 0, delivered: 1, failed: 1, expired: 1, read: 2 };

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  // Without a path the data goes to a fresh temporary directory, never into the working directory.
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const file = process.argv[2] ?? `${mkdtempSync(`${tmpdir()}/transportkit-json-`)}/transportkit-data.json`;
  const storage = jsonFileStorage(file);
  const registry = createRegistry({
    storage,
    secretKeys: { keys: { k1: process.env.TK_KEY ?? generateSecretKey() }, current: 'k1' },
  });
  const p = await registry.create({ type: 'memory', name: 'Stored in a file', config: { channel: 'email' }, secrets: { password: 'pw' } });
  await registry.send(p.id, { to: 'someone@example.org', subject: 'Hi', text: 'Stored in JSON.' });
  const counts = { file, providers: (await registry.list()).length, events: (await registry.events()).length };
  await registry.close();
  await storage.close?.();
  console.log(JSON.stringify(counts));
}
