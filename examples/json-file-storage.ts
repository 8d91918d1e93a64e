/**
 * A complete storage adapter that keeps everything in one JSON file: an example of wiring your
 * own persistence. Writes are serialised through a queue so read-modify-write operations (the
 * atomic claim, the TOTP compare-and-set, versioned updates) are atomic within this process;
 * a database adapter gets the same guarantee from transactions or conditional updates.
 *
 * It passes the conformance suite (see test/examples). Run the demo part:
 *   npx tsx examples/json-file-storage.ts /tmp/transportkit.json
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import {
  createRegistry,
  generateSecretKey,
  TransportError,
  type BalanceState,
  type ChallengeState,
  type DefaultEntry,
  type ProviderEvent,
  type ProviderRecord,
  type TotpUserState,
  type TransportStorage,
  type UsageRef,
} from 'transportkit';

interface Data {
  providers: ProviderRecord[];
  usages: Record<string, UsageRef[]>;
  defaults: DefaultEntry[];
  events: ProviderEvent[];
  balance: Record<string, BalanceState>;
  claims: string[];
  totp: TotpUserState[];
  challenges: Record<string, ChallengeState>;
}

const empty = (): Data => ({ providers: [], usages: {}, defaults: [], events: [], balance: {}, claims: [], totp: [], challenges: {} });

/** A JSON-file storage adapter. */
export function jsonFileStorage(path: string): TransportStorage {
  let queue: Promise<unknown> = Promise.resolve();

  async function load(): Promise<Data> {
    try {
      return { ...empty(), ...(JSON.parse(await readFile(path, 'utf8')) as Partial<Data>) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return empty();
      throw error;
    }
  }

  /** Runs one operation exclusively: load, change, write atomically (temp file + rename). */
  function exclusive<T>(fn: (data: Data) => T | Promise<T>, write = true): Promise<T> {
    const run = queue.then(async () => {
      const data = await load();
      const result = await fn(data);
      if (write) {
        await writeFile(`${path}.tmp`, JSON.stringify(data));
        await rename(`${path}.tmp`, path);
      }
      return result;
    });
    queue = run.catch(() => undefined);
    return run;
  }
  const read = <T>(fn: (data: Data) => T) => exclusive(fn, false);
  const conflict = (what: string) => new TransportError('CONFLICT', `${what} changed concurrently`);

  return {
    providers: {
      get: (id) => read((d) => d.providers.find((p) => p.id === id)),
      list: () => read((d) => d.providers),
      insert: (record) =>
        exclusive((d) => {
          if (d.providers.some((p) => p.id === record.id)) throw new TransportError('CONFLICT', `provider ${record.id} exists`);
          d.providers.push(record);
        }),
      update: (record, expectedVersion) =>
        exclusive((d) => {
          const i = d.providers.findIndex((p) => p.id === record.id);
          if (i < 0) throw new TransportError('NOT_FOUND', `provider ${record.id} does not exist`);
          if (d.providers[i]!.version !== expectedVersion) throw conflict(`provider ${record.id}`);
          d.providers[i] = { ...record, version: expectedVersion + 1 };
        }),
      delete: (id) =>
        exclusive((d) => {
          const before = d.providers.length;
          d.providers = d.providers.filter((p) => p.id !== id);
          return d.providers.length < before;
        }),
    },
    usages: {
      add: (providerId, usage) =>
        exclusive((d) => {
          const list = (d.usages[providerId] ??= []);
          const i = list.findIndex((u) => u.kind === usage.kind && u.id === usage.id);
          if (i >= 0) list[i] = usage;
          else list.push(usage);
        }),
      remove: (providerId, kind, id) =>
        exclusive((d) => {
          const list = d.usages[providerId] ?? [];
          const i = list.findIndex((u) => u.kind === kind && u.id === id);
          if (i >= 0) list.splice(i, 1);
          return i >= 0;
        }),
      list: (providerId) => read((d) => d.usages[providerId] ?? []),
      removeAll: (providerId) =>
        exclusive((d) => {
          delete d.usages[providerId];
        }),
    },
    defaults: {
      get: (channel, tenant) => read((d) => d.defaults.find((e) => e.channel === channel && e.tenant === tenant)?.providerId),
      set: (channel, tenant, providerId) =>
        exclusive((d) => {
          d.defaults = d.defaults.filter((e) => !(e.channel === channel && e.tenant === tenant));
          if (providerId !== undefined) d.defaults.push({ channel, tenant, providerId });
        }),
      list: () => read((d) => d.defaults),
    },
    events: {
      append: (event) =>
        exclusive((d) => {
          d.events.push(event);
        }),
      list: (query = {}) =>
        read((d) => {
          const found = d.events.filter(
            (e) =>
              (query.providerId === undefined || e.providerId === query.providerId) &&
              (query.types === undefined || query.types.includes(e.type)) &&
              (query.since === undefined || Date.parse(e.time) >= Date.parse(query.since)),
          );
          return query.limit === undefined ? found : found.slice(Math.max(0, found.length - query.limit));
        }),
    },
    balance: {
      get: (providerId) => read((d) => d.balance[providerId]),
      put: (state) =>
        exclusive((d) => {
          d.balance[state.providerId] = state;
        }),
      claimDailyWarning: (providerId, day) =>
        exclusive((d) => {
          const key = `${providerId}\u0000${day}`;
          if (d.claims.includes(key)) return false;
          d.claims.push(key);
          return true;
        }),
      releaseDailyWarning: (providerId, day) =>
        exclusive((d) => {
          d.claims = d.claims.filter((k) => k !== `${providerId}\u0000${day}`);
        }),
    },
    totp: {
      get: (providerId, userId) => read((d) => d.totp.find((s) => s.providerId === providerId && s.userId === userId)),
      list: (providerId) => read((d) => d.totp.filter((s) => s.providerId === providerId)),
      put: (state, expectedVersion) =>
        exclusive((d) => {
          const i = d.totp.findIndex((s) => s.providerId === state.providerId && s.userId === state.userId);
          if (expectedVersion === undefined ? i >= 0 : i < 0 || d.totp[i]!.version !== expectedVersion) throw conflict(`TOTP state of ${state.userId}`);
          if (i >= 0) d.totp[i] = state;
          else d.totp.push(state);
        }),
      advanceStep: (providerId, userId, step) =>
        exclusive((d) => {
          const s = d.totp.find((x) => x.providerId === providerId && x.userId === userId);
          if (!s || s.lastStep >= step) return false;
          Object.assign(s, { lastStep: step, failures: 0, version: s.version + 1 });
          return true;
        }),
      delete: (providerId, userId) =>
        exclusive((d) => {
          const before = d.totp.length;
          d.totp = d.totp.filter((s) => !(s.providerId === providerId && s.userId === userId));
          return d.totp.length < before;
        }),
    },
    challenges: {
      get: (userId) => read((d) => d.challenges[userId]),
      put: (state, expectedVersion) =>
        exclusive((d) => {
          if (expectedVersion !== undefined && d.challenges[state.userId]?.version !== expectedVersion) throw conflict(`challenge of ${state.userId}`);
          d.challenges[state.userId] = state;
        }),
      delete: (userId, expectedVersion) =>
        exclusive((d) => {
          const current = d.challenges[userId];
          if (!current || (expectedVersion !== undefined && current.version !== expectedVersion)) return false;
          delete d.challenges[userId];
          return true;
        }),
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const file = process.argv[2] ?? 'transportkit-data.json';
  const registry = createRegistry({
    storage: jsonFileStorage(file),
    secretKeys: { keys: { k1: process.env.TK_KEY ?? generateSecretKey() }, current: 'k1' },
  });
  const p = await registry.create({ type: 'memory', name: 'Stored in a file', config: { channel: 'email' }, secrets: { password: 'pw' } });
  await registry.send(p.id, { to: 'someone@example.org', subject: 'Hi', text: 'Stored in JSON.' });
  console.log(JSON.stringify({ file, providers: (await registry.list()).length, events: (await registry.events()).length }));
}
