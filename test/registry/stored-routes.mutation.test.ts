import { describe, expect, it } from 'vitest';
import { createRegistry, memoryStorage, memoryTransport } from '../../src/index.js';
import { syncRouteUsages } from '../../src/registry/stored-routes.js';

/** SMS providers a, b, c and a stored route r over a then b. */
async function world() {
  const storage = memoryStorage();
  const registry = createRegistry({ storage, types: [memoryTransport()] });
  for (const id of ['a', 'b', 'c']) await registry.create({ type: 'memory', id, name: `SMS ${id}`, config: { channel: 'sms' } });
  await registry.create({ type: 'route', id: 'r', name: 'SMS route', config: { providers: ['a', 'b'] } });
  return { storage, registry };
}

describe('stored routes: diagnostics and usages', () => {
  it('the Test of a route reports a provider removed since and one replaced by a route', async () => {
    const { registry } = await world();
    // A forced removal drops the route's usage, so the route still names the provider.
    await registry.remove('a', { force: true });
    await registry.remove('b', { force: true });
    await registry.create({ type: 'route', id: 'b', name: 'Inner', config: { providers: ['c'] } });
    const report = await registry.test('r');
    expect(report.steps.map(({ durationMs: _, ...step }) => step)).toStrictEqual([
      { name: 'config', ok: true, detail: 'type route' },
      { name: 'provider a', ok: false, code: 'NOT_FOUND', detail: 'provider "a" does not exist' },
      { name: 'provider b', ok: false, code: 'CONFIG_INVALID', detail: '"b" is a route; routes do not nest' },
    ]);
    expect([report.ok, report.errorCode]).toStrictEqual([false, 'NOT_FOUND']);
  });

  it('an update naming the route itself is refused as such, not as a nested route', async () => {
    const { registry } = await world();
    const error = await registry.update('r', { config: { providers: ['a', 'r'] } }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', field: 'config.providers[1]', providerId: 'r', message: 'invalid config.providers[1]: a route cannot name itself' });
  });

  it('syncRouteUsages is false when any provider is gone, and still registers the others', async () => {
    const { storage } = await world();
    const route = { id: 'r2', name: 'Second' };
    expect(await syncRouteUsages(storage, route, [], ['a', 'gone'])).toBe(false);
    expect(await storage.usages.list('a')).toStrictEqual([
      { kind: 'route', id: 'r', label: 'route "SMS route"' },
      { kind: 'route', id: 'r2', label: 'route "Second"' },
    ]);
    expect(await syncRouteUsages(storage, route, ['a'], ['c'])).toBe(true);
    expect([await storage.usages.list('a'), await storage.usages.list('c')]).toStrictEqual([[{ kind: 'route', id: 'r', label: 'route "SMS route"' }], [{ kind: 'route', id: 'r2', label: 'route "Second"' }]]);
  });
});
