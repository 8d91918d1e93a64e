import type { ProviderEvent } from '../core/events.js';
import type { ChallengeState, ProviderRecord, TotpUserState, TransportStorage } from '../storage/types.js';

/** The subset of a test runner's API the conformance suite needs (vitest, jest, node:test + assert wrappers). */
export interface ConformanceRunner {
  /** Groups tests. */
  describe(name: string, fn: () => void): void;
  /** Declares one test. */
  it(name: string, fn: () => Promise<void> | void): void;
  /** Jest/vitest-style `expect` (toBe, toEqual, toBeUndefined, toHaveLength, toContainEqual, toBeGreaterThan, toBeDefined). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  expect: (value: unknown) => any;
}

/** Makes a fresh, empty adapter for each test; may be async. Optionally disposes it afterwards. */
export type StorageFactory = () => TransportStorage | Promise<TransportStorage>;

const record = (id: string, over: Partial<ProviderRecord> = {}): ProviderRecord => ({
  id,
  type: 'memory',
  channel: 'email',
  name: `provider ${id}`,
  config: { channel: 'email', nested: { list: [1, 2] } },
  secrets: { password: 'tk1.k1.aaaa.bbbb' },
  eventLevel: 'all',
  version: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...over,
});

const event = (n: number, providerId = 'p1', type = 'send'): ProviderEvent => ({
  id: `e${n}`,
  time: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
  providerId,
  providerType: 'memory',
  severity: 'info',
  type,
  message: `event ${n}`,
  fields: { n },
});

const totpState = (over: Partial<TotpUserState> = {}): TotpUserState => ({
  providerId: 'totp1',
  userId: 'u1',
  sealedSecret: 'tk1.k1.x.y',
  confirmed: false,
  lastStep: -1,
  failures: 0,
  createdAt: '2026-01-01T00:00:00.000Z',
  version: 1,
  ...over,
});

const challenge = (over: Partial<ChallengeState> = {}): ChallengeState => ({
  userId: 'u1',
  providerId: 'p1',
  codeHash: 'hash',
  sentAt: '2026-01-01T00:00:00.000Z',
  expiresAt: '2026-01-01T00:05:00.000Z',
  attempts: 0,
  version: 1,
  ...over,
});

async function expectCode(expect: ConformanceRunner['expect'], promise: Promise<unknown>, code: string): Promise<void> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeDefined();
  expect((caught as { code?: string }).code).toBe(code);
}

/**
 * The storage conformance suite. Run it in your test file with your runner and a factory that
 * returns a fresh, empty adapter; it checks every contract of {@link TransportStorage},
 * including the atomic operations under concurrent calls.
 *
 * @example
 * ```ts
 * import { describe, it, expect } from 'vitest';
 * import { runStorageConformance } from 'transportkit/testing';
 * runStorageConformance({ describe, it, expect }, () => myPostgresStorage(freshSchema()));
 * ```
 */
export function runStorageConformance(runner: ConformanceRunner, factory: StorageFactory, name = 'storage adapter'): void {
  const { describe, it, expect } = runner;
  const withStorage = (fn: (s: TransportStorage) => Promise<void>) => async () => {
    const storage = await factory();
    try {
      await fn(storage);
    } finally {
      await storage.close?.();
    }
  };

  describe(`${name} conformance`, () => {
    describe('providers', () => {
      it('returns undefined for a missing record and an empty list at first', withStorage(async (s) => {
        expect(await s.providers.get('nope')).toBeUndefined();
        expect(await s.providers.list()).toEqual([]);
      }));
      it('stores and returns copies of records, in creation order', withStorage(async (s) => {
        const a = record('a');
        await s.providers.insert(a);
        await s.providers.insert(record('b'));
        (a.config as Record<string, unknown>).channel = 'changed';
        const got = await s.providers.get('a');
        expect(got).toEqual(record('a'));
        (got!.config as Record<string, unknown>).channel = 'mutated';
        expect((await s.providers.get('a'))!.config).toEqual(record('a').config);
        expect((await s.providers.list()).map((r) => r.id)).toEqual(['a', 'b']);
      }));
      it('refuses a second insert with the same id with CONFLICT', withStorage(async (s) => {
        await s.providers.insert(record('a'));
        await expectCode(expect, s.providers.insert(record('a')), 'CONFLICT');
      }));
      it('updates with the expected version and bumps it', withStorage(async (s) => {
        await s.providers.insert(record('a'));
        await s.providers.update(record('a', { name: 'renamed', version: 2 }), 1);
        const got = await s.providers.get('a');
        expect(got!.name).toBe('renamed');
        expect(got!.version).toBe(2);
      }));
      it('refuses a stale version with CONFLICT and a missing record with NOT_FOUND', withStorage(async (s) => {
        await s.providers.insert(record('a'));
        await s.providers.update(record('a', { version: 2 }), 1);
        await expectCode(expect, s.providers.update(record('a', { version: 2 }), 1), 'CONFLICT');
        await expectCode(expect, s.providers.update(record('zz', { version: 2 }), 1), 'NOT_FOUND');
      }));
      it('lets exactly one of many concurrent updates of one version win', withStorage(async (s) => {
        await s.providers.insert(record('a'));
        const results = await Promise.allSettled(
          Array.from({ length: 20 }, (_, i) => s.providers.update(record('a', { name: `n${i}`, version: 2 }), 1)),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        expect((await s.providers.get('a'))!.version).toBe(2);
      }));
      it('deletes and reports whether something was deleted', withStorage(async (s) => {
        await s.providers.insert(record('a'));
        expect(await s.providers.delete('a')).toBe(true);
        expect(await s.providers.delete('a')).toBe(false);
        expect(await s.providers.get('a')).toBeUndefined();
      }));
    });

    describe('usages', () => {
      it('adds, replaces by kind+id, lists in order and removes', withStorage(async (s) => {
        expect(await s.usages.list('p1')).toEqual([]);
        await s.usages.add('p1', { kind: 'form', id: 'f1', label: 'Form 1' });
        await s.usages.add('p1', { kind: 'form', id: 'f2' });
        await s.usages.add('p1', { kind: 'form', id: 'f1', label: 'Form 1 renamed' });
        await s.usages.add('p2', { kind: 'form', id: 'f1' });
        expect(await s.usages.list('p1')).toEqual([
          { kind: 'form', id: 'f1', label: 'Form 1 renamed' },
          { kind: 'form', id: 'f2' },
        ]);
        expect(await s.usages.remove('p1', 'form', 'f2')).toBe(true);
        expect(await s.usages.remove('p1', 'form', 'f2')).toBe(false);
        await s.usages.removeAll('p1');
        expect(await s.usages.list('p1')).toEqual([]);
        expect(await s.usages.list('p2')).toHaveLength(1);
      }));
    });

    describe('defaults', () => {
      it('keeps global and tenant defaults apart, without fallback', withStorage(async (s) => {
        expect(await s.defaults.get('email', null)).toBeUndefined();
        await s.defaults.set('email', null, 'g');
        await s.defaults.set('email', 't1', 'a');
        await s.defaults.set('sms', 't1', 'b');
        expect(await s.defaults.get('email', null)).toBe('g');
        expect(await s.defaults.get('email', 't1')).toBe('a');
        expect(await s.defaults.get('email', 't2')).toBeUndefined();
        expect(await s.defaults.get('sms', null)).toBeUndefined();
        await s.defaults.set('email', 't1', 'c');
        expect(await s.defaults.get('email', 't1')).toBe('c');
        await s.defaults.set('email', 't1', undefined);
        expect(await s.defaults.get('email', 't1')).toBeUndefined();
        const all = await s.defaults.list();
        expect(all).toHaveLength(2);
        expect(all).toContainEqual({ channel: 'email', tenant: null, providerId: 'g' });
      }));
    });

    describe('events', () => {
      it('appends and lists oldest first with filters and a limit of the newest', withStorage(async (s) => {
        for (let n = 1; n <= 5; n++) await s.events.append(event(n, n % 2 ? 'p1' : 'p2', n === 5 ? 'test' : 'send'));
        expect((await s.events.list()).map((e) => e.id)).toEqual(['e1', 'e2', 'e3', 'e4', 'e5']);
        expect((await s.events.list({ providerId: 'p1' })).map((e) => e.id)).toEqual(['e1', 'e3', 'e5']);
        expect((await s.events.list({ types: ['test'] })).map((e) => e.id)).toEqual(['e5']);
        expect((await s.events.list({ since: event(4).time })).map((e) => e.id)).toEqual(['e4', 'e5']);
        expect((await s.events.list({ limit: 2 })).map((e) => e.id)).toEqual(['e4', 'e5']);
        expect((await s.events.list())[0]).toEqual(event(1, 'p1'));
      }));
    });

    describe('balance', () => {
      it('stores state and returns undefined for a miss', withStorage(async (s) => {
        expect(await s.balance.get('p1')).toBeUndefined();
        const state = { providerId: 'p1', threshold: 10, notifyUserId: 'u1', lastBalance: { amount: 5.5, unit: 'credits', checkedAt: '2026-01-01T00:00:00.000Z' } };
        await s.balance.put(state);
        expect(await s.balance.get('p1')).toEqual(state);
        await s.balance.put({ ...state, threshold: 0 });
        expect((await s.balance.get('p1'))!.threshold).toBe(0);
      }));
      it('grants the daily claim once per provider and day, and again after release', withStorage(async (s) => {
        expect(await s.balance.claimDailyWarning('p1', '2026-01-01')).toBe(true);
        expect(await s.balance.claimDailyWarning('p1', '2026-01-01')).toBe(false);
        expect(await s.balance.claimDailyWarning('p1', '2026-01-02')).toBe(true);
        expect(await s.balance.claimDailyWarning('p2', '2026-01-01')).toBe(true);
        await s.balance.releaseDailyWarning('p1', '2026-01-01');
        expect(await s.balance.claimDailyWarning('p1', '2026-01-01')).toBe(true);
      }));
      it('lets exactly one of 50 simultaneous claims win', withStorage(async (s) => {
        const results = await Promise.all(Array.from({ length: 50 }, () => s.balance.claimDailyWarning('p1', '2026-03-29')));
        expect(results.filter(Boolean)).toHaveLength(1);
      }));
    });

    describe('totp', () => {
      it('creates only when absent and updates only with the expected version', withStorage(async (s) => {
        expect(await s.totp.get('totp1', 'u1')).toBeUndefined();
        await s.totp.put(totpState());
        await expectCode(expect, s.totp.put(totpState()), 'CONFLICT');
        await s.totp.put(totpState({ confirmed: true, version: 2 }), 1);
        await expectCode(expect, s.totp.put(totpState({ version: 3 }), 1), 'CONFLICT');
        expect(await s.totp.get('totp1', 'u1')).toEqual(totpState({ confirmed: true, version: 2 }));
        await s.totp.put(totpState({ userId: 'u2' }));
        await s.totp.put(totpState({ providerId: 'other' }));
        expect((await s.totp.list('totp1')).map((x) => x.userId).sort()).toEqual(['u1', 'u2']);
        expect(await s.totp.delete('totp1', 'u1')).toBe(true);
        expect(await s.totp.delete('totp1', 'u1')).toBe(false);
      }));
      it('advances the last step only forward, resets failures, and refuses replays', withStorage(async (s) => {
        await s.totp.put(totpState({ failures: 3 }));
        expect(await s.totp.advanceStep('totp1', 'u1', 100)).toBe(true);
        expect(await s.totp.advanceStep('totp1', 'u1', 100)).toBe(false);
        expect(await s.totp.advanceStep('totp1', 'u1', 99)).toBe(false);
        expect(await s.totp.advanceStep('totp1', 'nobody', 1)).toBe(false);
        const got = await s.totp.get('totp1', 'u1');
        expect(got!.lastStep).toBe(100);
        expect(got!.failures).toBe(0);
        expect(got!.version).toBeGreaterThan(1);
      }));
      it('lets exactly one of 50 concurrent advances to the same step win', withStorage(async (s) => {
        await s.totp.put(totpState());
        const results = await Promise.all(Array.from({ length: 50 }, () => s.totp.advanceStep('totp1', 'u1', 7)));
        expect(results.filter(Boolean)).toHaveLength(1);
      }));
    });

    describe('challenges', () => {
      it('replaces freely, updates with the expected version, deletes once', withStorage(async (s) => {
        expect(await s.challenges.get('u1')).toBeUndefined();
        await s.challenges.put(challenge());
        await s.challenges.put(challenge({ codeHash: 'other' }));
        expect((await s.challenges.get('u1'))!.codeHash).toBe('other');
        await s.challenges.put(challenge({ attempts: 1, version: 2 }), 1);
        await expectCode(expect, s.challenges.put(challenge({ attempts: 2, version: 3 }), 1), 'CONFLICT');
        expect(await s.challenges.delete('u1', 1)).toBe(false);
        expect(await s.challenges.delete('u1', 2)).toBe(true);
        expect(await s.challenges.delete('u1')).toBe(false);
      }));
      it('lets exactly one of 50 concurrent versioned deletes win', withStorage(async (s) => {
        await s.challenges.put(challenge());
        const results = await Promise.all(Array.from({ length: 50 }, () => s.challenges.delete('u1', 1)));
        expect(results.filter(Boolean)).toHaveLength(1);
      }));
    });
  });
}
