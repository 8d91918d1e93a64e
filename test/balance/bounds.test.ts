import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { BalanceMonitor } from '../../src/index.js';
import { fixture, users } from './helpers.js';

describe('BalanceMonitor: every wait is bounded', () => {
  it('a user directory that never answers makes check and status report lookup-failed within the deadline', async () => {
    const f = fixture();
    const id = await f.provider('SMS', { balance: 3 });
    const monitor = new BalanceMonitor({ registry: f.registry, users: { getAddress: () => new Promise<string>(() => {}) }, checkTimeoutMs: 50 });
    await monitor.configure(id, { threshold: 10, notifyUserId: 'admin' });
    const result = await monitor.check(id);
    expect(result).toMatchObject({ ok: true, below: true, warning: { status: 'skipped', reason: 'lookup-failed', detail: expect.stringContaining('timed out') } });
    expect(await monitor.status(id)).toMatchObject({ recipientReady: false, recipientProblem: 'lookup-failed' });
    const stop = monitor.start({ every: '1h' });
    await expect(stop()).resolves.toBeUndefined();
    expect(f.memory.outbox(id)).toHaveLength(0);
  });
});

describe('BalanceMonitor: at most one warning a day, also after an unknown outcome', () => {
  it('keeps the claim when the warning send timed out (it may have been delivered)', async () => {
    const f = fixture();
    const id = await f.provider('SMS', { balance: 3 });
    const monitor = f.monitor();
    await monitor.configure(id, { threshold: 10, notifyUserId: 'admin' });
    f.memory.failNext('TIMEOUT', { operation: 'send', providerId: id });
    const timedOut = await monitor.check(id);
    expect(timedOut).toMatchObject({ ok: true, warning: { status: 'failed', outcome: 'unknown', error: { code: 'TIMEOUT' } } });
    const again = await monitor.check(id);
    expect(again).toMatchObject({ ok: true, warning: { status: 'already-claimed' } });
    expect(f.memory.outbox(id)).toHaveLength(0);
  });

  it('gives the claim back when the send surely failed, so a later check that day sends', async () => {
    const f = fixture();
    const id = await f.provider('SMS', { balance: 3 });
    const monitor = f.monitor();
    await monitor.configure(id, { threshold: 10, notifyUserId: 'admin' });
    f.memory.failNext('AUTH_FAILED', { operation: 'send', providerId: id });
    expect(await monitor.check(id)).toMatchObject({ ok: true, warning: { status: 'failed', outcome: 'not-sent' } });
    expect(await monitor.check(id)).toMatchObject({ ok: true, warning: { status: 'sent' } });
    expect(f.memory.outbox(id)).toHaveLength(1);
  });

  it('prints no secret of its providers', async () => {
    const f = fixture();
    const id = await f.registry.create({ type: 'memory', config: { channel: 'sms', balance: 3 }, secrets: { password: 'Monitor-Secret-77aa' } });
    const monitor = new BalanceMonitor({ registry: f.registry, users: users() });
    await monitor.check(id.id);
    expect(inspect(monitor, { depth: null, showHidden: true })).not.toContain('Monitor-Secret-77aa');
  });
});
