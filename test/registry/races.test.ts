import { describe, expect, it } from 'vitest';
import {
  createRegistry,
  generateSecretKey,
  isTransportError,
  memoryStorage,
  memoryTransport,
  type ProviderRegistry,
  type TransportStorage,
} from '../../src/index.js';

const CALLERS = 60;
const ROUNDS = 5;
const keys = { keys: { k1: generateSecretKey() }, current: 'k1' };

/** A random pause of 0-2 ms, so each round interleaves the callers differently. */
const jitter = () => new Promise<void>((resolve) => setTimeout(resolve, Math.random() * 2));

/** Two app instances (registries) on one shared store. */
function instances(storage: TransportStorage = memoryStorage()): { storage: TransportStorage; a: ProviderRegistry; b: ProviderRegistry } {
  const types = [memoryTransport()];
  return { storage, a: createRegistry({ storage, types, secretKeys: keys }), b: createRegistry({ storage, types, secretKeys: keys }) };
}

/** Runs the calls concurrently; every failure must be a coded TransportError. */
async function race<T>(calls: (() => Promise<T>)[]): Promise<PromiseSettledResult<T>[]> {
  const results = await Promise.allSettled(calls.map(async (call) => (await jitter(), call())));
  for (const r of results) if (r.status === 'rejected') expect(isTransportError(r.reason), String(r.reason)).toBe(true);
  return results;
}

/** Every default and usage in the store refers to an existing provider. */
async function expectNoDangling(storage: TransportStorage, ids: readonly string[]): Promise<void> {
  const existing = new Set((await storage.providers.list()).map((p) => p.id));
  for (const d of await storage.defaults.list()) expect(existing.has(d.providerId), `default ${d.channel}/${d.tenant} -> ${d.providerId}`).toBe(true);
  for (const id of ids) if (!existing.has(id)) expect(await storage.usages.list(id)).toEqual([]);
}

describe('registry invariants under concurrency (two instances on one store)', () => {
  it('parallel setDefault for one tenant leaves one default, shown only on that provider', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const { storage, a, b } = instances();
      const ids = await Promise.all(Array.from({ length: CALLERS }, (_, i) => a.create({ type: 'memory', id: `p${i}`, config: { channel: 'email' } }).then((p) => p.id)));
      await race(ids.map((id, i) => () => (i % 2 ? a : b).setDefault(id, { tenant: 'acme' })));
      const entries = (await storage.defaults.list()).filter((d) => d.tenant === 'acme');
      expect(entries).toHaveLength(1);
      const winner = entries[0]!.providerId;
      expect(await a.defaultFor({ channel: 'email', tenant: 'acme' })).toBe(winner);
      for (const id of ids) {
        const shown = (await b.usages(id)).filter((u) => u.kind === 'tenant-default');
        expect(shown).toHaveLength(id === winner ? 1 : 0);
      }
      // The others are used by nothing, so they can be removed without force.
      await Promise.all(ids.filter((id) => id !== winner).map((id) => a.remove(id)));
      expect((await a.list()).map((p) => p.id)).toEqual([winner]);
    }
  });

  it('remove racing addUsage and setDefault never deletes a used provider nor leaves a dangling reference', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const { storage, a, b } = instances();
      await a.create({ type: 'memory', id: 'target', config: { channel: 'sms' } });
      const calls = Array.from({ length: CALLERS }, (_, i) => {
        const r = i % 2 ? a : b;
        if (i % 3 === 0) return () => r.remove('target').then(() => 'removed' as const);
        if (i % 3 === 1) return () => r.addUsage('target', { kind: 'form', id: `f${i}` }).then(() => 'used' as const);
        return () => r.setDefault('target', { tenant: `t${i}` }).then(() => 'default' as const);
      });
      const results = await race(calls);
      const outcomes = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      const removed = outcomes.includes('removed');
      if (removed) {
        // Something was registered and then the removal went through without force: impossible.
        expect(outcomes.filter((o) => o !== 'removed')).toEqual([]);
        expect(await storage.providers.get('target')).toBeUndefined();
      }
      for (const r of results) {
        if (r.status === 'rejected') expect(['PROVIDER_IN_USE', 'NOT_FOUND']).toContain((r.reason as { code: string }).code);
      }
      await expectNoDangling(storage, ['target']);
    }
  });

  it('forced removal racing addUsage and setDefault leaves no reference to a missing provider', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const { storage, a, b } = instances();
      await a.create({ type: 'memory', id: 'target', config: { channel: 'sms' } });
      await a.setDefault('target');
      await race(
        Array.from({ length: CALLERS }, (_, i) => {
          const r = i % 2 ? a : b;
          if (i === CALLERS / 2) return () => r.remove('target', { force: true });
          return i % 3 ? () => r.addUsage('target', { kind: 'form', id: `f${i}` }) : () => r.setDefault('target', { tenant: `t${i}` });
        }),
      );
      expect(await storage.providers.get('target')).toBeUndefined();
      await expectNoDangling(storage, ['target']);
      await expect(a.resolveFor({ channel: 'sms' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    }
  });

  it('concurrent updates without an expected version all apply; with one exactly one wins', async () => {
    const { a, b } = instances();
    await a.create({ type: 'memory', id: 'p', config: { channel: 'email' } });
    await race(Array.from({ length: CALLERS }, (_, i) => () => (i % 2 ? a : b).update('p', { name: `name ${i}` })));
    expect((await a.get('p')).version).toBe(CALLERS + 1);
    const results = await race(Array.from({ length: CALLERS }, (_, i) => () => (i % 2 ? a : b).update('p', { name: `v ${i}`, expectedVersion: CALLERS + 1 })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').every((r) => (r as PromiseRejectedResult).reason.code === 'CONFLICT')).toBe(true);
  });
});

describe('a failure inside an operation leaves the state as before', () => {
  /** Fails the `nth` storage call made after arming (0 = the first). */
  function failing(base: TransportStorage) {
    let countdown = -1;
    const wrap = <S extends object>(store: S): S =>
      Object.fromEntries(
        Object.entries(store).map(([name, fn]) => [
          name,
          (...args: unknown[]) => {
            if (countdown === 0) {
              countdown = -1;
              return Promise.reject(new Error('connection lost'));
            }
            if (countdown > 0) countdown -= 1;
            return (fn as (...a: unknown[]) => unknown).apply(store, args);
          },
        ]),
      ) as S;
    const storage: TransportStorage = {
      processLocal: true,
      providers: wrap(base.providers),
      usages: wrap(base.usages),
      defaults: wrap(base.defaults),
      events: base.events,
      balance: base.balance,
      totp: base.totp,
      challenges: base.challenges,
      idempotency: base.idempotency,
      deliveries: base.deliveries,
    };
    return { storage, arm: (nth: number) => void (countdown = nth) };
  }

  const snapshot = async (s: TransportStorage) =>
    JSON.stringify([await s.providers.list(), await s.defaults.list(), await s.usages.list('a'), await s.usages.list('b')]);

  const operations: [string, (r: ProviderRegistry) => Promise<unknown>][] = [
    ['remove with force', (r) => r.remove('a', { force: true })],
    ['setDefault', (r) => r.setDefault('b', { tenant: 'acme' })],
    ['clearDefault', (r) => r.clearDefault({ channel: 'email', tenant: 'acme' })],
    ['addUsage', (r) => r.addUsage('b', { kind: 'form', id: 'f2' })],
  ];

  for (const [name, operation] of operations) {
    it(name, async () => {
      for (let nth = 0; nth < 4; nth++) {
        const base = memoryStorage();
        const { storage, arm } = failing(base);
        const registry = createRegistry({ storage });
        await registry.create({ type: 'memory', id: 'a', config: { channel: 'email' } });
        await registry.create({ type: 'memory', id: 'b', config: { channel: 'email' } });
        await registry.addUsage('a', { kind: 'form', id: 'f1' });
        await registry.setDefault('a', { tenant: 'acme' });
        const before = await snapshot(base);
        arm(nth);
        const outcome = await operation(registry).then(
          () => 'ok',
          (e: unknown) => (e as { code: string }).code,
        );
        if (outcome !== 'ok') {
          expect(outcome).toBe('STORAGE_FAILED');
          expect(await snapshot(base)).toBe(before);
        }
        await expectNoDangling(base, ['a', 'b']);
        expect((await base.defaults.list()).filter((d) => d.tenant === 'acme').length).toBeLessThanOrEqual(1);
      }
    });
  }
});
