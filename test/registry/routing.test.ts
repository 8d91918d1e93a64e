import { describe, expect, it } from 'vitest';
import { createRegistry, memoryStorage, memoryTransport, type Clock, type TransportErrorCode, type TransportStorage } from '../../src/index.js';
import { parseRetryAfter } from '../../src/core/retry-after.js';

const PHONE = '+41791234567';
const fast = { baseDelayMs: 1, maxDelayMs: 5, budgetMs: 5_000 };

/** A registry with three SMS providers a, b, c and an e-mail provider mail on the memory transport. */
async function world(options: { storage?: TransportStorage; clock?: Clock; memory?: ReturnType<typeof memoryTransport> } = {}) {
  const memory = options.memory ?? memoryTransport();
  const storage = options.storage ?? memoryStorage();
  const registry = createRegistry({ storage, types: [memory], circuitFailureThreshold: 2, circuitCooldownMs: 1_000, ...(options.clock ? { clock: options.clock } : {}) });
  for (const id of ['a', 'b', 'c']) await registry.create({ type: 'memory', id, config: { channel: 'sms' } }).catch(() => undefined);
  await registry.create({ type: 'memory', id: 'mail', config: { channel: 'email' } }).catch(() => undefined);
  return { memory, storage, registry, sentBy: (id: string) => memory.outbox(id).length };
}

describe('failover', () => {
  const triggers: [TransportErrorCode, number][] = [
    ['UNAVAILABLE', 3], // retryable: three attempts on a, then b
    ['INVALID_RECIPIENT', 1], // unreachable on this provider: straight to b
    ['INSUFFICIENT_CREDIT', 1],
    ['AUTH_FAILED', 1],
  ];
  for (const [code, attemptsOnA] of triggers) {
    it(`moves on after ${code} (${attemptsOnA} attempt(s) on the first provider)`, async () => {
      const { registry, memory, sentBy } = await world();
      memory.failNext(code, { providerId: 'a', times: 5 });
      const result = await registry.send({ providers: ['a', 'b'] }, { to: PHONE, text: 'hello' }, { retry: fast });
      expect(result.providerId).toBe('b');
      expect(result.attempts.filter((x) => x.providerId === 'a')).toHaveLength(attemptsOnA);
      expect(result.attempts.at(-1)).toEqual({ providerId: 'b', ok: true });
      expect([sentBy('a'), sentBy('b')]).toEqual([0, 1]);
      const events = await registry.events({ types: ['route.failover'] });
      expect(events.at(-1)?.message).toBe(`skipped a: ${code}, trying b`);
    });
  }

  it('stops on a fault of the message, and on a send whose outcome is unknown', async () => {
    const { registry, memory, sentBy } = await world({});
    memory.failNext('MESSAGE_INVALID', { providerId: 'a' });
    await expect(registry.send({ providers: ['a', 'b'] }, { to: PHONE, text: 'x' }, { retry: fast })).rejects.toMatchObject({ code: 'MESSAGE_INVALID', details: { attempts: [{ providerId: 'a', decision: 'stop' }] } });
    memory.failNext('TIMEOUT', { providerId: 'a' });
    await expect(registry.send({ providers: ['a', 'b'] }, { to: PHONE, text: 'x' }, { retry: fast })).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(sentBy('b')).toBe(0);
  });

  it('fails with every attempt listed when no provider delivers', async () => {
    const { registry, memory } = await world();
    memory.failNext('AUTH_FAILED', { times: 10 });
    const error = await registry.send({ providers: ['a', 'b'] }, { to: PHONE, text: 'x' }, { retry: fast }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('a: AUTH_FAILED, b: AUTH_FAILED'), details: { outcome: 'not-sent' } });
  });

  it('sends to a channel default and crosses from e-mail to text only with a mapper', async () => {
    const { registry, memory, sentBy } = await world();
    await registry.setDefault('a', { tenant: 'acme' });
    expect((await registry.send({ channel: 'sms', tenant: 'acme' }, { to: PHONE, text: 'hi' })).providerId).toBe('a');
    memory.failNext('UNAVAILABLE', { providerId: 'mail', times: 10 });
    const mail = { to: 'alice@example.org', subject: 'Code', text: 'Your code is 123456' };
    await expect(registry.send({ providers: ['mail', 'b'] }, mail, { retry: fast })).rejects.toMatchObject({ details: { attempts: expect.arrayContaining([{ providerId: 'b', ok: false, decision: 'skipped', reason: 'message-shape' }]) } });
    const mapped = await registry.send({ providers: ['mail', 'b'], mapMessage: (m, { shape }) => (shape === 'text' ? { to: PHONE, text: m.text ?? '' } : m) }, mail, { retry: fast });
    expect(mapped.providerId).toBe('b');
    expect(sentBy('b')).toBe(1);
  });
});

describe('strategies', () => {
  it('round-robin spreads sends evenly', async () => {
    const { registry, sentBy } = await world();
    for (let i = 0; i < 30; i++) await registry.send({ providers: ['a', 'b', 'c'], strategy: 'round-robin' }, { to: PHONE, text: `m${i}` });
    expect([sentBy('a'), sentBy('b'), sentBy('c')]).toEqual([10, 10, 10]);
  });

  it('takes a host strategy function and refuses one that invents providers', async () => {
    const { registry, sentBy } = await world();
    await registry.send({ providers: ['a', 'b', 'c'], strategy: (ids) => [...ids].reverse() }, { to: PHONE, text: 'x' });
    expect(sentBy('c')).toBe(1);
    await expect(registry.send({ providers: ['a'], strategy: () => ['zz'] }, { to: PHONE, text: 'x' })).rejects.toMatchObject({ code: 'CONFIG_INVALID', field: 'route.strategy' });
  });
});

describe('retries', () => {
  it('honours Retry-After', async () => {
    const { registry, memory } = await world();
    memory.failNext('RATE_LIMITED', { providerId: 'a', retryAfterSeconds: 1 });
    const result = await registry.send({ providers: ['a', 'b'] }, { to: PHONE, text: 'x' }, { retry: { attempts: 2, baseDelayMs: 1, budgetMs: 5_000 } });
    expect(result.providerId).toBe('a');
    expect((await registry.events({ types: ['route.retry'] }))[0]?.fields).toMatchObject({ code: 'RATE_LIMITED', delayMs: 1000 });
  });

  it('moves on when the Retry-After does not fit the budget, and aborts with the caller', async () => {
    const { registry, memory } = await world();
    memory.failNext('RATE_LIMITED', { providerId: 'a', retryAfterSeconds: 60 });
    expect((await registry.send({ providers: ['a', 'b'] }, { to: PHONE, text: 'x' }, { retry: { budgetMs: 2_000 } })).providerId).toBe('b');
    memory.failNext('UNAVAILABLE', { times: 10 });
    const controller = new AbortController();
    const sending = registry.send({ providers: ['a', 'b'] }, { to: PHONE, text: 'x' }, { retry: { attempts: 5, baseDelayMs: 5_000, maxDelayMs: 5_000, budgetMs: 60_000 }, signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(sending).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('parses Retry-After seconds and HTTP dates, digits first', () => {
    const now = Date.parse('2026-11-29T12:00:00Z');
    expect(parseRetryAfter(' 120 ', now)).toBe(120);
    expect(parseRetryAfter('Sun, 29 Nov 2026 12:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter('Sun Nov 29 12:01:00 2026', now)).toBe(60);
    expect(parseRetryAfter('1.5', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});

describe('idempotency', () => {
  it('two app instances with the same key send once and both get the result', async () => {
    const storage = memoryStorage();
    const memory = memoryTransport();
    const one = await world({ storage, memory });
    const two = await world({ storage, memory });
    const message = { to: PHONE, text: 'pay 10 CHF' };
    const results = await Promise.all([
      ...Array.from({ length: 10 }, () => one.registry.send('a', message, { idempotencyKey: 'order-17' })),
      ...Array.from({ length: 10 }, () => two.registry.send('a', message, { idempotencyKey: 'order-17' })),
    ]);
    expect(memory.outbox('a')).toHaveLength(1);
    expect(new Set(results.map((r) => r.messageId)).size).toBe(1);
    expect(results.filter((r) => r.replayed !== true)).toHaveLength(1);
    await expect(one.registry.send('a', { to: PHONE, text: 'pay 99 CHF' }, { idempotencyKey: 'order-17' })).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('frees the key after a send that surely failed, keeps it after an unknown outcome', async () => {
    const { registry, memory, sentBy } = await world();
    memory.failNext('AUTH_FAILED', { providerId: 'a' });
    await expect(registry.send('a', { to: PHONE, text: 'x' }, { idempotencyKey: 'k1', retry: false })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await registry.send('a', { to: PHONE, text: 'x' }, { idempotencyKey: 'k1' });
    expect(sentBy('a')).toBe(1);
    memory.failNext('TIMEOUT', { providerId: 'a' });
    await expect(registry.send('a', { to: PHONE, text: 'y' }, { idempotencyKey: 'k2' })).rejects.toMatchObject({ code: 'TIMEOUT' });
    await expect(registry.send('a', { to: PHONE, text: 'y' }, { idempotencyKey: 'k2' })).rejects.toMatchObject({ code: 'TIMEOUT', details: { replayed: true } });
    expect(sentBy('a')).toBe(1);
  });
});

describe('circuit breaker', () => {
  it('opens after consecutive failures, skips the provider, probes once after the cool-down and closes', async () => {
    let now = Date.UTC(2026, 0, 1);
    const clock = { now: () => now };
    const { registry, memory, sentBy } = await world({ clock });
    memory.failNext('UNAVAILABLE', { providerId: 'a', times: 2 });
    await registry.send({ providers: ['a', 'b'] }, { to: PHONE, text: '1' }, { retry: false });
    await registry.send({ providers: ['a', 'b'] }, { to: PHONE, text: '2' }, { retry: false });
    expect(registry.stats().delivery.a).toMatchObject({ circuit: 'open', failed: { UNAVAILABLE: 2 } });
    const skipped = await registry.send({ providers: ['a', 'b'] }, { to: PHONE, text: '3' });
    expect(skipped.attempts[0]).toEqual({ providerId: 'a', ok: false, decision: 'skipped', reason: 'circuit-open' });
    expect(sentBy('a')).toBe(0);
    now += 1_001;
    expect(registry.stats().delivery.a?.circuit).toBe('half-open');
    expect((await registry.send({ providers: ['a', 'b'] }, { to: PHONE, text: '4' })).providerId).toBe('a');
    expect(registry.stats().delivery.a?.circuit).toBe('closed');
  });

  it('never stays open for good: with every provider open it probes the one that failed first', async () => {
    let now = Date.UTC(2026, 0, 1);
    const { registry, memory } = await world({ clock: { now: () => now } });
    memory.failNext('UNAVAILABLE', { times: 4 });
    for (let i = 0; i < 2; i++) await registry.send({ providers: ['a', 'b'] }, { to: PHONE, text: 'x' }, { retry: false }).catch(() => undefined);
    now += 10;
    expect(registry.stats().delivery.b?.circuit).toBe('open');
    const result = await registry.send({ providers: ['a', 'b'] }, { to: PHONE, text: 'probe' }, { retry: false });
    expect(result.providerId).toBe('a');
  });
});

describe('delivery status', () => {
  it('stores accepted for tracked sends and moves forward only on reports, each a message.status event', async () => {
    const memory = memoryTransport();
    const registry = createRegistry({ types: [memory], deliveryStatus: 'all' });
    const p = await registry.create({ type: 'memory', config: { channel: 'sms' } });
    const { messageId } = await registry.send(p.id, { to: PHONE, text: 'x' });
    await expect.poll(() => registry.deliveryStatus(messageId!)).toMatchObject({ messageId, providerId: p.id, state: 'accepted' });
    expect(await registry.recordDeliveryStatus({ messageId: messageId!, providerId: p.id, state: 'read', at: new Date().toISOString() })).toBe(true);
    expect(await registry.recordDeliveryStatus({ messageId: messageId!, providerId: p.id, state: 'delivered', at: new Date().toISOString() })).toBe(false);
    expect((await registry.deliveryStatus(messageId!))?.state).toBe('read');
    expect((await registry.events({ types: ['message.status'] })).map((e) => e.fields.state)).toEqual(['read']);
    await expect(registry.recordDeliveryStatus({ messageId: 'm', providerId: p.id, state: 'lost' as never, at: 'now' })).rejects.toMatchObject({ code: 'MESSAGE_INVALID' });
  });

  it('by default tracks only providers that report delivery', async () => {
    const registry = createRegistry();
    const p = await registry.create({ type: 'memory', config: { channel: 'sms' } });
    const { messageId } = await registry.send(p.id, { to: PHONE, text: 'x' });
    await registry.events();
    expect(await registry.deliveryStatus(messageId!)).toBeUndefined();
  });
});
