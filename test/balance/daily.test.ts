import { describe, expect, it } from 'vitest';
import { BalanceMonitor, createRegistry, memoryStorage, memoryTransport } from '../../src/index.js';
import { calendarDay, checkTimeZone } from '../../src/balance/day.js';
import { ADMIN_PHONE, fixture, manualClock, users } from './helpers.js';

const HOUR = 3_600_000;

describe('calendarDay', () => {
  it('follows the local midnight of Europe/Zurich across both DST changes', () => {
    const zurich = (iso: string) => calendarDay(Date.parse(iso), 'Europe/Zurich');
    // 2025-03-30: clocks jump 02:00 -> 03:00, the day has 23 hours (CET midnight 23:00Z, CEST midnight 22:00Z).
    expect(zurich('2025-03-29T22:59:59Z')).toBe('2025-03-29');
    expect(zurich('2025-03-29T23:00:00Z')).toBe('2025-03-30');
    expect(zurich('2025-03-30T21:59:59Z')).toBe('2025-03-30');
    expect(zurich('2025-03-30T22:00:00Z')).toBe('2025-03-31');
    // 2025-10-26: clocks fall back 03:00 -> 02:00, the day has 25 hours.
    expect(zurich('2025-10-25T21:59:59Z')).toBe('2025-10-25');
    expect(zurich('2025-10-25T22:00:00Z')).toBe('2025-10-26');
    expect(zurich('2025-10-26T22:59:59Z')).toBe('2025-10-26');
    expect(zurich('2025-10-26T23:00:00Z')).toBe('2025-10-27');
    expect(calendarDay(Date.parse('2025-10-26T23:30:00Z'), 'UTC')).toBe('2025-10-26');
  });

  it('accepts IANA zones and refuses anything else', () => {
    expect(checkTimeZone('UTC')).toBe('UTC');
    expect(checkTimeZone('Europe/Zurich')).toBe('Europe/Zurich');
    for (const bad of ['', 'Europe/Nowhere', 42, undefined]) {
      expect(() => checkTimeZone(bad)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', field: 'timeZone' }));
    }
  });
});

describe('BalanceMonitor: one warning a day', () => {
  it('sends exactly one warning per calendar day across 30 simulated days', async () => {
    const f = fixture('2025-01-01T00:30:00Z');
    const id = await f.provider('SMS');
    const monitor = f.monitor();
    await monitor.configure(id, { threshold: 100, notifyUserId: 'admin' });
    const outcomes: string[] = [];

    for (let check = 0; check < 30 * 4; check++) {
      f.memory.setBalance(id, 50 - check / 10);
      const result = await monitor.check(id);
      outcomes.push(result.ok ? result.warning.status : 'error');
      f.clock.advance(6 * HOUR);
    }

    expect(outcomes.filter((o) => o === 'sent')).toHaveLength(30);
    expect(outcomes.filter((o) => o === 'already-claimed')).toHaveLength(90);
    const days = f.memory.outbox(id).map((m) => m.sentAt.slice(0, 10));
    expect(new Set(days).size).toBe(30);
    expect(days[0]).toBe('2025-01-01');
    expect(days[29]).toBe('2025-01-30');
    expect((await monitor.status(id)).lastWarningDay).toBe('2025-01-30');
    expect(await f.registry.events({ providerId: id, types: ['balance.warning.sent'] })).toHaveLength(30);
    expect(await f.registry.events({ providerId: id, types: ['balance.checked'] })).toHaveLength(120);
  });

  it('uses the Europe/Zurich day, not the UTC day, around the spring DST change', async () => {
    const f = fixture('2025-03-29T22:30:00Z');
    const id = await f.provider('SMS');
    const monitor = f.monitor({ timeZone: 'Europe/Zurich' });
    await monitor.configure(id, { threshold: 100, notifyUserId: 'admin' });
    f.memory.setBalance(id, 5);
    const run = async (iso: string) => {
      f.clock.set(iso);
      const r = await monitor.check(id);
      return r.ok && r.warning.status !== 'not-needed' ? `${r.warning.status} ${r.warning.day}` : 'unexpected';
    };

    expect(await run('2025-03-29T22:30:00Z')).toBe('sent 2025-03-29'); // 23:30 CET
    expect(await run('2025-03-29T23:30:00Z')).toBe('sent 2025-03-30'); // 00:30 CET, still the 29th in UTC
    expect(await run('2025-03-30T00:59:00Z')).toBe('already-claimed 2025-03-30'); // 01:59 CET
    expect(await run('2025-03-30T01:00:00Z')).toBe('already-claimed 2025-03-30'); // 03:00 CEST
    expect(await run('2025-03-30T21:59:00Z')).toBe('already-claimed 2025-03-30'); // 23:59 CEST
    expect(await run('2025-03-30T22:00:00Z')).toBe('sent 2025-03-31'); // 00:00 CEST, still the 30th in UTC
    expect(await run('2025-03-31T21:00:00Z')).toBe('already-claimed 2025-03-31');
    expect(f.memory.outbox(id)).toHaveLength(3);
  });

  it('gives the 25-hour autumn day in Europe/Zurich a single warning', async () => {
    const f = fixture('2025-10-25T22:00:00Z');
    const id = await f.provider('SMS');
    const monitor = f.monitor({ timeZone: 'Europe/Zurich' });
    await monitor.configure(id, { threshold: 100, notifyUserId: 'admin' });
    f.memory.setBalance(id, 5);
    const sent: string[] = [];
    for (let hour = 0; hour <= 25; hour++) {
      const r = await monitor.check(id);
      if (r.ok && r.warning.status === 'sent') sent.push(r.warning.day);
      f.clock.advance(HOUR);
    }
    expect(sent).toEqual(['2025-10-26', '2025-10-27']);
  });
});

describe('BalanceMonitor: failed warning', () => {
  it('releases the claim after a failed send, records the failure, and retries later that day', async () => {
    const f = fixture('2025-06-01T06:00:00Z');
    const id = await f.provider('SMS');
    const monitor = f.monitor();
    await monitor.configure(id, { threshold: 100, notifyUserId: 'admin' });
    f.memory.setBalance(id, 5);
    f.memory.failNext('RATE_LIMITED', { operation: 'send', providerId: id, message: 'too many requests' });

    const first = await monitor.check(id);

    expect(first.ok && first.warning.status).toBe('failed');
    expect(f.memory.outbox(id)).toHaveLength(0);
    const afterFailure = await monitor.status(id);
    expect(afterFailure.lastError).toMatchObject({ code: 'RATE_LIMITED', message: 'too many requests' });
    expect(afterFailure.lastWarningDay).toBeUndefined();
    expect(afterFailure.lastBalance?.amount).toBe(5);
    const failed = await f.registry.events({ providerId: id, types: ['balance.warning.failed'] });
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ severity: 'error', fields: { code: 'RATE_LIMITED', claimReleased: true, day: '2025-06-01' } });

    f.clock.set('2025-06-01T12:00:00Z');
    const second = await monitor.check(id);
    expect(second.ok && second.warning).toMatchObject({ status: 'sent', day: '2025-06-01', to: ADMIN_PHONE });
    f.clock.set('2025-06-01T18:00:00Z');
    const third = await monitor.check(id);
    expect(third.ok && third.warning.status).toBe('already-claimed');

    expect(f.memory.outbox(id)).toHaveLength(1);
    const status = await monitor.status(id);
    expect(status.lastWarningDay).toBe('2025-06-01');
    expect(status.lastError).toBeUndefined();
  });

  it('releases the claim when the warning send times out', async () => {
    const f = fixture();
    const id = await f.provider('SMS', { latencyMs: 10_000 });
    const monitor = f.monitor({ checkTimeoutMs: 40 });
    await monitor.configure(id, { threshold: 100, notifyUserId: 'admin' });
    f.memory.setBalance(id, 5);

    const result = await monitor.check(id);

    expect(result.ok).toBe(false);
    expect(result.ok === false && result.error.code).toBe('TIMEOUT');
    expect(await f.storage.balance.claimDailyWarning(id, '2025-06-01')).toBe(true);
  });
});

describe('BalanceMonitor: app instances sharing one store', () => {
  it('ten monitors checking the same low provider concurrently send exactly one warning', async () => {
    const storage = memoryStorage();
    const memory = memoryTransport();
    const clock = manualClock('2025-06-01T07:00:00Z');
    const registries = Array.from({ length: 10 }, () => createRegistry({ storage, types: [memory], clock }));
    const id = (await registries[0]!.create({ type: 'memory', name: 'Shared SMS', config: { channel: 'sms', balance: 3, latencyMs: 5 } })).id;
    const monitors = registries.map((registry) => new BalanceMonitor({ registry, users: users(), timeZone: 'Europe/Zurich' }));
    await monitors[3]!.configure(id, { threshold: 10, notifyUserId: 'admin' });

    const results = await Promise.all(monitors.map((m) => m.check(id)));

    const statuses = results.map((r) => (r.ok ? r.warning.status : 'error'));
    expect(statuses.filter((s) => s === 'sent')).toHaveLength(1);
    expect(statuses.filter((s) => s === 'already-claimed')).toHaveLength(9);
    expect(memory.outbox(id)).toHaveLength(1);
    // Each instance writes its own event queue; another instance reads them once written.
    await Promise.all(registries.map((r) => r.events({ limit: 0 })));
    expect(await registries[7]!.events({ providerId: id, types: ['balance.warning.sent'] })).toHaveLength(1);
    expect((await monitors[9]!.status(id)).lastWarningDay).toBe('2025-06-01');

    clock.set('2025-06-01T22:30:00Z');
    const nextDay = await Promise.all(monitors.map((m) => m.checkAll()));
    expect(nextDay.flat().filter((r) => r.ok && r.warning.status === 'sent')).toHaveLength(1);
    expect(memory.outbox(id)).toHaveLength(2);
  });
});
