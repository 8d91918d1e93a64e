import { describe, expect, it } from 'vitest';
import { createRegistry, memoryStorage, memoryTransport, routeType, type RouteProvider } from '../../src/index.js';

const PHONE = '+41791234567';
const fast = { baseDelayMs: 1, maxDelayMs: 5, budgetMs: 5_000 };

/** Three SMS providers a, b, c on the memory transport and a stored route r over a then b. */
async function world() {
  const memory = memoryTransport();
  const storage = memoryStorage();
  const registry = createRegistry({ storage, types: [memory] });
  for (const id of ['a', 'b', 'c']) await registry.create({ type: 'memory', id, name: `SMS ${id}`, config: { channel: 'sms' } });
  const route = await registry.create({ type: 'route', id: 'r', name: 'SMS route', config: { providers: ['a', 'b'] } });
  return { memory, storage, registry, route };
}

describe('stored routes', () => {
  it('are records of the built-in route type, with defaults applied and a channel', async () => {
    const { registry, route } = await world();
    expect(route).toMatchObject({ id: 'r', type: 'route', channel: 'sms', name: 'SMS route', config: { channel: 'sms', providers: ['a', 'b'], strategy: 'failover' } });
    expect(registry.providerTypes().map((t) => t.type)).toContain('route');
    const live = (await registry.resolve('r')) as RouteProvider;
    expect(live).toMatchObject({ kind: 'route', id: 'r', channel: 'sms', route: { providers: ['a', 'b'], strategy: 'failover' } });
    expect(routeType.type).toBe('route');
  });

  it('send(routeId) fails over through the route, listing every attempt', async () => {
    const { registry, memory } = await world();
    memory.failNext('AUTH_FAILED', { providerId: 'a' });
    const result = await registry.send('r', { to: PHONE, text: 'hello' });
    expect(result.providerId).toBe('b');
    expect(result.attempts).toStrictEqual([
      { providerId: 'a', ok: false, code: 'AUTH_FAILED', decision: 'next' },
      { providerId: 'b', ok: true },
    ]);
    expect(memory.outbox('b')).toHaveLength(1);
    expect(memory.outbox('a')).toHaveLength(0);
    // With retries and an idempotency key the stored route is expanded the same way.
    const again = await registry.send('r', { to: PHONE, text: 'again' }, { retry: fast, idempotencyKey: 'k1' });
    expect(again.providerId).toBe('a');
    expect((await registry.send('r', { to: PHONE, text: 'again' }, { retry: fast, idempotencyKey: 'k1' })).replayed).toBe(true);
    expect(memory.outbox('a')).toHaveLength(1);
  });

  it('a route can be the default of its channel: sends to the default go through it', async () => {
    const { registry, memory } = await world();
    await registry.setDefault('r', { tenant: 'acme' });
    memory.failNext('UNAVAILABLE', { providerId: 'a', times: 5 });
    const result = await registry.send({ channel: 'sms', tenant: 'acme' }, { to: PHONE, text: 'hi' }, { retry: fast });
    expect(result.providerId).toBe('b');
    expect(await registry.usages('r')).toStrictEqual([{ kind: 'tenant-default', id: 'acme/sms', label: 'default sms provider of tenant acme' }]);
  });

  it('round-robin routes take turns', async () => {
    const { registry, memory } = await world();
    await registry.update('r', { config: { providers: ['a', 'b', 'c'], strategy: 'round-robin' } });
    for (let i = 0; i < 9; i += 1) await registry.send('r', { to: PHONE, text: `m${i}` });
    expect(['a', 'b', 'c'].map((id) => memory.outbox(id).length)).toStrictEqual([3, 3, 3]);
  });

  it('its providers are "used by" the route and cannot be removed while it names them', async () => {
    const { registry } = await world();
    const usage = { kind: 'route', id: 'r', label: 'route "SMS route"' };
    expect(await registry.usages('a')).toStrictEqual([usage]);
    expect(await registry.usages('c')).toStrictEqual([]);
    await expect(registry.remove('a')).rejects.toMatchObject({ code: 'PROVIDER_IN_USE', details: { usages: [usage] } });
    // Changing the route moves the usages.
    await registry.update('r', { config: { providers: ['b', 'c'] } });
    expect(await registry.usages('a')).toStrictEqual([]);
    expect(await registry.usages('c')).toStrictEqual([usage]);
    await registry.remove('a');
    // A copy is a route of its own, using the same providers.
    const copy = await registry.copy('r', { id: 'r2', name: 'Copy' });
    expect(copy.config).toStrictEqual({ channel: 'sms', providers: ['b', 'c'], strategy: 'failover' });
    expect(await registry.usages('b')).toStrictEqual([usage, { kind: 'route', id: 'r2', label: 'route "Copy"' }]);
    // Removing the routes frees their providers.
    await registry.remove('r');
    await registry.remove('r2');
    expect(await registry.usages('b')).toStrictEqual([]);
    await registry.remove('b');
  });

  it('refuses a missing provider, itself and another route, naming the field', async () => {
    const { registry } = await world();
    const cases: [string[], string, string][] = [
      [['a', 'nope'], 'config.providers[1]', 'provider "nope" does not exist'],
      [['r'], 'config.providers[0]', '"r" is a route; routes do not nest'],
      [['self'], 'config.providers[0]', 'a route cannot name itself'],
    ];
    for (const [providers, field, why] of cases) {
      const error = await registry.create({ type: 'route', id: 'self', config: { providers } }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'CONFIG_INVALID', field, message: `invalid ${field}: ${why}` });
    }
    await expect(registry.create({ type: 'route', config: { providers: [] } })).rejects.toMatchObject({ code: 'CONFIG_INVALID', field: 'config.providers' });
    await expect(registry.create({ type: 'route', config: { providers: ['a', 'a'] } })).rejects.toMatchObject({ code: 'CONFIG_INVALID', field: 'config.providers' });
    await expect(registry.update('r', { config: { providers: ['a', 'ghost'] } })).rejects.toMatchObject({ code: 'CONFIG_INVALID', field: 'config.providers[1]' });
    expect((await registry.get('r')).config).toMatchObject({ providers: ['a', 'b'] });
    expect(await registry.list({ type: 'route' })).toHaveLength(1);
  });

  it('the route type id is reserved', () => {
    const impostor = { ...memoryTransport(), type: 'route' };
    expect(() => createRegistry({ types: [impostor] })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', field: 'types', message: 'provider type "route" is reserved for stored routes' }));
  });

  it('the Test of a route checks each provider and sends through the route', async () => {
    const { registry, memory } = await world();
    memory.failNext('UNAVAILABLE', { providerId: 'a', times: 5 });
    const report = await registry.test('r', { to: PHONE });
    expect(report.steps.map(({ name, ok, detail }) => ({ name, ok, detail }))).toStrictEqual([
      { name: 'config', ok: true, detail: 'type route' },
      { name: 'provider a', ok: true, detail: 'SMS a (memory, sms)' },
      { name: 'provider b', ok: true, detail: 'SMS b (memory, sms)' },
      { name: 'send', ok: true, detail: expect.stringMatching(/^accepted by b as /) },
    ]);
    expect(report.ok).toBe(true);
  });

  it('a route inside a route is not sent through (routes do not nest)', async () => {
    const { registry } = await world();
    const error = await registry.send({ providers: ['r'] }, { to: PHONE, text: 'x' }, { retry: fast }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'UNAVAILABLE', details: { attempts: [{ providerId: 'r', ok: false, code: 'UNSUPPORTED' }] } });
  });
});
