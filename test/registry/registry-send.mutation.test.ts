import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createRegistry,
  generateSecretKey,
  memoryStorage,
  memoryTransport,
  TransportError,
  type DeliveryProvider,
  type LogEntry,
  type ProviderType,
  type SendResult,
  type TextMessage,
} from '../../src/index.js';
import { recordingTracer } from '../support/tracer.js';
import { leakyType } from './helpers.js';

/** A host delivery type whose send result and capabilities a test chooses. */
function hostType(
  options: { type?: string; secretFields?: readonly string[]; receipts?: boolean; result?: (to: string) => Partial<SendResult>; fails?: { count: number }; gate?: Promise<void> } = {},
): ProviderType<{ n?: number }, string, DeliveryProvider<TextMessage>> {
  const type = options.type ?? 'host';
  return {
    type,
    kind: 'delivery',
    channel: 'push',
    configSchema: z.object({ n: z.number().optional() }),
    secretFields: options.secretFields ?? ['token'],
    async create(_config, _secrets, context) {
      await options.gate;
      if (options.fails && options.fails.count > 0) {
        options.fails.count -= 1;
        throw new Error('build failed');
      }
      return {
        kind: 'delivery',
        id: context.providerId,
        type,
        channel: 'push',
        capabilities: { message: 'text', balance: false, unicode: true, attachments: false, deliveryReceipts: options.receipts ?? false, multipleRecipients: true },
        validateAddress: (a) => ({ ok: true, normalized: a }),
        async send(message) {
          const to = String(message.to);
          return { providerId: context.providerId, messageId: 'host-1', accepted: [to], rejected: [], ...options.result?.(to) };
        },
        async verify() {
          return { detail: 'ok' };
        },
        async close() {},
      };
    },
  };
}

/** A type that sends nothing (a second-factor verifier). */
const verifierType: ProviderType<{ n?: number }, never> = {
  type: 'checker',
  kind: 'verifier',
  channel: 'totp',
  configSchema: z.object({ n: z.number().optional() }),
  secretFields: [],
  create(_config, _secrets, context) {
    return { kind: 'verifier', id: context.providerId, type: 'checker', channel: 'totp', async verify() { return { ok: true }; }, async close() {} } as never;
  },
};

/** Lets background promises (the accepted status write) settle. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

async function rejection(promise: Promise<unknown>): Promise<TransportError> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof TransportError) return e;
    throw e;
  }
  throw new Error('expected a TransportError');
}

const sms = { to: '+41791234567', text: 'hi' };

describe('send', () => {
  it('a plain send is one attempt; with retry it goes through the router', async () => {
    const memory = memoryTransport();
    const registry = createRegistry({ types: [memory] });
    const p = await registry.create({ type: 'memory', id: 'p1', config: { channel: 'sms' } });
    const result = await registry.send(p.id, sms);
    expect(result.attempts).toStrictEqual([{ providerId: 'p1', ok: true }]);
    memory.failNext('UNAVAILABLE');
    const retried = await registry.send(p.id, sms, { retry: { attempts: 2, baseDelayMs: 0 } });
    expect(retried.attempts.map((a) => a.ok)).toStrictEqual([false, true]);
    await registry.close();
  });

  it('a routed send keeps the retry policy, the redaction list and the idempotency ttl', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const memory = memoryTransport();
    const registry = createRegistry({ types: [memory], clock: { now: () => now } });
    const p = await registry.create({ type: 'memory', id: 'p1', config: { channel: 'sms' } });
    memory.failNext('UNAVAILABLE', { times: 3, message: 'upstream down for Hidden-Word-7' });
    const failed = await rejection(registry.send({ providers: [p.id] }, sms, { retry: { attempts: 1 }, redact: ['Hidden-Word-7'] }));
    expect((failed.details?.attempts as unknown[]).length).toBe(1);
    memory.reset();
    const events = await registry.events({ providerId: p.id, types: ['send.failed'] });
    expect(events.map((e) => e.message)).toStrictEqual(['send failed: upstream down for [redacted]']);

    await registry.send(p.id, sms, { idempotencyKey: 'k1', idempotencyTtlMs: 1000 });
    now += 5000;
    await registry.send(p.id, sms, { idempotencyKey: 'k1', idempotencyTtlMs: 1000 });
    expect(memory.outbox(p.id)).toHaveLength(2);
    await registry.close();
  });

  it('without a redaction list nothing is redacted', async () => {
    const memory = memoryTransport();
    const registry = createRegistry({ types: [memory] });
    const p = await registry.create({ type: 'memory', config: { channel: 'sms' } });
    memory.failNext('AUTH_FAILED', { message: 'Stryker was here' });
    await expect(registry.send(p.id, sms)).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    const events = await registry.events({ providerId: p.id, types: ['send.failed'] });
    expect(events.map((e) => [e.severity, e.message])).toStrictEqual([['error', 'send failed: Stryker was here']]);
    await registry.close();
  });

  it('records the send event with the result', async () => {
    const registry = createRegistry({ types: [hostType()] });
    const p = await registry.create({ type: 'host', id: 'h1' });
    await registry.send(p.id, { to: 'device-1', text: 'x' });
    const events = await registry.events({ providerId: p.id, types: ['send'] });
    expect(events.map((e) => [e.message, e.fields])).toStrictEqual([['sent to 1 recipient(s)', { messageId: 'host-1', accepted: ['device-1'], rejected: [], segments: undefined }]]);
    await registry.close();
  });

  it('spans carry the route size, the provider and a message id only when there is one', async () => {
    const { tracer, spans } = recordingTracer();
    const registry = createRegistry({ types: [hostType({ result: () => ({ messageId: '' }) })], tracer });
    const p = await registry.create({ type: 'host', id: 'h1' });
    await registry.send({ providers: [p.id] }, { to: 'device-1', text: 'x' });
    await registry.test(p.id);
    expect(spans.map((s) => [s.name, s.attributes])).toStrictEqual([
      ['route send', { 'messaging.system': 'transportkit', 'messaging.operation.type': 'send', 'transportkit.route.providers': 1 }],
      ['send host', { 'messaging.system': 'transportkit', 'messaging.operation.type': 'send', 'transportkit.provider.id': 'h1', 'transportkit.provider.type': 'host' }],
      ['test host', { 'transportkit.provider.id': 'h1', 'transportkit.provider.type': 'host' }],
    ]);
    expect(spans.map((s) => s.kind)).toStrictEqual([3, 3, 0]);
    await registry.close();
  });

  it('a provider that delivers nothing cannot send', async () => {
    const registry = createRegistry({ types: [verifierType] });
    const p = await registry.create({ type: 'checker', id: 'v1' });
    const error = await rejection(registry.send(p.id, sms));
    expect([error.code, error.message, error.providerId]).toStrictEqual(['UNSUPPORTED', 'provider v1 (checker) does not deliver messages', 'v1']);
    await registry.close();
  });

  it('checks the message against the provider: one recipient at a time, valid addresses', async () => {
    const registry = createRegistry({ types: [leakyType(), memoryTransport()] });
    const p = await registry.create({ type: 'leaky', id: 'l1' });
    const many = await rejection(registry.send(p.id, { to: ['device:a', 'device:b'], text: 'x' }));
    expect([many.code, many.message, many.providerId, many.field]).toStrictEqual(['MESSAGE_INVALID', 'provider l1 sends to one recipient at a time', 'l1', 'message.to']);
    const bad = await rejection(registry.send(p.id, { to: 'nope', text: 'x' }));
    expect([bad.code, bad.message, bad.providerId, bad.field, bad.upstream]).toStrictEqual(['INVALID_RECIPIENT', 'invalid recipient address(es) for push: nope', 'l1', 'message.to', { rejected: ['nope'] }]);
    const m = await registry.create({ type: 'memory', id: 'm1', config: { channel: 'sms' } });
    const both = await rejection(registry.send(m.id, { to: ['12', '34'], text: 'x' }));
    expect([both.code, both.message]).toStrictEqual(['INVALID_RECIPIENT', 'invalid recipient address(es) for sms: 12, 34']);
    await registry.close();
  });
});

describe('delivery status', () => {
  it('is tracked for providers with receipts, with the upstream response cut to 1000 characters', async () => {
    const response = 'r'.repeat(1500);
    const registry = createRegistry({ types: [memoryTransport(), hostType({ receipts: true, result: () => ({ details: { response } }) })] });
    const host = await registry.create({ type: 'host', id: 'h1' });
    const memory = await registry.create({ type: 'memory', id: 'm1', config: { channel: 'sms' } });
    await registry.send(host.id, { to: 'device-1', text: 'x' });
    const { messageId } = await registry.send(memory.id, sms);
    await settle();
    const status = await registry.deliveryStatus('host-1');
    expect(status).toMatchObject({ messageId: 'host-1', providerId: 'h1', state: 'accepted' });
    expect(status?.detail).toBe('r'.repeat(1000));
    expect(await registry.deliveryStatus(messageId!)).toBeUndefined();
    await registry.close();
  });

  it('a failing status write is reported to the logger, never to the send', async () => {
    const logged: LogEntry[] = [];
    const storage = memoryStorage();
    (storage.deliveries as { advance: unknown }).advance = async () => {
      throw new Error('status store down');
    };
    const registry = createRegistry({ storage, types: [hostType({ receipts: true })], logger: (e) => void logged.push(e) });
    const p = await registry.create({ type: 'host', id: 'h1' });
    await registry.send(p.id, { to: 'device-1', text: 'x' });
    await settle();
    const errors = logged.filter((e) => e.event === 'registry.error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ level: 'error', msg: 'storing the accepted delivery status failed', providerId: '(registry)', providerType: 'registry', fields: { code: 'STORAGE_FAILED' } });
    expect(errors[0]!.fields.message).toBe('storage deliveries.advance failed');
    await registry.close();
  });

  it('records each stored change as a message.status event, a warning when it failed or expired', async () => {
    const registry = createRegistry({ types: [memoryTransport()] });
    const p = await registry.create({ type: 'memory', id: 'm1', config: { channel: 'sms' } });
    const at = new Date().toISOString();
    expect(await registry.recordDeliveryStatus({ messageId: 'a', providerId: p.id, state: 'delivered', at })).toBe(true);
    expect(await registry.recordDeliveryStatus({ messageId: 'b', providerId: p.id, state: 'failed', at, reason: 'bounced' })).toBe(true);
    expect(await registry.recordDeliveryStatus({ messageId: 'c', providerId: p.id, state: 'expired', at })).toBe(true);
    const events = await registry.events({ providerId: p.id, types: ['message.status'] });
    expect(events.map((e) => [e.severity, e.message, e.fields])).toStrictEqual([
      ['info', 'message a delivered', { messageId: 'a', state: 'delivered' }],
      ['warn', 'message b failed: bounced', { messageId: 'b', state: 'failed', reason: 'bounced' }],
      ['warn', 'message c expired', { messageId: 'c', state: 'expired' }],
    ]);
    await registry.close();
  });

  it('a status of an unknown provider is stored; other event failures are thrown', async () => {
    const storage = memoryStorage();
    const registry = createRegistry({ storage });
    const at = new Date().toISOString();
    expect(await registry.recordDeliveryStatus({ messageId: 'a', providerId: 'gone', state: 'delivered', at })).toBe(true);
    const p = await registry.create({ type: 'memory', id: 'm1', config: { channel: 'sms' } });
    (storage.providers as { get: unknown }).get = async () => {
      throw new Error('db down');
    };
    const fresh = createRegistry({ storage });
    await expect(fresh.recordDeliveryStatus({ messageId: 'b', providerId: p.id, state: 'delivered', at })).rejects.toMatchObject({ code: 'STORAGE_FAILED' });
    expect(await fresh.deliveryStatus('a')).toMatchObject({ state: 'delivered' });
    expect((await rejection(fresh.deliveryStatus(42 as never))).field).toBe('messageId');
    await Promise.all([registry.close(), fresh.close()]);
  });
});

describe('registry operations', () => {
  it('the test report is recorded as a passing or failing test event', async () => {
    const memory = memoryTransport();
    const registry = createRegistry({ types: [memory] });
    const p = await registry.create({ type: 'memory', id: 'm1', config: { channel: 'sms' } });
    expect((await registry.test(p.id)).ok).toBe(true);
    memory.failNext('AUTH_FAILED', { operation: 'verify', message: 'bad login' });
    expect((await registry.test(p.id)).ok).toBe(false);
    const events = await registry.events({ providerId: p.id, types: ['test'] });
    expect(events.map((e) => [e.severity, e.message, e.fields])).toStrictEqual([
      ['info', 'test passed', { steps: ['config', 'verify'] }],
      [
        'error',
        'test failed at step "verify"',
        {
          steps: [
            { name: 'config', ok: true, code: undefined, detail: 'type memory' },
            { name: 'verify', ok: false, code: 'AUTH_FAILED', detail: 'bad login' },
          ],
        },
      ],
    ]);
    expect((await rejection(registry.test(42 as never))).field).toBe('id');
    await registry.close();
  });

  it('names the argument that is wrong', async () => {
    const registry = createRegistry();
    const p = await registry.create({ type: 'memory', id: 'm1', config: { channel: 'sms' } });
    const fields = async (promise: Promise<unknown>) => {
      const e = await rejection(promise);
      return [e.code, e.field];
    };
    expect(await fields(registry.send(42 as never, sms))).toStrictEqual(['CONFIG_INVALID', 'target']);
    expect(await fields(registry.pruneEvents(42 as never))).toStrictEqual(['CONFIG_INVALID', 'options']);
    expect(await fields(registry.pruneEvents({ before: 'not a date' }))).toStrictEqual(['CONFIG_INVALID', 'before']);
    expect(await fields(registry.pruneEvents({ before: new Date(Number.NaN) }))).toStrictEqual(['CONFIG_INVALID', 'before']);
    expect(await fields(registry.recordEvent(p.id, 'loud' as never, 't', 'm'))).toStrictEqual(['CONFIG_INVALID', 'severity']);
    expect(await fields(registry.recordEvent(p.id, 'info', 42 as never, 'm'))).toStrictEqual(['CONFIG_INVALID', 'type']);
    expect(await fields(registry.recordEvent(p.id, 'info', 't', 42 as never))).toStrictEqual(['CONFIG_INVALID', 'message']);
    expect(await fields(registry.recordEvent(p.id, 'info', 't', 'm', 42 as never))).toStrictEqual(['CONFIG_INVALID', 'fields']);
    expect(await fields(registry.recordEvent(42 as never, 'info', 't', 'm'))).toStrictEqual(['CONFIG_INVALID', 'id']);
    expect(await fields(registry.redact(p.id, 42 as never))).toStrictEqual(['CONFIG_INVALID', 'text']);
    expect(await fields(registry.events({ since: 'yesterday' }))).toStrictEqual(['CONFIG_INVALID', 'query.since']);
    expect(await fields(registry.send(p.id, sms, 42 as never))).toStrictEqual(['CONFIG_INVALID', 'options']);
    expect(await fields(registry.send(p.id, sms, { signal: 'x' as never }))).toStrictEqual(['CONFIG_INVALID', 'options.signal']);
    expect(await fields(registry.send(p.id, sms, { retry: { attempts: 0 } }))).toStrictEqual(['CONFIG_INVALID', 'options.retry.attempts']);
    expect(await fields(registry.send(p.id, sms, { idempotencyKey: '' }))).toStrictEqual(['CONFIG_INVALID', 'options.idempotencyKey']);
    expect(await fields(registry.send(p.id, sms, { idempotencyTtlMs: 5 }))).toStrictEqual(['CONFIG_INVALID', 'options.idempotencyTtlMs']);
    expect(await fields(registry.send({ providers: [p.id], strategy: 42 as never }, sms))).toStrictEqual(['CONFIG_INVALID', 'route.strategy']);
    const mapper = await rejection(registry.send({ providers: [p.id], mapMessage: 42 as never }, sms));
    expect([mapper.code, mapper.field, mapper.providerId]).toStrictEqual(['CONFIG_INVALID', 'route.mapMessage', undefined]);
    expect(await fields(registry.defaultFor(42 as never))).toStrictEqual(['CONFIG_INVALID', 'target']);
    expect(await fields(registry.defaultFor({ channel: 42 as never }))).toStrictEqual(['CONFIG_INVALID', 'target.channel']);
    expect(await fields(registry.defaultFor({ channel: 'sms', tenant: 42 as never }))).toStrictEqual(['CONFIG_INVALID', 'target.tenant']);
    await registry.close();
  });

  it('a missing provider and a closed registry are reported with their fields', async () => {
    const registry = createRegistry();
    const missing = await rejection(registry.get('missing'));
    expect([missing.code, missing.message, missing.providerId]).toStrictEqual(['NOT_FOUND', 'provider "missing" does not exist', 'missing']);
    await registry.close();
    const closed = await rejection(registry.send('missing', sms));
    expect([closed.code, closed.message, closed.retryable]).toStrictEqual(['UNAVAILABLE', 'the registry is closed', false]);
  });

  it('a failing watch stop is reported to the logger by close', async () => {
    const logged: LogEntry[] = [];
    const storage = memoryStorage();
    (storage as { watch: unknown }).watch = async () => async () => {
      throw new Error('unwatch failed');
    };
    const registry = createRegistry({ storage, logger: (e) => void logged.push(e) });
    await registry.create({ type: 'memory', id: 'm1', config: { channel: 'sms' } });
    await registry.get('m1');
    await registry.close();
    expect(logged.filter((e) => e.event === 'registry.error').map((e) => [e.msg, e.fields])).toStrictEqual([['storage.watch could not be stopped', { code: undefined, message: 'unwatch failed' }]]);
    (storage as { watch: unknown }).watch = async () => () => Promise.reject(undefined);
    logged.length = 0;
    const other = createRegistry({ storage, logger: (e) => void logged.push(e) });
    await other.get('m1');
    await other.close();
    expect(logged.filter((e) => e.event === 'registry.error').map((e) => e.fields)).toStrictEqual([{ code: undefined, message: 'undefined' }]);
  });

  it('a stored config that no longer validates names the field and the provider', async () => {
    const storage = memoryStorage();
    const registry = createRegistry({ storage });
    await registry.create({ type: 'memory', id: 'm1', config: { channel: 'sms' } });
    const record = (await storage.providers.get('m1'))!;
    await storage.providers.update({ ...record, config: { channel: 42 }, version: record.version + 1 }, record.version);
    const fresh = createRegistry({ storage });
    const error = await rejection(fresh.resolve('m1'));
    expect([error.code, error.field, error.providerId]).toStrictEqual(['CONFIG_INVALID', 'config.channel', 'm1']);
    await Promise.all([registry.close(), fresh.close()]);
  });

  it('events of a provider whose build failed, or whose secret does not open, are recorded all the same', async () => {
    const storage = memoryStorage();
    const fails = { count: 1 };
    const registry = createRegistry({ storage, types: [hostType({ fails })], secretKeys: { keys: { k1: generateSecretKey() }, current: 'k1' } });
    const p = await registry.create({ type: 'host', id: 'h1', name: 'Stryker was here', secrets: { token: 'Token-Value-1' } });
    await expect(registry.resolve(p.id)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await registry.recordEvent(p.id, 'info', 'host.note', 'saw Token-Value-1');
    const other = createRegistry({ storage, types: [hostType()], secretKeys: { keys: { k2: generateSecretKey() }, current: 'k2' } });
    await other.recordEvent(p.id, 'info', 'host.note', 'Stryker was here');
    await other.close();
    const events = await registry.events({ providerId: p.id, types: ['host.note', 'provider.created'] });
    expect(events.map((e) => e.message).sort()).toStrictEqual(['Stryker was here', 'provider "Stryker was here" created', 'saw [redacted]']);
    await registry.close();
  });
});

describe('records', () => {
  it('events recorded while a build is failing use a fresh recorder', async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const registry = createRegistry({ types: [hostType({ fails: { count: 1 }, gate })] });
    const p = await registry.create({ type: 'host', id: 'h1', secrets: { token: 'Token-Value-2' } });
    const building = registry.resolve(p.id).catch((e: unknown) => e);
    const recording = registry.recordEvent(p.id, 'info', 'host.note', 'saw Token-Value-2');
    open();
    await recording;
    expect(await building).toMatchObject({ code: 'UNAVAILABLE' });
    expect((await registry.events({ providerId: p.id, types: ['host.note'] })).map((e) => e.message)).toStrictEqual(['saw [redacted]']);
    await registry.close();
  });

  it('a change without an expected version is tried five times on conflicts, with one once', async () => {
    const storage = memoryStorage();
    let calls = 0;
    (storage.providers as { update: unknown }).update = async () => {
      calls += 1;
      throw new TransportError('CONFLICT', 'changed meanwhile');
    };
    const registry = createRegistry({ storage });
    const p = await registry.create({ type: 'memory', id: 'm1', config: { channel: 'sms' } });
    const error = await rejection(registry.update(p.id, { name: 'x' }));
    expect([error.code, error.providerId, calls]).toStrictEqual(['CONFLICT', 'm1', 5]);
    calls = 0;
    await expect(registry.update(p.id, { name: 'x', expectedVersion: p.version })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(calls).toBe(1);
    await registry.close();
  });

  it('refuses unknown config keys, with the provider when it exists', async () => {
    const registry = createRegistry();
    const created = await rejection(registry.create({ type: 'memory', config: { channel: 'sms', zzzzzzzz: 1 } as never }));
    expect(created.toJSON()).toMatchObject({ code: 'CONFIG_INVALID', message: 'invalid config.zzzzzzzz: not a setting of memory', field: 'config.zzzzzzzz', providerId: undefined });
    const p = await registry.create({ type: 'memory', id: 'm1', config: { channel: 'sms' } });
    const updated = await rejection(registry.update(p.id, { config: { zzzzzzzz: 1 } as never }));
    expect([updated.message, updated.field, updated.providerId]).toStrictEqual(['invalid config.zzzzzzzz: not a setting of memory', 'config.zzzzzzzz', 'm1']);
    await registry.close();
  });

  it('checks secret fields and values', async () => {
    const registry = createRegistry({ types: [memoryTransport(), verifierType, hostType({ secretFields: ['token', 'extra'] })] });
    const p = await registry.create({ type: 'memory', id: 'm1', config: { channel: 'sms' } });
    const invalid = async (field: string, value: unknown) => {
      const e = await rejection(registry.setSecret(p.id, field, value as string));
      return [e.code, e.message, e.field, e.providerId];
    };
    expect(await invalid('password', '')).toStrictEqual(['CONFIG_INVALID', 'secret "password" must be a non-empty string', 'secrets.password', 'm1']);
    expect(await invalid('password', 42)).toStrictEqual(['CONFIG_INVALID', 'secret "password" must be a non-empty string', 'secrets.password', 'm1']);
    expect(await invalid('password', 'x'.repeat(65_537))).toStrictEqual(['CONFIG_INVALID', 'secret "password" must be a non-empty string', 'secrets.password', 'm1']);
    expect(await invalid('nope', 'v')).toStrictEqual(['CONFIG_INVALID', '"nope" is not a secret field of memory (known: password)', 'secrets.nope', 'm1']);
    await registry.setSecret(p.id, 'password', 'x'.repeat(65_536));
    const h = await registry.create({ type: 'host', id: 'h1' });
    expect((await rejection(registry.setSecret(h.id, 'nope', 'v'))).message).toBe('"nope" is not a secret field of host (known: token, extra)');
    const v = await registry.create({ type: 'checker', id: 'v1' });
    const none = await rejection(registry.setSecret(v.id, 'code', 'v'));
    expect(none.message).toBe('"code" is not a secret field of checker (known: none)');
    await registry.close();
  });

  it('an unknown type names the known ones', async () => {
    const registry = createRegistry();
    const error = await rejection(registry.create({ type: 'nope' as never }));
    expect(error.toJSON()).toMatchObject({ code: 'NOT_FOUND', message: 'unknown provider type "nope" (known: memory, route)', field: 'type', details: { known: ['memory', 'route'] } });
    const numeric = await rejection(registry.create({ type: 42 as never }));
    expect([numeric.code, numeric.message]).toStrictEqual(['NOT_FOUND', 'unknown provider type "42" (known: memory, route)']);
    await registry.close();
  });

  it('info lists the secret fields of the type and of the record, and the change time from the clock', async () => {
    const storage = memoryStorage();
    let now = Date.parse('2026-02-01T00:00:00Z');
    const full = createRegistry({ storage, types: [memoryTransport(), hostType({ secretFields: ['token', 'extra'] })], clock: { now: () => now } });
    const h = await full.create({ type: 'host', id: 'h1', secrets: { token: 't-1' } });
    expect(h.secrets).toStrictEqual({ token: { set: true }, extra: { set: false } });
    now += 60_000;
    expect((await full.update(h.id, { name: 'renamed' })).updatedAt).toBe('2026-02-01T00:01:00.000Z');
    const partial = createRegistry({ storage, types: [memoryTransport()] });
    expect((await partial.get(h.id)).secrets).toStrictEqual({ token: { set: true } });
    await Promise.all([full.close(), partial.close()]);
  });

  it('the used-by view lists the global default first, then tenants in order, with labels', async () => {
    const registry = createRegistry();
    const p = await registry.create({ type: 'memory', id: 'm1', config: { channel: 'sms' } });
    await registry.setDefault(p.id, { tenant: 'beta' });
    await registry.setDefault(p.id);
    await registry.setDefault(p.id, { tenant: 'alpha' });
    expect(await registry.usages(p.id)).toStrictEqual([
      { kind: 'global-default', id: 'sms', label: 'global default sms provider' },
      { kind: 'tenant-default', id: 'alpha/sms', label: 'default sms provider of tenant alpha' },
      { kind: 'tenant-default', id: 'beta/sms', label: 'default sms provider of tenant beta' },
    ]);
    expect(await registry.defaultFor({ channel: 'sms' })).toBe('m1');
    await registry.close();
  });
});
