import { describe, expect, it } from 'vitest';
import {
  createRegistry,
  generateSecretKey,
  memoryStorage,
  memoryTransport,
  SecretBox,
  type LogEntry,
  type ProviderEvent,
  type TransportStorage,
} from '../../src/index.js';
import { createSecondFactor } from '../../src/providers/totp/index.js';

const never = () => new Promise<never>(() => {});

/** A store whose `store.method` never answers. */
function hanging(store: keyof Omit<TransportStorage, 'processLocal' | 'close'>, method: string, base = memoryStorage()): TransportStorage {
  return { ...base, [store]: { ...base[store], [method]: never } };
}

/** A gate a test opens by hand. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('every storage call is bounded (storageTimeoutMs)', () => {
  const cases: [keyof Omit<TransportStorage, 'processLocal' | 'close'>, string, (r: ReturnType<typeof createRegistry>) => Promise<unknown>][] = [
    ['providers', 'get', (r) => r.get('p')],
    ['providers', 'list', (r) => r.list()],
    ['providers', 'insert', (r) => r.create({ type: 'memory', id: 'q' })],
    ['providers', 'update', (r) => r.update('p', { name: 'n' })],
    ['providers', 'remove', (r) => r.remove('p')],
    ['providers', 'get', (r) => r.send('p', { to: 'a@example.org', subject: 's', text: 't' })],
    ['usages', 'add', (r) => r.addUsage('p', { kind: 'form', id: 'f' })],
    ['usages', 'list', (r) => r.usages('p')],
    ['defaults', 'set', (r) => r.setDefault('p')],
    ['defaults', 'clear', (r) => r.clearDefault({ channel: 'email' })],
    ['defaults', 'get', (r) => r.defaultFor({ channel: 'email' })],
    ['events', 'list', (r) => r.events()],
    ['events', 'prune', (r) => r.pruneEvents({ before: new Date() })],
  ];
  for (const [store, method, call] of cases) {
    it(`${store}.${method} hanging gives TIMEOUT naming the operation`, async () => {
      const base = memoryStorage();
      const storage = hanging(store, method, base);
      await base.providers.insert({
        id: 'p', type: 'memory', channel: 'email', name: 'p', config: { channel: 'email' }, secrets: {}, eventLevel: 'all', version: 1,
        createdAt: new Date().toISOString(), updatedAt: new Date().toISOString(),
      });
      const registry = createRegistry({ storage, storageTimeoutMs: 30 });
      await expect(call(registry)).rejects.toMatchObject({ code: 'TIMEOUT', retryable: true, details: { operation: `${store}.${method}` } });
    });
  }

  it('bounds the TOTP and second-factor stores too', async () => {
    const storage = hanging('challenges', 'start');
    const registry = createRegistry({ storage, storageTimeoutMs: 30 });
    const p = await registry.create({ type: 'memory', config: { channel: 'sms' } });
    const factor = createSecondFactor({ registry });
    await expect(factor.challenge('u1', { providerId: p.id, address: '+41791234567' })).rejects.toMatchObject({ code: 'TIMEOUT' });
  });

  it('refuses a v1 adapter naming the missing method, and a bad timeout', () => {
    const base = memoryStorage();
    const v1 = { ...base, events: { append: async () => {}, list: base.events.list } } as unknown as TransportStorage;
    expect(() => createRegistry({ storage: v1 })).toThrowError(expect.objectContaining({ code: 'CONFIG_INVALID', field: 'storage.events.appendMany' }));
    expect(() => createRegistry({ storageTimeoutMs: -1 })).toThrowError(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});

describe('sends never wait on the event log', () => {
  it('a send resolves while the event store hangs, and the events are written once it answers', async () => {
    const base = memoryStorage();
    const release = gate();
    let writes = 0;
    const storage: TransportStorage = {
      ...base,
      events: { ...base.events, appendMany: async (batch) => (await release.opened, writes++, base.events.appendMany(batch)) },
    };
    const registry = createRegistry({ storage, storageTimeoutMs: 60_000 });
    const p = await registry.create({ type: 'memory', config: { channel: 'sms' } });
    for (let i = 0; i < 20; i++) await registry.send(p.id, { to: '+41791234567', text: `m${i}` });
    // Every send resolved before a single event was written.
    expect(writes).toBe(0);
    release.open();
    await registry.close();
    expect((await base.events.list({ types: ['send'] })).length).toBe(20);
    expect(registry.stats().events).toMatchObject({ queued: 0, dropped: 0, failed: 0 });
  });

  it('a send finishes before a slow append does', async () => {
    const base = memoryStorage();
    const order: string[] = [];
    const storage: TransportStorage = {
      ...base,
      events: { ...base.events, appendMany: async (batch) => (await new Promise((r) => setTimeout(r, 200)), order.push('append'), base.events.appendMany(batch)) },
    };
    const registry = createRegistry({ storage });
    const p = await registry.create({ type: 'memory', config: { channel: 'sms' } });
    await registry.send(p.id, { to: '+41791234567', text: 'hello' });
    order.push('sent');
    await registry.close();
    expect(order[0]).toBe('sent');
  });

  it('drops and counts events beyond the queue capacity, then reports the drop as an event', async () => {
    const base = memoryStorage();
    const release = gate();
    const logs: LogEntry[] = [];
    const storage: TransportStorage = { ...base, events: { ...base.events, appendMany: async (b) => (await release.opened, base.events.appendMany(b)) } };
    const registry = createRegistry({ storage, eventQueueCapacity: 5, eventBatchSize: 2, logger: (e) => logs.push(e) });
    const p = await registry.create({ type: 'memory', config: { channel: 'sms' } });
    for (let i = 0; i < 30; i++) await registry.send(p.id, { to: '+41791234567', text: `m${i}` });
    const stats = registry.stats().events;
    expect(stats.dropped).toBeGreaterThan(0);
    expect(stats.queued + stats.dropped).toBeGreaterThanOrEqual(30);
    release.open();
    const events = await registry.events();
    const dropped = events.filter((e: ProviderEvent) => e.type === 'events.dropped');
    expect(dropped.map((e) => e.fields.dropped).reduce((a, b) => Number(a) + Number(b), 0)).toBe(registry.stats().events.dropped);
    expect(dropped[0]).toMatchObject({ providerId: '(registry)', severity: 'warn' });
    expect(logs.some((l) => l.event === 'events.dropped')).toBe(true);
  });
});

describe('rotateSecrets', () => {
  const k1 = generateSecretKey();
  const k2 = generateSecretKey();

  it('skips and reports an unreadable record, rotates the rest, and continues on a second run', async () => {
    const storage = memoryStorage();
    const old = createRegistry({ storage, secretKeys: { keys: { k1 }, current: 'k1' } });
    const good = await old.create({ type: 'memory', secrets: { password: 'good-secret-1' } });
    const bad = await old.create({ type: 'memory', secrets: { password: 'bad-secret-22' } });
    const record = (await storage.providers.get(bad.id))!;
    // Sealed for another record: AAD binding makes it unreadable here.
    const foreign = new SecretBox({ keys: { k1 }, current: 'k1' }).seal('x-secret', { recordId: 'elsewhere', field: 'password' });
    await storage.providers.update({ ...record, secrets: { password: foreign } }, record.version);

    const registry = createRegistry({ storage, secretKeys: { keys: { k1, k2 }, current: 'k2' } });
    const report = await registry.rotateSecrets();
    expect(report.rotated).toBe(1);
    expect(report.remaining).toBe(1);
    expect(report.skipped).toEqual([expect.objectContaining({ providerId: bad.id, field: 'password', code: 'SECRET_UNREADABLE' })]);
    expect((await storage.providers.get(good.id))!.secrets.password!.startsWith('tk1.k2.')).toBe(true);
    expect((await storage.providers.get(bad.id))!.secrets.password).toBe(foreign);

    // The host repairs the record; the next run continues with what is left.
    await registry.setSecret(bad.id, 'password', 'repaired-secret');
    expect(await registry.rotateSecrets()).toEqual({ rotated: 0, skipped: [], remaining: 0 });
  });

  it('retries records updated concurrently and never loses the concurrent change', async () => {
    const storage = memoryStorage();
    const old = createRegistry({ storage, secretKeys: { keys: { k1 }, current: 'k1' } });
    const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => old.create({ type: 'memory', secrets: { password: `secret-${i}-value` } }).then((p) => p.id)));
    const registry = createRegistry({ storage, secretKeys: { keys: { k1, k2 }, current: 'k2' } });
    const other = createRegistry({ storage, secretKeys: { keys: { k1, k2 }, current: 'k2' } });
    const [report] = await Promise.all([registry.rotateSecrets(), ...ids.map((id, i) => other.update(id, { name: `renamed ${i}` }))]);
    expect(report.skipped).toEqual([]);
    const records = await storage.providers.list();
    for (const [i, id] of ids.entries()) {
      const r = records.find((x) => x.id === id)!;
      expect(r.name).toBe(`renamed ${i}`);
      expect(r.secrets.password!.startsWith('tk1.k2.')).toBe(true);
    }
    expect(report.rotated + (await registry.rotateSecrets()).rotated).toBe(20);
  });
});

describe('event retention', () => {
  it('prunes events before a time and keeps the rest', async () => {
    let now = Date.UTC(2026, 0, 1);
    const registry = createRegistry({ clock: { now: () => now } });
    const p = await registry.create({ type: 'memory', config: { channel: 'sms' } });
    await registry.send(p.id, { to: '+41791234567', text: 'old' });
    now += 40 * 86_400_000;
    await registry.send(p.id, { to: '+41791234567', text: 'new' });
    const removed = await registry.pruneEvents({ before: new Date(now - 30 * 86_400_000) });
    expect(removed).toBe(2);
    expect((await registry.events()).map((e) => e.type)).toEqual(['send']);
    await expect(registry.pruneEvents({ before: 'not a date' })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await registry.close();
  });
});

it('memoryTransport is still the default type', () => {
  expect(createRegistry().providerTypes().map((t) => t.type)).toEqual([memoryTransport().type, 'route']);
});
