import { describe, expect, it } from 'vitest';
import {
  BalanceMonitor,
  createBalanceMonitor,
  createRegistry,
  memoryTransport,
  type AnyProviderType,
  type DeliveryProvider,
  type LogEntry,
  type TextMessage,
} from '../../src/index.js';
import { ADMIN_MAIL, ADMIN_PHONE, directory, fixture, users } from './helpers.js';

describe('BalanceMonitor thresholds', () => {
  it.each([
    { threshold: 0, balance: 0, warned: false },
    { threshold: 0, balance: -5, warned: false },
    { threshold: 50, balance: 50, warned: false },
    { threshold: 50, balance: 51, warned: false },
    { threshold: 50, balance: 49.99, warned: true },
    { threshold: 50, balance: 0, warned: true },
  ])('threshold $threshold, balance $balance: warned=$warned', async ({ threshold, balance, warned }) => {
    const f = fixture();
    const id = await f.provider('SMS');
    const monitor = f.monitor();
    await monitor.configure(id, { threshold, notifyUserId: 'admin' });
    f.memory.setBalance(id, balance);

    const result = await monitor.check(id);

    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.balance.amount).toBe(balance);
    expect(result.below).toBe(warned);
    expect(result.warning.status).toBe(warned ? 'sent' : 'not-needed');
    expect(f.memory.outbox(id)).toHaveLength(warned ? 1 : 0);
    const types = (await f.registry.events({ providerId: id })).map((e) => e.type);
    expect(types).toContain('balance.checked');
    expect(types.includes('balance.warning.sent')).toBe(warned);
  });

  it('sends the warning through the same provider, naming provider, balance and threshold', async () => {
    const f = fixture();
    const id = await f.provider('Swiss SMS');
    const other = await f.provider('Other SMS');
    const monitor = f.monitor();
    await monitor.configure(id, { threshold: 50, notifyUserId: 'admin' });
    f.memory.setBalance(id, 12);

    const result = await monitor.check(id);

    expect(result.ok && result.warning).toMatchObject({ status: 'sent', userId: 'admin', to: ADMIN_PHONE, day: '2025-06-01' });
    expect(f.memory.outbox(other)).toHaveLength(0);
    const [sent] = f.memory.outbox(id);
    expect(sent?.to).toEqual([ADMIN_PHONE]);
    const text = (sent?.message as TextMessage).text;
    expect(text).toContain('Swiss SMS');
    expect(text).toContain('12 credits');
    expect(text).toContain('50 credits');
    const status = await monitor.status(id);
    expect(status.lastWarningDay).toBe('2025-06-01');
    expect(status.lastBalance).toEqual({ amount: 12, unit: 'credits', checkedAt: '2025-06-01T08:00:00.000Z' });
  });

  it('sends an e-mail with a subject through an e-mail provider, in German when asked', async () => {
    const f = fixture();
    const id = await f.provider('Mail', { channel: 'email', unit: 'CHF' });
    const monitor = f.monitor({ locale: 'de' });
    await monitor.configure(id, { threshold: 2000, notifyUserId: 'admin' });
    f.memory.setBalance(id, 1234.5);

    await monitor.check(id);

    const sent = f.memory.last(ADMIN_MAIL);
    expect(sent?.message).toMatchObject({ subject: 'Tiefes Guthaben: Mail' });
    expect((sent?.message as { text: string }).text).toContain('1.234,5 CHF');
  });

  it('uses an overriding template and fits the text to the provider maximum length', async () => {
    const f = fixture();
    const id = await f.provider('Short', { maxLength: 40 });
    const monitor = f.monitor({ templates: { en: (i) => ({ subject: 'x', text: `${i.providerName}: ${i.amount} < ${i.threshold} on ${i.day} ${'!'.repeat(60)}` }) } });
    await monitor.configure(id, { threshold: 10, notifyUserId: 'admin' });
    f.memory.setBalance(id, 3);

    await monitor.check(id);

    const text = (f.memory.last(ADMIN_PHONE)?.message as TextMessage).text;
    expect(text.startsWith('Short: 3 < 10 on 2025-06-01 ')).toBe(true);
    expect(text).toHaveLength(40);
  });

  it('records a broken template as a failed warning and releases the claim', async () => {
    const f = fixture();
    const id = await f.provider('SMS');
    const monitor = f.monitor({ templates: { en: () => ({ subject: 'Low', text: '  ' }) } });
    await monitor.configure(id, { threshold: 10, notifyUserId: 'admin' });
    f.memory.setBalance(id, 3);

    const result = await monitor.check(id);

    expect(result.ok && result.warning.status).toBe('failed');
    expect(result.ok && result.warning.status === 'failed' && result.warning.error.code).toBe('MESSAGE_INVALID');
    expect(await f.storage.balance.claimDailyWarning(id, '2025-06-01')).toBe(true);
  });
});

describe('BalanceMonitor recipient indicator', () => {
  it('reports a missing user, an invalid address and a valid address', async () => {
    const f = fixture();
    const id = await f.provider('SMS');
    const monitor = f.monitor();
    await monitor.configure(id, { threshold: 10 });

    const none = await monitor.status(id);
    expect(none).toMatchObject({ recipientReady: false, recipientProblem: 'no-user', threshold: 10, balanceSupported: true });
    expect(none.notifyUserId).toBeUndefined();

    const invalid = await monitor.configure(id, { notifyUserId: 'broken' });
    expect(invalid).toMatchObject({ recipientReady: false, recipientProblem: 'invalid-address', notifyUserId: 'broken', address: 'not-a-number', threshold: 10 });

    const noAddress = await monitor.configure(id, { notifyUserId: 'nobody' });
    expect(noAddress).toMatchObject({ recipientReady: false, recipientProblem: 'no-address' });

    const valid = await monitor.configure(id, { notifyUserId: 'admin' });
    expect(valid).toMatchObject({ recipientReady: true, address: ADMIN_PHONE, notifyUserId: 'admin' });
    expect(valid.recipientProblem).toBeUndefined();

    const cleared = await monitor.configure(id, { notifyUserId: null });
    expect(cleared).toMatchObject({ recipientReady: false, recipientProblem: 'no-user', threshold: 10 });
  });

  it('asks the directory for the address of the provider channel and normalises it', async () => {
    const f = fixture();
    const id = await f.provider('SMS');
    const monitor = f.monitor({ users: directory({ admin: { sms: '+41 79 123 45 67', email: ADMIN_MAIL } }) });
    const status = await monitor.configure(id, { notifyUserId: 'admin' });
    expect(status.address).toBe(ADMIN_PHONE);
    expect(status.channel).toBe('sms');
  });

  it('treats a failing user directory as lookup-failed', async () => {
    const f = fixture();
    const id = await f.provider('SMS');
    const monitor = f.monitor({
      users: {
        getAddress: async () => {
          throw new Error('directory down');
        },
      },
    });
    const status = await monitor.configure(id, { notifyUserId: 'admin', threshold: 10 });
    expect(status).toMatchObject({ recipientReady: false, recipientProblem: 'lookup-failed' });
    expect(status.recipientDetail).toContain('directory down');
  });

  it('skips the warning with an event when there is no valid recipient, without claiming the day', async () => {
    const f = fixture();
    const id = await f.provider('SMS');
    const monitor = f.monitor();
    await monitor.configure(id, { threshold: 10, notifyUserId: 'broken' });
    f.memory.setBalance(id, 1);

    const result = await monitor.check(id);

    expect(result.ok && result.warning).toMatchObject({ status: 'skipped', reason: 'invalid-address', day: '2025-06-01' });
    expect(f.memory.outbox()).toHaveLength(0);
    const skipped = await f.registry.events({ providerId: id, types: ['balance.warning.skipped'] });
    expect(skipped).toHaveLength(1);
    expect(skipped[0]?.fields).toMatchObject({ reason: 'invalid-address', userId: 'broken' });

    await monitor.configure(id, { notifyUserId: 'admin' });
    const retry = await monitor.check(id);
    expect(retry.ok && retry.warning.status).toBe('sent');
  });
});

describe('BalanceMonitor checkAll', () => {
  it('checks only providers with the balance capability and survives a failing one', async () => {
    const f = fixture();
    const a = await f.provider('A');
    const b = await f.provider('B');
    const c = await f.provider('C');
    const noBalance = (await f.registry.create({ type: 'memory', name: 'Mail', config: { channel: 'email' } })).id;
    const monitor = f.monitor();
    for (const id of [a, b, c]) await monitor.configure(id, { threshold: 50, notifyUserId: 'admin' });
    for (const id of [a, b, c]) f.memory.setBalance(id, 10);
    f.memory.failNext('AUTH_FAILED', { operation: 'balance', providerId: b, message: 'login rejected' });

    const results = await monitor.checkAll();

    expect(results.map((r) => r.providerId)).toEqual([a, b, c]);
    expect(results.map((r) => r.ok)).toEqual([true, false, true]);
    expect(results[1]?.ok === false && results[1].error.code).toBe('AUTH_FAILED');
    expect(f.memory.outbox(a)).toHaveLength(1);
    expect(f.memory.outbox(c)).toHaveLength(1);
    expect(f.memory.outbox(b)).toHaveLength(0);
    expect(f.memory.outbox(noBalance)).toHaveLength(0);
    const failed = await monitor.status(b);
    expect(failed.lastError).toMatchObject({ code: 'AUTH_FAILED', message: 'login rejected', at: '2025-06-01T08:00:00.000Z' });
    expect(failed.lastBalance).toBeUndefined();
    expect((await f.registry.events({ providerId: b, types: ['balance.check.failed'] }))[0]).toMatchObject({ severity: 'error', fields: { code: 'AUTH_FAILED' } });
    expect(await f.registry.events({ providerId: noBalance, types: ['balance.checked'] })).toHaveLength(0);

    f.memory.setBalance(b, 500);
    const again = await monitor.check(b);
    expect(again.ok).toBe(true);
    expect((await monitor.status(b)).lastError).toBeUndefined();
  });

  it('times out a slow balance query and reports TIMEOUT', async () => {
    const f = fixture();
    const slow = await f.provider('Slow', { latencyMs: 10_000 });
    const fast = await f.provider('Fast');
    const monitor = f.monitor({ checkTimeoutMs: 30 });

    const results = await monitor.checkAll();

    const bySlow = results.find((r) => r.providerId === slow);
    expect(bySlow?.ok === false && bySlow.error.code).toBe('TIMEOUT');
    expect(results.find((r) => r.providerId === fast)?.ok).toBe(true);
    expect((await monitor.status(slow)).lastError?.code).toBe('TIMEOUT');
  });

  it('runs at most `concurrency` checks at the same time', async () => {
    const memory = memoryTransport();
    let active = 0;
    let peak = 0;
    const counting: AnyProviderType = {
      ...memory,
      type: 'counting',
      async create(config, secrets, context) {
        const inner = (await memory.create(config, secrets, context)) as DeliveryProvider;
        return {
          ...inner,
          type: 'counting',
          async getBalance(options) {
            active += 1;
            peak = Math.max(peak, active);
            try {
              return await inner.getBalance!(options);
            } finally {
              active -= 1;
            }
          },
        };
      },
    };
    const registry = createRegistry({ types: [counting] });
    for (let i = 0; i < 7; i++) await registry.create({ type: 'counting', config: { channel: 'sms', balance: 5, latencyMs: 15 } });
    const monitor = new BalanceMonitor({ registry, users: users(), concurrency: 2 });

    const results = await monitor.checkAll();

    expect(results).toHaveLength(7);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(peak).toBe(2);
  });
});

describe('BalanceMonitor input validation', () => {
  it('refuses bad options and settings with CONFIG_INVALID naming the field', async () => {
    const f = fixture();
    const id = await f.provider('SMS');
    expect(() => f.monitor({ timeZone: 'Mars/Olympus' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', field: 'timeZone' }));
    expect(() => f.monitor({ concurrency: 0 })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', field: 'concurrency' }));
    expect(() => f.monitor({ locale: 'fr' as 'en' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', field: 'locale' }));
    expect(() => new BalanceMonitor({ registry: {} as never, users: users() })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', field: 'registry' }));
    expect(() => createBalanceMonitor({ registry: f.registry, users: {} as never })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', field: 'users' }));
    const monitor = f.monitor();
    await expect(monitor.configure(id, { threshold: -1 })).rejects.toMatchObject({ code: 'CONFIG_INVALID', field: 'threshold' });
    await expect(monitor.configure(id, { threshold: Number.NaN })).rejects.toMatchObject({ code: 'CONFIG_INVALID', field: 'threshold' });
    await expect(monitor.configure(id, { notifyUserId: '' })).rejects.toMatchObject({ code: 'CONFIG_INVALID', field: 'notifyUserId' });
    await expect(monitor.configure('missing', { threshold: 1 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(() => monitor.start({ every: '1 week' as '1d' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', field: 'every' }));
  });

  it('refuses to check a provider without the balance capability', async () => {
    const f = fixture();
    const mail = (await f.registry.create({ type: 'memory', config: { channel: 'email' } })).id;
    const monitor = f.monitor();
    await expect(monitor.check(mail)).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    await expect(monitor.check('missing')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await monitor.status(mail)).balanceSupported).toBe(false);
  });
});

describe('BalanceMonitor through the registry, as a host uses it', () => {
  it('checks created and copied providers, keeps secrets out of events and logs', async () => {
    const password = 'Zq9-balance-secret-7781';
    const newPassword = 'Wx4-rotated-secret-9912';
    const logs: LogEntry[] = [];
    const memory = memoryTransport();
    const registry = createRegistry({ types: [memory], logger: (entry) => logs.push(entry) });
    const original = await registry.create({
      type: 'memory',
      name: 'Gateway',
      config: { channel: 'sms', balance: 20 },
      secrets: { password },
      eventLevel: 'debug',
    });
    await registry.setSecret(original.id, 'password', newPassword);
    const copy = await registry.copy(original.id, { name: 'Gateway copy' });
    await registry.removeSecret(copy.id, 'password');
    const monitor = new BalanceMonitor({ registry, users: users() });
    await monitor.configure(original.id, { threshold: 50, notifyUserId: 'admin' });
    await monitor.configure(copy.id, { threshold: 10, notifyUserId: 'admin' });
    memory.failNext('UNAVAILABLE', { operation: 'send' });

    const results = await monitor.checkAll();

    expect(results.map((r) => [r.providerId, r.ok && r.warning.status])).toEqual([
      [original.id, 'failed'],
      [copy.id, 'not-needed'],
    ]);
    const report = await registry.test(original.id, { to: ADMIN_PHONE });
    expect(report.ok).toBe(true);
    const retry = await monitor.check(original.id);
    expect(retry.ok && retry.warning.status).toBe('sent');
    expect(memory.find(ADMIN_PHONE, original.id)).toHaveLength(2);

    const events = await registry.events();
    const types = events.map((e) => e.type);
    for (const t of ['balance.configured', 'balance.checked', 'balance.warning.failed', 'balance.warning.sent', 'send.failed', 'send']) expect(types).toContain(t);
    const everything = JSON.stringify(events) + JSON.stringify(logs) + JSON.stringify(await monitor.status(original.id));
    expect(everything).not.toContain(password);
    expect(everything).not.toContain(newPassword);
    expect(everything).not.toContain(Buffer.from(newPassword).toString('base64').replace(/=+$/, ''));
  });
});
