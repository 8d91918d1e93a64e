import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import {
  createRegistry,
  generateSecretKey,
  memoryStorage,
  memoryTransport,
  type DeliveryProvider,
  type LogEntry,
  type ProviderType,
  type TextMessage,
  type TracerLike,
  type TransportStorage,
  type UsageRef,
  type TransportError,
} from '../../src/index.js';
import { totp } from '../../src/providers/totp/index.js';
import { rejected } from '../support/thrown.js';

/** The tracer `autoTracer` finds (stands for an installed @opentelemetry/api). */
const auto = vi.hoisted(() => ({ tracer: { startActiveSpan: (_name: string, _options: unknown, fn: (span: unknown) => unknown) => fn({ setAttribute() {}, setStatus() {}, end() {} }) } }));
vi.mock('../../src/core/tracing.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../src/core/tracing.js')>()),
  autoTracer: () => Promise.resolve(auto.tracer),
}));

const T0 = Date.parse('2030-01-02T03:04:05.000Z');

/** The TransportError `fn` throws or rejects with (fails the test when it succeeds). */
const failure = (fn: () => unknown) => rejected(Promise.resolve().then(fn));

/** The coded part of an error, for toStrictEqual. */
function coded(e: TransportError): Record<string, unknown> {
  return { name: e.name, code: e.code, message: e.message, field: e.field, providerId: e.providerId };
}

/** A host type with two secret fields. */
function pairType(): ProviderType<{ n?: number }, 'alpha' | 'beta', DeliveryProvider<TextMessage>> {
  return {
    type: 'pair',
    kind: 'delivery',
    channel: 'push',
    configSchema: z.object({ n: z.number().optional() }),
    secretFields: ['alpha', 'beta'],
    create(_config, secrets, context) {
      return {
        kind: 'delivery',
        id: context.providerId,
        type: 'pair',
        channel: 'push',
        capabilities: { message: 'text', balance: false, unicode: true, attachments: false, deliveryReceipts: false, multipleRecipients: false },
        validateAddress: (a) => ({ ok: true, normalized: a }),
        async send(message) {
          return { providerId: context.providerId, messageId: `${secrets.alpha ?? '-'}/${secrets.beta ?? '-'}`, accepted: [String(message.to)], rejected: [] };
        },
        async verify() {
          return { detail: 'ok' };
        },
        async close() {},
      };
    },
  };
}

function setup(storage: TransportStorage = memoryStorage(), now = { t: T0 }) {
  const registry = createRegistry({ storage, types: [memoryTransport(), pairType()], clock: { now: () => now.t }, tracer: false });
  return { storage, registry, now };
}

/** Events of a provider, without ids and times. */
async function eventsOf(registry: ReturnType<typeof setup>['registry'], providerId: string, type: string) {
  return (await registry.events({ providerId, types: [type] })).map(({ severity, type: t, message, fields, providerType }) => ({ severity, type: t, message, fields, providerType }));
}

describe('constructor checks', () => {
  it('names the bad option', async () => {
    expect(coded(await failure(() => createRegistry(null as never)))).toStrictEqual({ name: 'TransportError', code: 'CONFIG_INVALID', message: 'invalid options: must be an object', field: 'options', providerId: undefined });
    expect(await failure(() => createRegistry({ storageTimeoutMs: 0 }))).toMatchObject({ code: 'CONFIG_INVALID', field: 'options.storageTimeoutMs' });
    expect(coded(await failure(() => createRegistry({ storage: { ...memoryStorage(), processLocal: false } })))).toStrictEqual({
      name: 'TransportError',
      code: 'CONFIG_INVALID',
      message: 'secretKeys is required with a persistent storage adapter',
      field: 'secretKeys',
      providerId: undefined,
    });
    expect(await failure(() => createRegistry({ defaultEventLevel: 'loud' as never }))).toMatchObject({ code: 'CONFIG_INVALID', field: 'defaultEventLevel' });
    expect(String((await failure(() => createRegistry({ defaultEventLevel: 'loud' as never }))).message)).toMatch(/^invalid defaultEventLevel: /);
  });

  it('refuses types that are not a list of provider types', async () => {
    expect(coded(await failure(() => createRegistry({ types: memoryTransport() as never })))).toStrictEqual({
      name: 'TransportError',
      code: 'CONFIG_INVALID',
      message: 'invalid types: must be an array of provider types',
      field: 'types',
      providerId: undefined,
    });
    const notAType = { name: 'TransportError', code: 'CONFIG_INVALID', message: 'types must be provider types ({ type, configSchema, secretFields, create })', field: 'types', providerId: undefined };
    for (const bad of [null, { type: 'x' }, { type: 1, create: () => undefined }, { create: () => undefined }]) {
      expect(coded(await failure(() => createRegistry({ types: [bad as never] })))).toStrictEqual(notAType);
    }
    expect(coded(await failure(() => createRegistry({ types: [memoryTransport(), memoryTransport()] })))).toStrictEqual({
      name: 'TransportError',
      code: 'CONFIG_INVALID',
      message: 'provider type "memory" is registered twice',
      field: 'types',
      providerId: undefined,
    });
    expect((await failure(() => createRegistry({ types: [{ ...memoryTransport(), type: 'route' } as never] }))).message).toBe('provider type "route" is reserved for stored routes');
  });

  it('refuses a tracer that is no tracer, null included', async () => {
    const expected = { name: 'TransportError', code: 'CONFIG_INVALID', message: 'invalid tracer: must be an OpenTelemetry Tracer (startActiveSpan) or false', field: 'tracer', providerId: undefined };
    expect(coded(await failure(() => createRegistry({ tracer: null as never })))).toStrictEqual(expected);
    expect(coded(await failure(() => createRegistry({ tracer: {} as never })))).toStrictEqual(expected);
  });

  it('uses the OpenTelemetry tracer found when none is given, none with tracer: false, and the given one first', async () => {
    const found = createRegistry();
    const off = createRegistry({ tracer: false });
    const own: TracerLike = { startActiveSpan: (_name, _options, fn) => fn({ setAttribute() {}, setStatus() {}, end() {} }) };
    const given = createRegistry({ tracer: own });
    await Promise.resolve();
    await Promise.resolve();
    expect(found.tracer).toBe(auto.tracer);
    expect(off.tracer).toBeUndefined();
    expect(given.tracer).toBe(own);
    await Promise.all([found.close(), off.close(), given.close()]);
  });

  it('logs a failing storage.watch', async () => {
    const logged: LogEntry[] = [];
    const storage: TransportStorage = { ...memoryStorage(), watch: () => Promise.reject(Object.assign(new Error('no listen'), { code: 'ECONN' })) };
    const registry = createRegistry({ storage, logger: (e) => logged.push(e), clock: { now: () => T0 }, tracer: false });
    await vi.waitFor(() => expect(logged).toHaveLength(1));
    expect(logged).toStrictEqual([
      {
        level: 'error',
        time: T0,
        msg: 'storage.watch failed; reading records on every send',
        providerId: '(registry)',
        providerType: 'registry',
        event: 'registry.error',
        fields: { code: 'STORAGE_FAILED', message: 'storage watch failed' },
      },
    ]);
    await registry.close();
  });
});

describe('create, update and copy', () => {
  it('create names the code of a bad event level', async () => {
    const { registry } = setup();
    expect(await failure(() => registry.create({ type: 'memory', eventLevel: 'loud' as never }))).toMatchObject({ code: 'CONFIG_INVALID', field: 'eventLevel' });
  });

  it('list names a filter that is no object', async () => {
    const { registry } = setup();
    expect(coded(await failure(() => registry.list(null as never)))).toStrictEqual({ name: 'TransportError', code: 'CONFIG_INVALID', message: 'invalid filter: must be an object', field: 'filter', providerId: undefined });
  });

  it('a route over a provider that is no delivery provider maps messages for the text shape', async () => {
    const registry = createRegistry({ types: [memoryTransport(), totp()], tracer: false });
    await registry.create({ type: 'totp', id: 'v', config: { issuer: 'ACME' } });
    const shapes: string[] = [];
    const route = { providers: ['v'], mapMessage: (message: TextMessage, { shape }: { shape: string }) => (shapes.push(shape), message) };
    await failure(() => registry.send(route as never, { to: 'a@example.org', subject: 's', text: 't' }));
    expect(shapes).toStrictEqual(['text']);
    await registry.close();
  });

  it('update checks its arguments and names the field and provider', async () => {
    const { registry } = setup();
    const p = await registry.create({ type: 'memory', id: 'p', config: { channel: 'sms' } });
    expect(coded(await failure(() => registry.update('p', undefined as never)))).toStrictEqual({ name: 'TransportError', code: 'CONFIG_INVALID', message: 'invalid patch: required', field: 'patch', providerId: undefined });
    expect(await failure(() => registry.update('p', { config: 'x' as never }))).toMatchObject({ code: 'CONFIG_INVALID', field: 'patch.config', message: 'invalid patch.config: must be an object' });
    expect(await failure(() => registry.update('p', { name: ' ' }))).toMatchObject({ code: 'CONFIG_INVALID', field: 'name', providerId: 'p' });
    expect(await failure(() => registry.update('p', { eventLevel: 'loud' as never }))).toMatchObject({ code: 'CONFIG_INVALID', field: 'eventLevel', providerId: 'p' });
    expect(await registry.get('p')).toStrictEqual(p);
  });

  it('update without config keeps the stored config as it is, and records the changed fields', async () => {
    const { registry, storage } = setup();
    await registry.create({ type: 'memory', id: 'p', name: 'P', config: { channel: 'sms', balance: 1 } });
    const stored = (await storage.providers.get('p'))!;
    // A config written by an older version, without the defaults of today's schema.
    await storage.providers.update({ ...stored, config: { channel: 'sms' }, version: 2 }, 1);
    const renamed = await registry.update('p', { name: 'Q' });
    expect(renamed.config).toStrictEqual({ channel: 'sms' });
    await registry.update('p', { config: { balance: 5 } });
    expect(await eventsOf(registry, 'p', 'provider.updated')).toStrictEqual([
      { severity: 'info', type: 'provider.updated', message: 'provider "Q" updated', fields: { fields: [] }, providerType: 'memory' },
      { severity: 'info', type: 'provider.updated', message: 'provider "Q" updated', fields: { fields: ['balance'] }, providerType: 'memory' },
    ]);
  });

  it('copy checks its options, keeps the id free, and records the copy on the source', async () => {
    const { registry } = setup();
    await registry.create({ type: 'memory', id: 'src', name: 'Mail', config: { channel: 'email' } });
    expect(coded(await failure(() => registry.copy('src', null as never)))).toStrictEqual({ name: 'TransportError', code: 'CONFIG_INVALID', message: 'invalid options: must be an object', field: 'options', providerId: undefined });
    const copy = await registry.copy('src', { name: 'Other' });
    expect(copy.id).not.toBe('src');
    expect(await eventsOf(registry, 'src', 'provider.copied')).toStrictEqual([
      { severity: 'info', type: 'provider.copied', message: 'provider copied to "Other"', fields: { copyId: copy.id }, providerType: 'memory' },
    ]);
    expect(await eventsOf(registry, copy.id, 'provider.created')).toStrictEqual([
      { severity: 'info', type: 'provider.created', message: 'provider "Other" created', fields: { type: 'memory' }, providerType: 'memory' },
    ]);
  });
});

describe('stored routes whose provider is removed meanwhile', () => {
  /** A store that removes provider `a` (forced) right after the route `r` is written, and counts usage writes. */
  function racingStorage(on: 'insert' | 'update') {
    const base = memoryStorage();
    const writes: string[] = [];
    const storage: TransportStorage = {
      ...base,
      providers: {
        ...base.providers,
        async insert(record) {
          await base.providers.insert(record);
          if (on === 'insert' && record.id === 'r') {
            await base.providers.remove('a', { force: true });
            // Someone registered a usage of the new route in the meantime.
            await base.usages.add('r', { kind: 'form', id: 'f1' });
          }
        },
        async update(record, expectedVersion) {
          await base.providers.update(record, expectedVersion);
          if (on === 'update' && record.id === 'r') await base.providers.remove('a', { force: true });
        },
      },
      usages: {
        ...base.usages,
        add: (id, usage) => (writes.push(`add ${id} ${usage.kind}`), base.usages.add(id, usage)),
        remove: (id, kind, usageId) => (writes.push(`remove ${id} ${kind} ${usageId}`), base.usages.remove(id, kind, usageId)),
      },
    };
    return { storage, writes };
  }

  /** The error of a create or update whose provider went away while it ran. */
  const memberRemoved = {
    name: 'TransportError',
    code: 'CONFIG_INVALID',
    message: 'invalid config.providers: a provider of the route was removed meanwhile',
    field: 'config.providers',
    providerId: 'r',
  };

  it('create takes the route back and leaves no usage behind', async () => {
    const { storage, writes } = racingStorage('insert');
    const { registry } = setup(storage);
    await registry.create({ type: 'memory', id: 'a', config: { channel: 'sms' } });
    await registry.create({ type: 'memory', id: 'b', config: { channel: 'sms' } });
    const e = await failure(() => registry.create({ type: 'route', id: 'r', config: { providers: ['a', 'b'] } }));
    expect(coded(e)).toStrictEqual(memberRemoved);
    expect(await storage.providers.get('r')).toBeUndefined();
    expect(await registry.usages('b')).toStrictEqual([]);
    expect(writes.filter((w) => !w.includes('form'))).toStrictEqual(['add a route', 'add b route', 'remove a route r', 'remove b route r']);
    expect(await eventsOf(registry, 'r', 'provider.created')).toStrictEqual([]);
  });

  it('update fails naming the field, the route keeps its usages on the providers still there', async () => {
    const { storage, writes } = racingStorage('update');
    const { registry } = setup(storage);
    for (const id of ['a', 'b', 'c']) await registry.create({ type: 'memory', id, config: { channel: 'sms' } });
    await registry.create({ type: 'route', id: 'r', name: 'R', config: { providers: ['b'] } });
    expect(writes).toStrictEqual(['add b route']);
    const e = await failure(() => registry.update('r', { config: { providers: ['a', 'c'] } }));
    expect(coded(e)).toStrictEqual(memberRemoved);
    expect([await registry.usages('b'), await registry.usages('c')]).toStrictEqual([[], [{ kind: 'route', id: 'r', label: 'route "R"' }]]);
  });

  it('removing a route drops only its usages; removing a plain provider writes no usage', async () => {
    const { storage, writes } = racingStorage('update');
    const { registry } = setup(storage);
    await registry.create({ type: 'memory', id: 'b', config: { channel: 'sms' } });
    await registry.create({ type: 'route', id: 'r', config: { providers: ['b'] } });
    await registry.create({ type: 'memory', id: 'x', config: { channel: 'sms' } });
    writes.length = 0;
    await registry.remove('r');
    await registry.remove('x');
    expect(writes).toStrictEqual(['remove b route r']);
  });
});

describe('remove', () => {
  it('checks its arguments', async () => {
    const { registry } = setup();
    await registry.create({ type: 'memory', id: 'p' });
    expect(coded(await failure(() => registry.remove('p', null as never)))).toStrictEqual({ name: 'TransportError', code: 'CONFIG_INVALID', message: 'invalid options: must be an object', field: 'options', providerId: undefined });
    expect(await failure(() => registry.remove(7 as never))).toMatchObject({ code: 'CONFIG_INVALID', field: 'id' });
    expect((await registry.list()).map((p) => p.id)).toStrictEqual(['p']);
  });

  it('PROVIDER_IN_USE names the provider and every usage, labelled or not', async () => {
    const { registry } = setup();
    await registry.create({ type: 'memory', id: 'p', name: 'Mail', config: { channel: 'sms' } });
    await registry.addUsage('p', { kind: 'form', id: 'f1', label: 'Contact form' });
    await registry.addUsage('p', { kind: 'form', id: 'f2' });
    await registry.setDefault('p', { tenant: 't1' });
    const e = await failure(() => registry.remove('p'));
    expect(coded(e)).toStrictEqual({
      name: 'TransportError',
      code: 'PROVIDER_IN_USE',
      message: 'provider "Mail" is used by: Contact form, form f2, default sms provider of tenant t1',
      field: undefined,
      providerId: 'p',
    });
    expect(e.details).toStrictEqual({
      usages: [
        { kind: 'form', id: 'f1', label: 'Contact form' },
        { kind: 'form', id: 'f2' },
        { kind: 'tenant-default', id: 't1/sms', label: 'default sms provider of tenant t1' },
      ],
    });
  });

  it('PROVIDER_IN_USE names the id when the record cannot be read back', async () => {
    const base = memoryStorage();
    const hidden = { on: false };
    const storage: TransportStorage = { ...base, providers: { ...base.providers, get: async (id) => (hidden.on ? undefined : base.providers.get(id)) } };
    const { registry } = setup(storage);
    await registry.create({ type: 'memory', id: 'p', name: 'Mail' });
    await registry.addUsage('p', { kind: 'form', id: 'f2' });
    hidden.on = true;
    expect((await failure(() => registry.remove('p'))).message).toBe('provider "p" is used by: form f2');
  });

  it('records whether the removal dropped usages', async () => {
    const { registry } = setup();
    await registry.create({ type: 'memory', id: 'free', name: 'Free' });
    await registry.create({ type: 'memory', id: 'forced', name: 'Forced' });
    await registry.create({ type: 'memory', id: 'used', name: 'Used' });
    await registry.addUsage('used', { kind: 'form', id: 'f1' });
    await registry.remove('free');
    await registry.remove('forced', { force: true });
    await registry.remove('used', { force: true });
    const removed = async (id: string) => (await eventsOf(registry, id, 'provider.removed')).map((e) => [e.message, e.fields]);
    expect([await removed('free'), await removed('forced'), await removed('used')]).toStrictEqual([
      [['provider "Free" removed', { forced: false }]],
      [['provider "Forced" removed', { forced: false }]],
      [['provider "Used" removed', { forced: true }]],
    ]);
  });
});

describe('secrets', () => {
  it('setSecret and removeSecret check their arguments', async () => {
    const { registry } = setup();
    await registry.create({ type: 'pair', id: 'p', secrets: { alpha: 'alpha-1' } });
    const notAString = { name: 'TransportError', code: 'CONFIG_INVALID', message: 'invalid field: must be a string (got number)', field: 'field', providerId: undefined };
    const notAnObject = { name: 'TransportError', code: 'CONFIG_INVALID', message: 'invalid options: must be an object', field: 'options', providerId: undefined };
    expect(coded(await failure(() => registry.setSecret('p', 1 as never, 'x')))).toStrictEqual(notAString);
    expect(coded(await failure(() => registry.removeSecret('p', 1 as never)))).toStrictEqual(notAString);
    expect(coded(await failure(() => registry.setSecret('p', 'alpha', 'alpha-2', null as never)))).toStrictEqual(notAnObject);
    expect(coded(await failure(() => registry.removeSecret('p', 'alpha', null as never)))).toStrictEqual(notAnObject);
    expect((await registry.get('p')).version).toBe(1);
  });

  it('removeSecret removes that field only; both changes are recorded', async () => {
    const { registry } = setup();
    await registry.create({ type: 'pair', id: 'p', secrets: { alpha: 'alpha-1', beta: 'beta-1' } });
    await registry.setSecret('p', 'alpha', 'alpha-2');
    const info = await registry.removeSecret('p', 'beta');
    expect(info.secrets).toStrictEqual({ alpha: { set: true }, beta: { set: false } });
    expect((await registry.send('p', { to: 'device', text: 'x' })).messageId).toBe('alpha-2/-');
    const recorded = async (type: string) => (await eventsOf(registry, 'p', type)).map((e) => [e.severity, e.message, e.fields]);
    expect([await recorded('secret.changed'), await recorded('secret.removed')]).toStrictEqual([
      [['info', 'secret "alpha" changed', { field: 'alpha' }]],
      [['info', 'secret "beta" removed', { field: 'beta' }]],
    ]);
  });

  it('rotateSecrets stamps the re-sealed records with the clock', async () => {
    const storage = memoryStorage();
    const k1 = generateSecretKey();
    const k2 = generateSecretKey();
    const old = createRegistry({ storage, types: [memoryTransport()], secretKeys: { keys: { k1 }, current: 'k1' }, clock: { now: () => T0 }, tracer: false });
    await old.create({ type: 'memory', id: 'p', secrets: { password: 'pw-123456' } });
    const later = T0 + 60_000;
    const next = createRegistry({ storage, types: [memoryTransport()], secretKeys: { keys: { k1, k2 }, current: 'k2' }, clock: { now: () => later }, tracer: false });
    expect(await next.rotateSecrets()).toStrictEqual({ rotated: 1, skipped: [], remaining: 0 });
    expect((await next.get('p')).updatedAt).toBe(new Date(later).toISOString());
    await Promise.all([old.close(), next.close()]);
  });
});

describe('usages and defaults', () => {
  it('addUsage refuses the kinds derived from the defaults, and ids that are no strings', async () => {
    const { registry } = setup();
    await registry.create({ type: 'memory', id: 'p' });
    for (const kind of ['tenant-default', 'global-default']) {
      expect(coded(await failure(() => registry.addUsage('p', { kind, id: 'x' })))).toStrictEqual({
        name: 'TransportError',
        code: 'CONFIG_INVALID',
        message: `invalid usage.kind: "${kind}" is derived from the defaults; use setDefault()`,
        field: 'usage.kind',
        providerId: 'p',
      });
    }
    expect(await failure(() => registry.addUsage(5 as never, { kind: 'form', id: 'x' }))).toMatchObject({ code: 'CONFIG_INVALID', field: 'id' });
    expect(await registry.usages('p')).toStrictEqual([]);
  });

  it('removeUsage names the argument that is no string', async () => {
    const { registry } = setup();
    expect(await failure(() => registry.removeUsage(1 as never, 'form', 'f'))).toMatchObject({ code: 'CONFIG_INVALID', field: 'id' });
    expect(await failure(() => registry.removeUsage('p', 1 as never, 'f'))).toMatchObject({ code: 'CONFIG_INVALID', field: 'kind' });
    expect(await failure(() => registry.removeUsage('p', 'form', 1 as never))).toMatchObject({ code: 'CONFIG_INVALID', field: 'usageId' });
  });

  it('usages lists the defaults global first, then by tenant, whatever order the store returns', async () => {
    const base = memoryStorage();
    const storage: TransportStorage = { ...base, defaults: { ...base.defaults, list: async (filter) => (await base.defaults.list(filter)).reverse() } };
    const { registry } = setup(storage);
    await registry.create({ type: 'memory', id: 'p', config: { channel: 'sms' } });
    await registry.addUsage('p', { kind: 'form', id: 'f1' });
    await registry.setDefault('p', { tenant: 'a' });
    await registry.setDefault('p');
    await registry.setDefault('p', { tenant: 'b' });
    const expected: UsageRef[] = [
      { kind: 'form', id: 'f1' },
      { kind: 'global-default', id: 'sms', label: 'global default sms provider' },
      { kind: 'tenant-default', id: 'a/sms', label: 'default sms provider of tenant a' },
      { kind: 'tenant-default', id: 'b/sms', label: 'default sms provider of tenant b' },
    ];
    expect(await registry.usages('p')).toStrictEqual(expected);
  });

  it('setDefault checks the target and the tenant', async () => {
    const { registry } = setup();
    await registry.create({ type: 'memory', id: 'p', config: { channel: 'sms' } });
    expect(coded(await failure(() => registry.setDefault('p', null as never)))).toStrictEqual({ name: 'TransportError', code: 'CONFIG_INVALID', message: 'invalid target: must be an object', field: 'target', providerId: undefined });
    expect(await failure(() => registry.setDefault('p', { tenant: '' }))).toMatchObject({ code: 'CONFIG_INVALID', field: 'tenant', providerId: 'p' });
    expect(await registry.usages('p')).toStrictEqual([]);
  });

  it('defaultFor says what is missing', async () => {
    const { registry } = setup();
    expect(coded(await failure(() => registry.defaultFor({ channel: 'sms', tenant: 'a' })))).toStrictEqual({
      name: 'TransportError',
      code: 'NOT_FOUND',
      message: 'no default sms provider for tenant "a" and no global default',
      field: undefined,
      providerId: undefined,
    });
    expect((await failure(() => registry.defaultFor({ channel: 'sms' }))).message).toBe('no default sms provider and no global default');
    expect((await failure(() => registry.defaultFor({ channel: 'sms', tenant: null }))).message).toBe('no default sms provider and no global default');
  });

  it('defaultFor reads the global default once when no tenant is asked for, and the tenant first when one is', async () => {
    const storage = memoryStorage();
    const reads: (string | null)[] = [];
    const get = storage.defaults.get.bind(storage.defaults);
    const { registry } = setup({ ...storage, defaults: { ...storage.defaults, get: (channel, tenant) => (reads.push(tenant), get(channel, tenant)) } });
    await failure(() => registry.defaultFor({ channel: 'sms' }));
    expect(reads).toStrictEqual([null]);
    reads.length = 0;
    await failure(() => registry.defaultFor({ channel: 'sms', tenant: 'a' }));
    expect(reads).toStrictEqual(['a', null]);
  });
});
