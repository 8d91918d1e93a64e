import { describe, expect, it } from 'vitest';
import { memoryStorage, type ProviderRecord } from '../../src/index.js';

const record = (id: string, channel = 'sms'): ProviderRecord => ({
  id,
  type: 'memory',
  channel,
  name: id,
  config: { nested: { n: 1 } },
  secrets: { password: 'sealed' },
  eventLevel: 'errors',
  version: 1,
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-01T00:00:00.000Z',
});

/** Mutates any object, whatever its declared readonly-ness. */
const scribble = (value: unknown) => {
  (value as Record<string, unknown>).scribbled = true;
};

describe('memoryStorage pins', () => {
  it('keeps usages with the same id but another kind apart', async () => {
    const s = memoryStorage();
    await s.providers.insert(record('p1'));
    expect(await s.usages.add('p1', { kind: 'form', id: 'x', label: 'Form X' })).toBe(true);
    expect(await s.usages.add('p1', { kind: 'workflow', id: 'x', label: 'Workflow X' })).toBe(true);
    expect(await s.usages.add('p1', { kind: 'form', id: 'y' })).toBe(true);
    expect(await s.usages.list('p1')).toStrictEqual([
      { kind: 'form', id: 'x', label: 'Form X' },
      { kind: 'workflow', id: 'x', label: 'Workflow X' },
      { kind: 'form', id: 'y' },
    ]);
    expect(await s.usages.add('p1', { kind: 'workflow', id: 'x', label: 'renamed' })).toBe(true);
    expect(await s.usages.list('p1')).toStrictEqual([
      { kind: 'form', id: 'x', label: 'Form X' },
      { kind: 'workflow', id: 'x', label: 'renamed' },
      { kind: 'form', id: 'y' },
    ]);
    expect(await s.usages.remove('p1', 'workflow', 'y')).toBe(false);
    expect(await s.usages.remove('p1', 'workflow', 'x')).toBe(true);
    expect(await s.usages.remove('p1', 'workflow', 'x')).toBe(false);
    expect(await s.usages.list('p1')).toStrictEqual([
      { kind: 'form', id: 'x', label: 'Form X' },
      { kind: 'form', id: 'y' },
    ]);
    expect(await s.usages.remove('ghost', 'form', 'x')).toBe(false);
    expect(await s.usages.list('ghost')).toStrictEqual([]);
  });

  it('hands out copies from every getter, and stores copies of what it is given', async () => {
    const s = memoryStorage();
    const given = record('p1');
    await s.providers.insert(given);
    scribble(given);
    scribble(given.config);
    scribble(await s.providers.get('p1'));
    scribble((await s.providers.list())[0]);
    expect(await s.providers.get('p1')).toStrictEqual(record('p1'));
    const usage = { kind: 'form', id: 'f' };
    await s.usages.add('p1', usage);
    scribble(usage);
    scribble((await s.usages.list('p1'))[0]);
    expect(await s.usages.list('p1')).toStrictEqual([{ kind: 'form', id: 'f' }]);
    await s.defaults.set('sms', null, 'p1');
    scribble((await s.defaults.list())[0]);
    scribble((await s.defaults.list({ providerId: 'p1' }))[0]);
    expect(await s.defaults.list()).toStrictEqual([{ channel: 'sms', tenant: null, providerId: 'p1' }]);
    const state = { providerId: 'p1', threshold: 5 };
    await s.balance.put(state);
    scribble(state);
    scribble(await s.balance.get('p1'));
    expect(await s.balance.get('p1')).toStrictEqual({ providerId: 'p1', threshold: 5 });
    const event = { id: 'e1', providerId: 'p1', providerType: 'memory', time: '2025-01-01T00:00:00.000Z', severity: 'info' as const, type: 't', message: 'm', fields: { a: 1 } };
    await s.events.appendMany([event]);
    scribble(event);
    scribble((await s.events.list())[0]);
    expect(await s.events.list()).toStrictEqual([{ id: 'e1', providerId: 'p1', providerType: 'memory', time: '2025-01-01T00:00:00.000Z', severity: 'info', type: 't', message: 'm', fields: { a: 1 } }]);
    const removal = await s.providers.remove('p1', { force: true });
    expect(removal).toStrictEqual({ status: 'removed', record: record('p1'), usages: [{ kind: 'form', id: 'f' }], defaults: [{ channel: 'sms', tenant: null, providerId: 'p1' }] });
  });

  it('a forced remove deletes only the removed provider’s usages and defaults', async () => {
    const s = memoryStorage();
    await s.providers.insert(record('a'));
    await s.providers.insert(record('b'));
    await s.providers.insert(record('m', 'email'));
    await s.defaults.set('sms', null, 'a');
    await s.defaults.set('sms', 't1', 'b');
    await s.defaults.set('sms', 't2', 'a');
    await s.defaults.set('email', null, 'm');
    await s.usages.add('a', { kind: 'form', id: 'f' });
    await s.usages.add('b', { kind: 'form', id: 'f' });
    expect(await s.providers.remove('a', { force: false })).toStrictEqual({
      status: 'in-use',
      usages: [{ kind: 'form', id: 'f' }],
      defaults: [
        { channel: 'sms', tenant: null, providerId: 'a' },
        { channel: 'sms', tenant: 't2', providerId: 'a' },
      ],
    });
    expect((await s.providers.remove('a', { force: true })).status).toBe('removed');
    expect(await s.defaults.list()).toStrictEqual([
      { channel: 'sms', tenant: 't1', providerId: 'b' },
      { channel: 'email', tenant: null, providerId: 'm' },
    ]);
    expect(await s.usages.list('b')).toStrictEqual([{ kind: 'form', id: 'f' }]);
    expect(await s.usages.list('a')).toStrictEqual([]);
    expect(await s.providers.remove('a', { force: true })).toStrictEqual({ status: 'not-found' });
    // A provider with only a default is in use too.
    expect((await s.providers.remove('m', { force: false })).status).toBe('in-use');
    await s.providers.insert(record('c'));
    expect((await s.providers.remove('c', { force: false })).status).toBe('removed');
  });

  it('keeps defaults per channel and tenant; sets only for a provider of that channel; clear reports the previous one', async () => {
    const s = memoryStorage();
    await s.providers.insert(record('a'));
    expect(await s.defaults.set('email', null, 'a')).toBe(false);
    expect(await s.defaults.set('sms', null, 'ghost')).toBe(false);
    expect(await s.defaults.set('sms', 'x', 'a')).toBe(true);
    expect(await s.defaults.get('sms', 'x')).toBe('a');
    expect(await s.defaults.get('sms', null)).toBeUndefined();
    expect(await s.defaults.clear('sms', 'x')).toBe('a');
    expect(await s.defaults.clear('sms', 'x')).toBeUndefined();
    expect(await s.defaults.list()).toStrictEqual([]);
  });

  it('events: filters by provider, type and since, keeps the newest limit, drops the oldest beyond maxEvents, prunes', async () => {
    const s = memoryStorage({ maxEvents: 3 });
    const ev = (id: string, providerId: string, time: string, type = 't') => ({ id, providerId, providerType: 'memory', time, severity: 'info' as const, type, message: id, fields: {} });
    await s.events.appendMany([ev('1', 'a', '2025-01-01T00:00:03Z'), ev('2', 'b', '2025-01-01T00:00:01Z', 'u'), ev('3', 'a', '2025-01-01T00:00:02Z'), ev('4', 'a', '2025-01-01T00:00:04Z', 'u')]);
    // The oldest appended ('1') is dropped; lists are in time order.
    expect((await s.events.list()).map((e) => e.id)).toStrictEqual(['2', '3', '4']);
    expect((await s.events.list({ providerId: 'a', types: ['t'] })).map((e) => e.id)).toStrictEqual(['3']);
    expect((await s.events.list({ providerId: 'a' })).map((e) => e.id)).toStrictEqual(['3', '4']);
    expect((await s.events.list({ types: ['u'] })).map((e) => e.id)).toStrictEqual(['2', '4']);
    expect((await s.events.list({ since: '2025-01-01T00:00:02Z' })).map((e) => e.id)).toStrictEqual(['3', '4']);
    expect((await s.events.list({ limit: 2 })).map((e) => e.id)).toStrictEqual(['3', '4']);
    expect((await s.events.list({ limit: 5 })).map((e) => e.id)).toStrictEqual(['2', '3', '4']);
    expect(await s.events.prune({ before: '2025-01-01T00:00:02Z' })).toBe(1);
    expect((await s.events.list()).map((e) => e.id)).toStrictEqual(['3', '4']);
  });
});
