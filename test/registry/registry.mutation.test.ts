import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createRegistry, generateSecretKey, memoryStorage, memoryTransport, type DeliveryProvider, type ProviderType, type TextMessage, type TransportStorage } from '../../src/index.js';

/** A host type with two secret fields that hands every build's opened secrets to `builds`; `failures` builds throw first. */
function twoSecrets(builds: Record<string, string>[], failures = { count: 0 }): ProviderType<{ n?: number }, 'alpha' | 'beta', DeliveryProvider<TextMessage>> {
  return {
    type: 'two',
    kind: 'delivery',
    channel: 'push',
    configSchema: z.object({ n: z.number().optional() }),
    secretFields: ['alpha', 'beta'],
    create(_config, secrets, context) {
      if (failures.count > 0) {
        failures.count -= 1;
        throw new Error('build failed');
      }
      builds.push({ ...secrets } as Record<string, string>);
      return {
        kind: 'delivery',
        id: context.providerId,
        type: 'two',
        channel: 'push',
        capabilities: { message: 'text', balance: false, unicode: true, attachments: false, deliveryReceipts: false, multipleRecipients: false },
        validateAddress: (a) => ({ ok: true, normalized: a }),
        async send(message) {
          return { providerId: context.providerId, messageId: 'm1', accepted: [String(message.to)], rejected: [] };
        },
        async verify() {
          return { detail: 'ok' };
        },
        async close() {},
      };
    },
  };
}

function registryOn(storage: TransportStorage, keys: Record<string, string>, current: string, builds: Record<string, string>[] = [], failures = { count: 0 }) {
  return createRegistry({ storage, types: [memoryTransport(), twoSecrets(builds, failures)], secretKeys: { keys, current }, defaultEventLevel: 'debug' });
}

describe('registry pins', () => {
  it('rotateSecrets re-seals the stale field and keeps the field that was not due', async () => {
    const storage = memoryStorage();
    const k1 = generateSecretKey();
    const k2 = generateSecretKey();
    const old = registryOn(storage, { k1 }, 'k1');
    const p = await old.create({ type: 'two', secrets: { alpha: 'alpha-value', beta: 'beta-old' } });
    const both = registryOn(storage, { k1, k2 }, 'k2');
    await both.setSecret(p.id, 'beta', 'beta-value');
    const before = (await storage.providers.get(p.id))!.secrets;
    expect(before.alpha!.startsWith('tk1.k1.')).toBe(true);
    expect(before.beta!.startsWith('tk1.k2.')).toBe(true);
    expect(await both.rotateSecrets()).toStrictEqual({ rotated: 1, skipped: [], remaining: 0 });
    const after = (await storage.providers.get(p.id))!.secrets;
    expect(Object.keys(after).sort()).toStrictEqual(['alpha', 'beta']);
    expect(after.beta).toBe(before.beta);
    const builds: Record<string, string>[] = [];
    const onlyNew = registryOn(storage, { k2 }, 'k2', builds);
    await onlyNew.resolve(p.id);
    expect(builds).toStrictEqual([{ alpha: 'alpha-value', beta: 'beta-value' }]);
    await Promise.all([old.close(), both.close(), onlyNew.close()]);
  });

  it('events recorded for a provider that is not built are redacted with its secrets all the same', async () => {
    const registry = registryOn(memoryStorage(), { k1: generateSecretKey() }, 'k1');
    const p = await registry.create({ type: 'two', secrets: { alpha: 'alpha-secret-1', beta: 'beta-secret-2' } });
    await registry.recordEvent(p.id, 'info', 'host.note', 'saw alpha-secret-1 and beta-secret-2', { detail: 'beta-secret-2' });
    expect(await registry.redact(p.id, 'x alpha-secret-1 y')).toBe('x [redacted] y');
    const events = await registry.events({ providerId: p.id, types: ['host.note'] });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ message: 'saw [redacted] and [redacted]', fields: { detail: '[redacted]' } });
    await registry.close();
  });

  it('a provider whose build failed is built again by the next operation', async () => {
    const builds: Record<string, string>[] = [];
    const failures = { count: 1 };
    const registry = registryOn(memoryStorage(), { k1: generateSecretKey() }, 'k1', builds, failures);
    const p = await registry.create({ type: 'two', secrets: { alpha: 'a-value', beta: 'b-value' } });
    await expect(registry.resolve(p.id)).rejects.toBeDefined();
    expect(failures.count).toBe(0);
    const provider = await registry.resolve(p.id);
    expect(provider.id).toBe(p.id);
    expect(builds).toHaveLength(1);
    expect(await registry.send(p.id, { to: 'device', text: 'hi' })).toMatchObject({ providerId: p.id, messageId: 'm1' });
    await registry.close();
  });

  it('a forced remove drops the removed provider’s defaults only, in every channel and tenant', async () => {
    const registry = createRegistry({ storage: memoryStorage(), types: [memoryTransport()] });
    const sms = (name: string) => registry.create({ type: 'memory', name, config: { channel: 'sms' } });
    const a = await sms('A');
    const b = await sms('B');
    const mail = await registry.create({ type: 'memory', name: 'M', config: { channel: 'email' } });
    await registry.setDefault(a.id);
    await registry.setDefault(b.id, { tenant: 't1' });
    await registry.setDefault(a.id, { tenant: 't2' });
    await registry.setDefault(mail.id);
    await registry.setDefault(mail.id, { tenant: 't1' });
    await registry.remove(a.id, { force: true });
    expect(await registry.defaultFor({ channel: 'sms', tenant: 't1' })).toBe(b.id);
    expect(await registry.defaultFor({ channel: 'email' })).toBe(mail.id);
    expect(await registry.defaultFor({ channel: 'email', tenant: 't1' })).toBe(mail.id);
    await expect(registry.defaultFor({ channel: 'sms', tenant: 't2' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(registry.defaultFor({ channel: 'sms' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await registry.usages(b.id)).map((u) => u.id)).toStrictEqual(['t1/sms']);
    const [removed] = await registry.events({ providerId: a.id, types: ['provider.removed'] });
    expect(removed).toMatchObject({ message: 'provider "A" removed', fields: { forced: true } });
    await registry.close();
  });
});
