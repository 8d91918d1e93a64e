import { describe, expect, it } from 'vitest';
import {
  BalanceMonitor,
  memoryStorage,
  memoryTransport,
  TransportError,
  type DeliveryProvider,
  type ProviderRegistry,
  type SendOptions,
} from '../../src/index.js';
import { rejected, thrown } from '../support/thrown.js';
import { recordingTracer, spanShapes } from '../support/tracer.js';
import { ADMIN_PHONE, fixture, manualClock, users } from './helpers.js';

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
    expect(result).toMatchObject({ ok: true, warning: { status: 'failed', outcome: 'unknown', error: { code: 'ABORTED', message: `low-balance warning of provider ${id} was aborted` } } });
    // It may have gone out: the claim is kept, the outcome recorded as unknown.
    const [failed] = await f.registry.events({ providerId: id, types: ['balance.warning.failed'] });
    expect(failed?.fields).toStrictEqual({ day: '2025-06-01', userId: 'admin', code: 'ABORTED', claimReleased: false, outcome: 'unknown' });
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

describe('BalanceMonitor pins: options, status and events', () => {
  const error = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      return e as { code: string; field: string; message: string };
    }
    throw new Error('expected an error');
  };

  it('refuses each option out of range, naming the field', () => {
    const f = fixture();
    const ok = { registry: f.registry, users: users() };
    expect(new BalanceMonitor({ ...ok, concurrency: 1, checkTimeoutMs: 1 }).warningTimeZone).toBe('UTC');
    expect(new BalanceMonitor({ ...ok, concurrency: 64, checkTimeoutMs: 600_000, timeZone: 'Europe/Zurich' }).warningTimeZone).toBe('Europe/Zurich');
    const cases: [Record<string, unknown>, string, string][] = [
      [{ concurrency: 0 }, 'concurrency', ''],
      [{ concurrency: 65 }, 'concurrency', ''],
      [{ checkTimeoutMs: 0 }, 'checkTimeoutMs', ''],
      [{ checkTimeoutMs: 600_001 }, 'checkTimeoutMs', ''],
      [{ locale: 'fr' }, 'locale', ''],
      [{ templates: { fr: () => ({ text: 'x' }) } }, 'templates', ''],
      [{ templates: { en: 'text' } }, 'templates.en', 'must be a function (input) => ({ subject, text })'],
      [{ clock: {} }, 'clock', 'must have now()'],
      [{ users: {} }, 'users', 'must have getAddress(userId, channel)'],
      [{ registry: {} }, 'registry', 'must be a ProviderRegistry'],
      [{ registry: { ...f.registry, get: f.registry.get, list: f.registry.list, resolve: f.registry.resolve, send: f.registry.send, recordEvent: f.registry.recordEvent, redact: f.registry.redact, storage: {} } }, 'registry', 'must be a ProviderRegistry'],
    ];
    for (const [options, field, message] of cases) {
      const e = error(() => new BalanceMonitor({ ...ok, ...options } as never));
      expect(e, field).toMatchObject({ code: 'CONFIG_INVALID', field });
      if (message) expect(e.message).toContain(`${field}: ${message}`);
    }
    for (const name of ['get', 'list', 'resolve', 'send', 'recordEvent', 'redact']) {
      const registry = new Proxy(f.registry, { get: (t, k) => (k === name ? undefined : Reflect.get(t, k, t)) });
      expect(error(() => new BalanceMonitor({ ...ok, registry })), name).toMatchObject({ field: 'registry' });
    }
    for (const name of ['get', 'put', 'claimDailyWarning', 'releaseDailyWarning']) {
      const storage = { ...f.registry.storage, balance: { ...f.registry.storage.balance, [name]: undefined } };
      const registry = new Proxy(f.registry, { get: (t, k) => (k === 'storage' ? storage : Reflect.get(t, k, t)) });
      expect(error(() => new BalanceMonitor({ ...ok, registry })), name).toMatchObject({ field: 'registry' });
    }
  });

  it('refuses bad arguments of configure, status, check, checkAll and start, naming the field', async () => {
    const f = fixture();
    const id = await f.provider('SMS');
    const monitor = f.monitor();
    expect(await rejected(monitor.configure(id, { threshold: -1 }))).toMatchObject({ code: 'CONFIG_INVALID', field: 'threshold', message: expect.stringContaining('must be 0 (never warn) or more') });
    expect(await rejected(monitor.configure(id, { notifyUserId: '  ' }))).toMatchObject({ code: 'CONFIG_INVALID', field: 'notifyUserId', message: expect.stringContaining('must not be empty') });
    expect(await rejected(monitor.configure(id, { notifyUserId: 'x'.repeat(201) }))).toMatchObject({ field: 'notifyUserId' });
    expect(await monitor.configure(id, { notifyUserId: ` ${'x'.repeat(199)} ` })).toMatchObject({ notifyUserId: 'x'.repeat(199) });
    expect(await rejected(monitor.configure(id, { extra: 1 } as never))).toMatchObject({ code: 'CONFIG_INVALID' });
    for (const call of [monitor.status(''), monitor.check(''), monitor.status('x'.repeat(101))]) {
      expect(await rejected(call)).toMatchObject({ code: 'CONFIG_INVALID', field: 'providerId' });
    }
    expect((await monitor.status('x'.repeat(100)).catch((e: { code: string }) => e.code))).toBe('NOT_FOUND');
    expect(await rejected(monitor.status(''))).toMatchObject({ message: expect.stringContaining('must not be empty') });
    for (const call of [monitor.check(id, { signal: 'x' } as never), monitor.checkAll({ signal: 'x' } as never)]) {
      expect(await rejected(call)).toMatchObject({ code: 'CONFIG_INVALID', field: 'options.signal', message: expect.stringContaining('must be an AbortSignal') });
    }
    for (const [options, field] of [[{ onRun: 1 }, 'options.onRun'], [{ onError: 1 }, 'options.onError'], [{ runOnStart: 'yes' }, 'options.runOnStart'], [{ every: true }, 'options.every']] as const) {
      expect(error(() => monitor.start(options as never))).toMatchObject({ code: 'CONFIG_INVALID', field });
    }
    expect(error(() => monitor.start({ onRun: 1 } as never)).message).toContain('must be a function');
  });

  it('status: exactly the fields that are set', async () => {
    const f = fixture();
    const id = await f.provider('SMS');
    const monitor = f.monitor();
    expect(await monitor.status(id)).toStrictEqual({
      providerId: id,
      providerName: 'SMS',
      channel: 'sms',
      balanceSupported: true,
      threshold: 0,
      recipientReady: false,
      recipientProblem: 'no-user',
      recipientDetail: 'no user to notify is chosen',
    });
    await monitor.configure(id, { threshold: 50, notifyUserId: 'admin' });
    f.memory.setBalance(id, 10);
    await monitor.check(id);
    expect(await monitor.status(id)).toStrictEqual({
      providerId: id,
      providerName: 'SMS',
      channel: 'sms',
      balanceSupported: true,
      lastBalance: { amount: 10, unit: 'credits', checkedAt: '2025-06-01T08:00:00.000Z' },
      threshold: 50,
      notifyUserId: 'admin',
      address: '+41791234567',
      recipientReady: true,
      lastWarningDay: '2025-06-01',
    });
  });

  it('records configure, check failures and warnings as events with their fields', async () => {
    const f = fixture();
    const id = (await f.registry.create({ type: 'memory', name: 'SMS', config: { channel: 'sms', balance: 100 }, eventLevel: 'debug' })).id;
    const monitor = f.monitor();
    await monitor.configure(id, { threshold: 50 });
    await monitor.configure(id, { notifyUserId: 'admin' });
    await monitor.configure(id, { notifyUserId: null });
    const configured = JSON.parse(JSON.stringify((await f.registry.events({ providerId: id, types: ['balance.configured'] })).map((e) => [e.message, e.fields]))) as unknown;
    expect(configured).toStrictEqual([
      ['balance warning threshold 50, user to notify: none', { threshold: 50 }],
      ['balance warning threshold 50, user to notify: admin', { threshold: 50, notifyUserId: 'admin' }],
      ['balance warning threshold 50, user to notify: none', { threshold: 50 }],
    ]);
    expect((await monitor.status(id)).notifyUserId).toBeUndefined();
    await monitor.configure(id, { notifyUserId: 'admin' });
    f.memory.setBalance(id, 10);
    f.memory.failNext('UNAVAILABLE', { operation: 'balance', providerId: id, message: 'gateway down' });
    const failed = await monitor.check(id);
    expect(failed).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
    const [checkFailed] = await f.registry.events({ providerId: id, types: ['balance.check.failed'] });
    expect(checkFailed).toMatchObject({ severity: 'error', message: expect.stringMatching(/^balance check failed: /), fields: { code: 'UNAVAILABLE' } });
    const sent = await monitor.check(id);
    expect(sent).toMatchObject({ ok: true, warning: { status: 'sent', day: '2025-06-01', userId: 'admin', to: '+41791234567', messageId: expect.any(String) } });
    const [warned] = await f.registry.events({ providerId: id, types: ['balance.warning.sent'] });
    expect(warned).toMatchObject({ severity: 'warn', message: 'low-balance warning sent to user "admin"', fields: { day: '2025-06-01', userId: 'admin', to: '+41791234567', amount: 10, threshold: 50 } });
    expect((await monitor.status(id)).lastError).toBeUndefined();
    expect(await monitor.check(id)).toMatchObject({ warning: { status: 'already-claimed', day: '2025-06-01' } });
    const [claimed] = await f.registry.events({ providerId: id, types: ['balance.warning.already-claimed'] });
    expect(claimed).toMatchObject({ severity: 'debug', message: 'the low-balance warning of 2025-06-01 was already claimed', fields: { day: '2025-06-01' } });
    f.clock.advance(86_400_000);
    f.memory.failNext('AUTH_FAILED', { operation: 'send', providerId: id, message: 'refused' });
    await monitor.check(id);
    const [warnFailed] = await f.registry.events({ providerId: id, types: ['balance.warning.failed'] });
    expect(warnFailed).toMatchObject({ severity: 'error', message: expect.stringMatching(/^low-balance warning to user "admin" failed: /), fields: { outcome: 'not-sent', claimReleased: true } });
  });

  it('start: CONFLICT while started, runs at once by default, hands each run to onRun; stop lets it start again', async () => {
    const f = fixture();
    const id = await f.provider('SMS');
    const monitor = f.monitor();
    const runs: (readonly unknown[])[] = [];
    let stop = monitor.start({ every: '1h', onRun: (r) => runs.push(r) });
    expect(error(() => monitor.start())).toMatchObject({ code: 'CONFLICT', retryable: false, message: 'the balance monitor is already started; call its stop function first' });
    while (runs.length === 0) await new Promise((r) => setTimeout(r, 5));
    expect(runs[0]).toMatchObject([{ providerId: id, ok: true }]);
    await stop();
    await stop();
    stop = monitor.start({ every: '1h', runOnStart: false, onRun: (r) => runs.push(r) });
    await new Promise((r) => setTimeout(r, 30));
    expect(runs).toHaveLength(1);
    await stop();
    const errors: unknown[] = [];
    const failing = new BalanceMonitor({ registry: new Proxy(f.registry, { get: (t, k) => (k === 'list' ? async () => { throw new Error('list failed'); } : Reflect.get(t, k, t)) }), users: users() });
    const stopFailing = failing.start({ onError: (e) => errors.push(e) });
    while (errors.length === 0) await new Promise((r) => setTimeout(r, 5));
    expect(errors[0]).toMatchObject({ code: 'UNAVAILABLE', message: 'list failed' });
    await stopFailing();
  });
});

/** The registry with some members replaced; every other method stays bound to the registry. */
function overriding(registry: ProviderRegistry, overrides: Record<string, unknown>): ProviderRegistry {
  return new Proxy(registry, {
    get(target, key) {
      if (typeof key === 'string' && Object.hasOwn(overrides, key)) return overrides[key];
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

const cannotBuild = async () => {
  throw new Error('build failed');
};

describe('BalanceMonitor pins: providers that cannot be built or have no balance', () => {
  it('status reports a provider that cannot be built, or does not deliver, as provider-unavailable', async () => {
    const f = fixture();
    const id = await f.provider('SMS');
    await f.monitor().configure(id, { notifyUserId: 'admin' });
    const expected = { providerId: id, providerName: 'SMS', channel: 'sms', balanceSupported: false, threshold: 0, notifyUserId: 'admin', recipientReady: false, recipientProblem: 'provider-unavailable' };
    const failing = new BalanceMonitor({ registry: overriding(f.registry, { resolve: cannotBuild }), users: users() });
    expect(await failing.status(id)).toStrictEqual({ ...expected, recipientDetail: 'build failed' });
    const verifier = new BalanceMonitor({ registry: overriding(f.registry, { resolve: async () => ({ kind: 'verifier', id, type: 'memory' }) }), users: users() });
    expect(await verifier.status(id)).toStrictEqual({ ...expected, recipientDetail: `provider ${id} does not deliver messages` });
  });

  it('check: a provider that cannot be built is a failed check; one without a balance is UNSUPPORTED', async () => {
    const f = fixture();
    const id = await f.provider('SMS');
    const result = await new BalanceMonitor({ registry: overriding(f.registry, { resolve: cannotBuild }), users: users() }).check(id);
    expect(result).toStrictEqual({ providerId: id, ok: false, error: expect.objectContaining({ code: 'UNAVAILABLE', message: 'build failed', providerId: id }) });
    expect((await f.monitor().status(id)).lastError).toStrictEqual({ code: 'UNAVAILABLE', message: 'build failed', at: '2025-06-01T08:00:00.000Z' });
    const mail = (await f.registry.create({ type: 'memory', name: 'Mail', config: { channel: 'email' } })).id;
    expect(await rejected(f.monitor().check(mail))).toMatchObject({ code: 'UNSUPPORTED', providerId: mail, message: 'provider "Mail" (memory) does not report a balance' });
  });

  it('decides the balance by kind, capability and getBalance together', async () => {
    const f = fixture();
    const id = await f.provider('SMS');
    const real = (await f.registry.resolve(id)) as DeliveryProvider;
    const variants = {
      'getBalance without the capability': { ...real, capabilities: { ...real.capabilities, balance: false } },
      'the capability without getBalance': { ...real, getBalance: undefined },
      'not a delivery provider': { ...real, kind: 'verifier' },
    };
    for (const [name, provider] of Object.entries(variants)) {
      const monitor = new BalanceMonitor({ registry: overriding(f.registry, { resolve: async () => provider }), users: users() });
      expect(await rejected(monitor.check(id)), name).toMatchObject({ code: 'UNSUPPORTED' });
      expect((await monitor.status(id)).balanceSupported, name).toBe(false);
      expect(await monitor.checkAll(), name).toStrictEqual([]);
    }
  });

  it('checkAll reports a provider that cannot be built only when it has balance settings and still exists', async () => {
    const f = fixture();
    const monitored = await f.provider('Monitored');
    await f.provider('Unmonitored');
    const removed = await f.provider('Removed');
    await f.monitor().configure(monitored, { threshold: 10 });
    await f.monitor().configure(removed, { threshold: 10 });
    const resolve = async (id: string) => {
      if (id === removed) throw new TransportError('NOT_FOUND', 'removed meanwhile', { providerId: id });
      throw new Error('build failed');
    };
    const results = await new BalanceMonitor({ registry: overriding(f.registry, { resolve }), users: users() }).checkAll();
    expect(results).toStrictEqual([{ providerId: monitored, ok: false, error: expect.objectContaining({ code: 'UNAVAILABLE', message: 'build failed', providerId: monitored }) }]);
  });

  it('checkAll turns a failing store into a failed result of that provider', async () => {
    const storage = memoryStorage();
    let failPut = false;
    const balance = {
      ...storage.balance,
      put: async (state: Parameters<typeof storage.balance.put>[0]) => {
        if (failPut) throw new Error('disk full');
        await storage.balance.put(state);
      },
    };
    const f = fixture(undefined, { storage: { ...storage, balance }, memory: memoryTransport() });
    const id = await f.provider('SMS');
    await f.monitor().configure(id, { threshold: 10 });
    failPut = true;
    const results = await f.monitor().checkAll();
    expect(results).toStrictEqual([{ providerId: id, ok: false, error: expect.objectContaining({ code: 'STORAGE_FAILED', providerId: id }) }]);
  });

  it('checkAll with an aborted signal checks nothing', async () => {
    const f = fixture();
    const id = await f.provider('SMS');
    const controller = new AbortController();
    controller.abort();
    expect(await f.monitor().checkAll({ signal: controller.signal })).toStrictEqual([]);
    expect(await f.registry.events({ providerId: id, types: ['balance.check.failed'] })).toStrictEqual([]);
  });

  it('refuses a null user directory and a registry without storage as CONFIG_INVALID, not a TypeError', () => {
    const f = fixture();
    expect(thrown(() => new BalanceMonitor({ registry: f.registry, users: null as never }))).toMatchObject({ code: 'CONFIG_INVALID', field: 'users' });
    const methods = Object.fromEntries(['get', 'list', 'resolve', 'send', 'recordEvent', 'redact'].map((name) => [name, () => undefined]));
    expect(thrown(() => new BalanceMonitor({ registry: methods as never, users: users() }))).toMatchObject({ code: 'CONFIG_INVALID', field: 'registry' });
  });
});

describe('BalanceMonitor pins: state, events and spans', () => {
  it('a clock of its own decides the reading time and the warning day, not the registry clock', async () => {
    const f = fixture('2025-06-01T08:00:00Z');
    const id = await f.provider('SMS');
    const monitor = f.monitor({ clock: manualClock('2025-06-03T10:00:00Z') });
    await monitor.configure(id, { threshold: 50, notifyUserId: 'admin' });
    f.memory.setBalance(id, 10);
    expect(await monitor.check(id)).toMatchObject({ ok: true, balance: { checkedAt: '2025-06-03T10:00:00.000Z' }, warning: { status: 'sent', day: '2025-06-03' } });
  });

  it('configure changes only the given settings, and the stored state has no undefined fields', async () => {
    const f = fixture();
    const id = await f.provider('SMS');
    const monitor = f.monitor();
    await monitor.configure(id, { notifyUserId: 'admin' });
    expect(await monitor.configure(id, { threshold: 20 })).toMatchObject({ threshold: 20, notifyUserId: 'admin' });
    await monitor.configure(id, { notifyUserId: null });
    expect(await f.storage.balance.get(id)).toStrictEqual({ providerId: id, threshold: 20 });
  });

  it('records an aborted check as an info event without a last error', async () => {
    const f = fixture();
    const id = await f.provider('SMS');
    const controller = new AbortController();
    controller.abort();
    const result = await f.monitor().check(id, { signal: controller.signal });
    const message = `balance query of provider ${id} was aborted`;
    expect(result).toStrictEqual({ providerId: id, ok: false, error: expect.objectContaining({ code: 'ABORTED', message }) });
    const events = await f.registry.events({ providerId: id, types: ['balance.check.failed'] });
    expect(events.map((e) => [e.severity, e.message, e.fields])).toStrictEqual([['info', `balance check failed: ${message}`, { code: 'ABORTED', upstream: undefined }]]);
    expect(await f.storage.balance.get(id)).toBeUndefined();
  });

  it('records a skipped warning with the reason in its message', async () => {
    const f = fixture();
    const id = await f.provider('SMS');
    const monitor = f.monitor();
    await monitor.configure(id, { threshold: 50, notifyUserId: 'broken' });
    f.memory.setBalance(id, 10);
    await monitor.check(id);
    const events = await f.registry.events({ providerId: id, types: ['balance.warning.skipped'] });
    expect(events.map((e) => [e.severity, e.message, e.fields])).toStrictEqual([
      ['warn', 'low-balance warning not sent: the sms address of user "broken" is invalid: not a phone number', { day: '2025-06-01', reason: 'invalid-address', userId: 'broken' }],
    ]);
  });

  it('a claim that cannot be given back is recorded as not released', async () => {
    const f = fixture();
    const id = await f.provider('SMS');
    const storage = {
      ...f.registry.storage,
      balance: {
        ...f.registry.storage.balance,
        releaseDailyWarning: async () => {
          throw new Error('store down');
        },
      },
    };
    const monitor = new BalanceMonitor({ registry: overriding(f.registry, { storage }), users: users() });
    await monitor.configure(id, { threshold: 50, notifyUserId: 'admin' });
    f.memory.setBalance(id, 10);
    f.memory.failNext('AUTH_FAILED', { providerId: id });
    expect(await monitor.check(id)).toMatchObject({ ok: true, warning: { status: 'failed', outcome: 'not-sent' } });
    const [failed] = await f.registry.events({ providerId: id, types: ['balance.warning.failed'] });
    expect(failed?.fields).toMatchObject({ code: 'AUTH_FAILED', claimReleased: false, outcome: 'not-sent' });
  });

  it('a sent warning without a message id has no messageId field', async () => {
    const f = fixture();
    const id = await f.provider('SMS');
    const send = async () => ({ providerId: id, accepted: [ADMIN_PHONE], rejected: [] });
    const monitor = new BalanceMonitor({ registry: overriding(f.registry, { send }), users: users() });
    await monitor.configure(id, { threshold: 50, notifyUserId: 'admin' });
    f.memory.setBalance(id, 10);
    const result = await monitor.check(id);
    expect(result.ok && result.warning).toStrictEqual({ status: 'sent', day: '2025-06-01', userId: 'admin', to: ADMIN_PHONE });
  });

  it('spans each check as an internal "balance check <type>" span, with error.type only when it failed', async () => {
    const { tracer, spans } = recordingTracer();
    const f = fixture();
    const id = await f.provider('SMS');
    const monitor = new BalanceMonitor({ registry: overriding(f.registry, { tracer }), users: users() });
    await monitor.check(id);
    f.memory.failNext('AUTH_FAILED', { operation: 'balance', providerId: id });
    await monitor.check(id);
    const attributes = { 'transportkit.provider.id': id, 'transportkit.provider.type': 'memory' };
    expect(spanShapes(spans)).toStrictEqual([
      { name: 'balance check memory', kind: 0, attributes },
      { name: 'balance check memory', kind: 0, attributes: { ...attributes, 'error.type': 'AUTH_FAILED' } },
    ]);
  });

  it('start: no onRun is fine, and onError gets a failed listing with its cause', async () => {
    const f = fixture();
    const errors: TransportError[] = [];
    // Stopped at once: the run still lists the providers, then checks none (its signal is aborted).
    await f.monitor().start({ onError: (e) => errors.push(e) })();
    expect(errors).toStrictEqual([]);
    const causes = [new Error('list failed'), 'list failed'];
    for (const cause of causes) {
      const list = async () => {
        throw cause;
      };
      const monitor = new BalanceMonitor({ registry: overriding(f.registry, { list }), users: users() });
      await monitor.start({ onError: (e) => errors.push(e) })();
    }
    expect(errors.map((e) => [e.code, e.message])).toStrictEqual([
      ['UNAVAILABLE', 'list failed'],
      ['UNAVAILABLE', 'list failed'],
    ]);
    expect(errors[0]?.cause).toBe(causes[0]);
    expect(errors[1]?.cause).toBe(causes[1]);
  });
});
