import { describe, expect, it } from 'vitest';
import { BalanceMonitor, type DeliveryProvider, type ProviderRegistry, type SendOptions } from '../../src/index.js';
import { ADMIN_PHONE, fixture, users } from './helpers.js';

/**
 * The fixture's registry, seen through a proxy that records the options each getBalance and each
 * send gets, and lets a test hold them until their signal aborts.
 */
function watched(registry: ProviderRegistry, hold: { balance?: boolean; send?: boolean } = {}) {
  const balanceOptions: (SendOptions | undefined)[] = [];
  const sendOptions: (SendOptions | undefined)[] = [];
  const untilAborted = (signal: AbortSignal | undefined) =>
    new Promise<never>((_, reject) => {
      if (!signal) return; // no signal: it would hang for ever (the monitor's deadline still ends the check)
      signal.addEventListener('abort', () => reject(new Error('aborted by its signal')), { once: true });
    });
  const proxy = new Proxy(registry, {
    get(target, key) {
      if (key === 'resolve') {
        return async (id: string) => {
          const provider = (await target.resolve(id)) as DeliveryProvider;
          const getBalance = provider.getBalance!.bind(provider);
          return Object.assign(Object.create(provider) as DeliveryProvider, {
            getBalance: (options?: SendOptions) => {
              balanceOptions.push(options);
              return hold.balance ? untilAborted(options?.signal) : getBalance(options);
            },
          });
        };
      }
      if (key === 'send') {
        return (id: string, message: never, options?: SendOptions) => {
          sendOptions.push(options);
          return hold.send ? untilAborted(options?.signal) : target.send(id, message, options);
        };
      }
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { registry: proxy, balanceOptions, sendOptions };
}

describe('BalanceMonitor pins', () => {
  it('refuses a NaN, infinite or non-numeric balance and a missing unit, storing none of it', async () => {
    for (const amount of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      const f = fixture();
      const id = await f.provider('SMS');
      const monitor = f.monitor();
      await monitor.configure(id, { threshold: 50, notifyUserId: 'admin' });
      f.memory.setBalance(id, 10);
      await monitor.check(id);
      const before = (await monitor.status(id)).lastBalance;
      expect(before).toStrictEqual({ amount: 10, unit: 'credits', checkedAt: '2025-06-01T08:00:00.000Z' });
      f.clock.advance(60_000);
      f.memory.setBalance(id, amount);
      const result = await monitor.check(id);
      expect(result).toMatchObject({ providerId: id, ok: false, error: { code: 'UNAVAILABLE', message: 'the provider returned no valid balance', providerId: id } });
      const status = await monitor.status(id);
      expect(status.lastBalance).toStrictEqual(before);
      expect(status.lastError).toStrictEqual({ code: 'UNAVAILABLE', message: 'the provider returned no valid balance', at: '2025-06-01T08:01:00.000Z' });
      expect(f.memory.outbox(id)).toHaveLength(1);
    }
  });

  it('refuses a balance without a numeric amount or a string unit', async () => {
    const f = fixture();
    const id = await f.provider('SMS');
    const shapes: unknown[] = [undefined, null, {}, { amount: '5', unit: 'credits' }, { amount: 5 }, { amount: 5, unit: 3 }];
    for (const shape of shapes) {
      const wrapped = new Proxy(f.registry, {
        get(target, key) {
          if (key === 'resolve') {
            return async (pid: string) => Object.assign(Object.create(await target.resolve(pid)) as DeliveryProvider, { getBalance: async () => shape });
          }
          const value = Reflect.get(target, key, target) as unknown;
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      });
      const result = await new BalanceMonitor({ registry: wrapped, users: users() }).check(id);
      expect(result).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE', message: 'the provider returned no valid balance' } });
    }
    expect((await f.monitor().status(id)).lastBalance).toBeUndefined();
  });

  it('passes a signal to getBalance that aborts with the caller’s signal', async () => {
    const f = fixture();
    const id = await f.provider('SMS');
    const w = watched(f.registry, { balance: true });
    const monitor = new BalanceMonitor({ registry: w.registry, users: users(), checkTimeoutMs: 600_000 });
    const controller = new AbortController();
    const pending = monitor.check(id, { signal: controller.signal });
    await new Promise((r) => setImmediate(r));
    expect(w.balanceOptions).toHaveLength(1);
    const signal = w.balanceOptions[0]?.signal;
    expect(signal).toBeInstanceOf(AbortSignal);
    expect(signal?.aborted).toBe(false);
    controller.abort();
    const result = await pending;
    expect(signal?.aborted).toBe(true);
    expect(result).toMatchObject({ ok: false, error: { code: 'ABORTED', message: `balance query of provider ${id} was aborted` } });
    // Merely aborted: no last error is stored.
    expect((await f.monitor().status(id)).lastError).toBeUndefined();
  });

  it('passes a signal to getBalance that aborts at the deadline', async () => {
    const f = fixture();
    const id = await f.provider('SMS');
    const w = watched(f.registry, { balance: true });
    const result = await new BalanceMonitor({ registry: w.registry, users: users(), checkTimeoutMs: 20 }).check(id);
    expect(result).toMatchObject({ ok: false, error: { code: 'TIMEOUT', message: `balance query of provider ${id} timed out after 20 ms` } });
    expect(w.balanceOptions[0]?.signal?.aborted).toBe(true);
    expect((await f.monitor().status(id)).lastError).toMatchObject({ code: 'TIMEOUT' });
  });

  it('passes a signal to the warning send that aborts at the deadline; a timed-out warning keeps the day’s claim', async () => {
    const f = fixture();
    const id = await f.provider('SMS');
    const w = watched(f.registry, { send: true });
    const monitor = new BalanceMonitor({ registry: w.registry, users: users(), checkTimeoutMs: 30 });
    await monitor.configure(id, { threshold: 50, notifyUserId: 'admin' });
    f.memory.setBalance(id, 10);
    const result = await monitor.check(id);
    expect(w.sendOptions).toHaveLength(1);
    expect(w.sendOptions[0]?.signal).toBeInstanceOf(AbortSignal);
    expect(w.sendOptions[0]?.signal?.aborted).toBe(true);
    expect(result).toMatchObject({ ok: true, below: true, warning: { status: 'failed', day: '2025-06-01', outcome: 'unknown', error: { code: 'TIMEOUT' } } });
    expect(await f.storage.balance.claimDailyWarning(id, '2025-06-01')).toBe(false);
  });

  it('passes the caller’s abort to the warning send', async () => {
    const f = fixture();
    const id = await f.provider('SMS');
    const w = watched(f.registry, { send: true });
    const controller = new AbortController();
    const directory = {
      getAddress: () => ADMIN_PHONE,
    };
    const monitor = new BalanceMonitor({ registry: w.registry, users: directory, checkTimeoutMs: 600_000 });
    await monitor.configure(id, { threshold: 50, notifyUserId: 'admin' });
    f.memory.setBalance(id, 10);
    const pending = monitor.check(id, { signal: controller.signal });
    while (w.sendOptions.length === 0) await new Promise((r) => setImmediate(r));
    expect(w.sendOptions[0]?.signal?.aborted).toBe(false);
    controller.abort();
    const result = await pending;
    expect(w.sendOptions[0]?.signal?.aborted).toBe(true);
    expect(result).toMatchObject({ ok: true, warning: { status: 'failed', error: { code: 'ABORTED' } } });
  });

  it('a warning refused before sending gives the day’s claim back', async () => {
    const f = fixture();
    const id = await f.provider('SMS');
    const monitor = f.monitor();
    await monitor.configure(id, { threshold: 50, notifyUserId: 'admin' });
    f.memory.setBalance(id, 10);
    f.memory.failNext('AUTH_FAILED', { providerId: id });
    const result = await monitor.check(id);
    expect(result).toMatchObject({ ok: true, warning: { status: 'failed', outcome: 'not-sent', error: { code: 'AUTH_FAILED' } } });
    const events = await f.registry.events({ providerId: id, types: ['balance.warning.failed'] });
    expect(events[0]?.fields).toMatchObject({ claimReleased: true, outcome: 'not-sent', code: 'AUTH_FAILED', userId: 'admin', day: '2025-06-01' });
    expect(await f.storage.balance.claimDailyWarning(id, '2025-06-01')).toBe(true);
  });

  it('records the checked balance with its threshold and whether it is below, as an event', async () => {
    const f = fixture();
    const id = await f.provider('SMS');
    const monitor = f.monitor();
    await monitor.configure(id, { threshold: 50 });
    f.memory.setBalance(id, 49);
    const result = await monitor.check(id);
    expect(result).toStrictEqual({
      providerId: id,
      ok: true,
      balance: { amount: 49, unit: 'credits', checkedAt: '2025-06-01T08:00:00.000Z' },
      threshold: 50,
      below: true,
      warning: { status: 'skipped', day: '2025-06-01', reason: 'no-user', detail: 'no user to notify is chosen' },
    });
    const [checked] = await f.registry.events({ providerId: id, types: ['balance.checked'] });
    expect(checked).toMatchObject({ severity: 'warn', message: 'balance 49 credits, below the warning threshold of 50', fields: { amount: 49, unit: 'credits', threshold: 50, below: true } });
    f.memory.setBalance(id, 50);
    await monitor.check(id);
    const all = await f.registry.events({ providerId: id, types: ['balance.checked'] });
    expect(all).toHaveLength(2);
    expect(all.find((e) => e.message !== checked?.message)).toMatchObject({ severity: 'info', message: 'balance 50 credits', fields: { below: false } });
  });
});
