import { afterEach, describe, expect, it } from 'vitest';
import { BalanceMonitor, createRegistry, type ProviderRegistry } from '../../src/index.js';
import { aspsms } from '../../src/providers/aspsms/index.js';
import { threema } from '../../src/providers/threema/index.js';
import { startAspsmsMock, startThreemaGatewayMock, type AspsmsMock, type ThreemaGatewayMock } from '../../src/testing/index.js';

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

async function setup(): Promise<{ registry: ProviderRegistry; sms: AspsmsMock; gateway: ThreemaGatewayMock; smsId: string; threemaId: string; clock: { t: number; now(): number } }> {
  const sms = await startAspsmsMock({ accounts: [{ userKey: 'MONITORKEY1', password: 'aspsms-pw', credits: 4.5 }] });
  const gateway = await startThreemaGatewayMock({ credits: 80, users: [{ id: 'ADMIN001' }] });
  const clock = { t: Date.parse('2026-03-10T08:00:00Z'), now() { return this.t; } };
  const registry = createRegistry({ types: [aspsms(), threema()], clock });
  const smsId = (await registry.create({ type: 'aspsms', name: 'SMS', config: { userKey: 'MONITORKEY1', originator: 'Monitor', serviceUrl: sms.url }, secrets: { password: 'aspsms-pw' } })).id;
  const settings = gateway.providerSettings();
  const threemaId = (await registry.create({ type: 'threema', name: 'Threema', config: settings.config, secrets: settings.secrets })).id;
  cleanup = async () => {
    await registry.close();
    await Promise.all([sms.close(), gateway.close()]);
  };
  return { registry, sms, gateway, smsId, threemaId, clock };
}

describe('BalanceMonitor against the ASPSMS and Threema mock peers', () => {
  it('reads both balances, warns once a day through each provider, and again the next day', async () => {
    const { registry, sms, gateway, smsId, threemaId, clock } = await setup();
    const users = { getAddress: (userId: string, channel: string) => (userId !== 'admin' ? undefined : channel === 'sms' ? '+41 79 555 01 02' : channel === 'threema' ? 'ADMIN001' : undefined) };
    const monitor = new BalanceMonitor({ registry, users });
    await monitor.configure(smsId, { threshold: 10, notifyUserId: 'admin' });
    await monitor.configure(threemaId, { threshold: 50, notifyUserId: 'admin' });
    expect((await monitor.status(smsId)).recipientReady).toBe(true);
    expect((await monitor.status(threemaId)).recipientReady).toBe(true);

    gateway.setCredits(20);
    const first = await monitor.checkAll();
    expect(first.filter((r) => r.ok)).toHaveLength(2);
    expect((await monitor.status(smsId)).lastBalance).toMatchObject({ amount: 4.5 });
    expect((await monitor.status(threemaId)).lastBalance).toMatchObject({ amount: 20 });
    expect(sms.sent.map((m) => m.recipients.map((r) => r.number))).toEqual([['+41795550102']]);
    expect(sms.sent[0]!.text).toContain('SMS');
    const inbox = gateway.inbox('ADMIN001');
    expect(inbox).toHaveLength(1);
    expect(inbox[0]!.content).toMatchObject({ type: 'text', text: expect.stringContaining('20') });

    await monitor.checkAll();
    clock.t += 6 * 3600_000;
    await monitor.checkAll();
    expect(sms.sent).toHaveLength(1);
    expect(gateway.inbox('ADMIN001')).toHaveLength(1);

    clock.t += 24 * 3600_000;
    await monitor.checkAll();
    expect(sms.sent).toHaveLength(2);
    expect(gateway.inbox('ADMIN001')).toHaveLength(2);
    const types = (await registry.events({ providerId: smsId })).map((e) => e.type);
    expect(types.filter((t) => t === 'balance.warning.sent')).toHaveLength(2);
  });

  it('records a failing balance query of one peer without stopping the other', async () => {
    const { registry, smsId, threemaId } = await setup();
    await registry.setSecret(smsId, 'password', 'wrong-password');
    const monitor = new BalanceMonitor({ registry, users: { getAddress: () => undefined } });
    const results = await monitor.checkAll();
    const byId = new Map(results.map((r) => [r.providerId, r]));
    expect(byId.get(smsId)).toMatchObject({ ok: false });
    expect(byId.get(threemaId)).toMatchObject({ ok: true });
    expect((await monitor.status(smsId)).lastError).toMatchObject({ code: 'AUTH_FAILED' });
  });
});

describe('BalanceMonitor last error', () => {
  it('stores the last error redacted with the provider secrets', async () => {
    const { registry, smsId } = await setup();
    const secret = 'Leaky-Password-77';
    await registry.setSecret(smsId, 'password', secret);
    const live = await registry.resolve(smsId);
    if (live.kind !== 'delivery') throw new Error('expected a delivery provider');
    live.getBalance = async () => {
      throw new Error(`upstream rejected password ${secret}`);
    };
    const monitor = new BalanceMonitor({ registry, users: { getAddress: () => undefined } });
    await monitor.check(smsId);
    const stored = JSON.stringify(await registry.storage.balance.get(smsId));
    expect(stored).toContain('[redacted]');
    expect(stored).not.toContain(secret);
  });
});
