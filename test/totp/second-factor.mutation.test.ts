import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createRegistry, memoryStorage, TransportError, type DeliveryProvider, type EmailMessage, type ProviderType, type TextMessage } from '../../src/index.js';
import { createSecondFactor, type SecondFactorOptions } from '../../src/providers/totp/index.js';
import { codeMatches, normalizeRecoveryCode } from '../../src/providers/totp/codes.js';
import { setup } from './setup.js';

const PHONE = '+41791234567';
const MAIL = 'alice@example.org';

async function world(options: Omit<SecondFactorOptions, 'registry'> = {}) {
  const base = setup();
  const create = async (channel: string, name = channel) => (await base.registry.create({ type: 'memory', name, config: { channel } })).id;
  const ids = { sms: await create('sms'), email: await create('email'), sms2: await create('sms', 'sms2') };
  const factor = createSecondFactor({ registry: base.registry, ...options });
  const deliveredCode = (to: string) => {
    const message = base.memory.last(to)?.message as EmailMessage | TextMessage | undefined;
    return /\b(\d{6,10})\b/.exec(message?.text ?? '')?.[1] ?? '';
  };
  const events = async (type: string) => (await base.registry.events({ types: [type] })).map((e) => ({ providerId: e.providerId, severity: e.severity, message: e.message, fields: e.fields }));
  return { ...base, ids, factor, deliveredCode, events };
}

async function rejection(promise: Promise<unknown>): Promise<TransportError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error instanceof TransportError) return error;
  throw new Error(`expected a TransportError, got ${String(error)}`);
}

const other = (code: string) => code.replace(/^./, (d) => String((Number(d) + 1) % 10));

describe('SecondFactor pins: challenge', () => {
  it('reports exactly what was delivered, and the message in the default language', async () => {
    const { ids, factor, clock, memory, deliveredCode, events } = await world({ ttlSeconds: 90 });
    const info = await factor.challenge('u1', { providerId: ids.sms, address: PHONE });
    expect(info).toStrictEqual({
      providerId: ids.sms,
      channel: 'sms',
      delivered: true,
      expiresAt: new Date(clock.now() + 90_000).toISOString(),
      resendAt: new Date(clock.now() + 30_000).toISOString(),
      messageId: memory.last(PHONE)!.messageId,
    });
    // 90 s rounds up to 2 minutes.
    expect(memory.last(PHONE)!.message).toStrictEqual({ to: PHONE, text: `Your sign-in code: ${deliveredCode(PHONE)} (valid for 2 min)` });
    expect(await events('second-factor.challenge')).toStrictEqual([{ providerId: ids.sms, severity: 'info', message: 'one-time code sent', fields: { userId: 'u1', expiresAt: info.expiresAt } }]);
    expect(await factor.pending('u1')).toStrictEqual({ providerId: ids.sms, delivered: true, expiresAt: info.expiresAt, attemptsLeft: 5 });
  });

  it('refuses bad input with the field named', async () => {
    const { ids, factor } = await world();
    expect(await rejection(factor.challenge('', { providerId: ids.sms, address: PHONE }))).toMatchObject({ code: 'MESSAGE_INVALID', field: 'userId' });
    expect(await rejection(factor.challenge('a\u0000b', { providerId: ids.sms, address: PHONE }))).toMatchObject({ code: 'MESSAGE_INVALID', field: 'userId' });
    expect(await rejection(factor.challenge('u1', { address: PHONE }))).toMatchObject({ code: 'MESSAGE_INVALID', field: 'options.providerId' });
    expect(await rejection(factor.challenge('u1', { providerId: ids.sms, route: { providers: [ids.sms] }, address: PHONE }))).toMatchObject({ code: 'MESSAGE_INVALID', field: 'options.providerId' });
    expect(await rejection(factor.challenge('u1', { route: { providers: [] }, address: PHONE }))).toMatchObject({ code: 'MESSAGE_INVALID', field: 'options.route.providers' });
    const bad = await rejection(factor.challenge('u1', { providerId: ids.sms, address: 'nope' }));
    expect(bad).toMatchObject({ code: 'INVALID_RECIPIENT', field: 'options.address', providerId: ids.sms, upstream: { rejected: ['nope'] } });
    expect(bad.message).toMatch(/^invalid sms address: /);
    const missing = await rejection(factor.challenge('u1', { providerId: ids.email }));
    expect(missing).toMatchObject({ code: 'MESSAGE_INVALID', field: 'options.address', providerId: ids.email, message: `invalid options.address: required for email provider ${ids.email}` });
  });

  it('takes the address of the provider’s channel from addresses before address', async () => {
    const { ids, factor, memory } = await world();
    await factor.challenge('u1', { providerId: ids.email, address: 'fallback@example.org', addresses: { email: MAIL, sms: PHONE } });
    expect(memory.last(MAIL)).toBeDefined();
    expect(memory.last('fallback@example.org')).toBeUndefined();
  });

  it('over a route: skips providers without a valid address, reports the attempts, binds the code to the first', async () => {
    const { ids, factor, memory, deliveredCode, storage } = await world();
    memory.failNext('INVALID_RECIPIENT', { providerId: ids.sms });
    const info = await factor.challenge('u1', { route: { providers: [ids.email, ids.sms, ids.sms2] }, addresses: { sms: PHONE } });
    expect(info).toMatchObject({ providerId: ids.sms2, channel: 'sms', delivered: true });
    expect(info.attempts?.map((a) => a.providerId)).toStrictEqual([ids.sms, ids.sms2]);
    const stored = await storage.challenges.get('u1');
    expect(stored).toMatchObject({ providerId: ids.sms, deliveredBy: ids.sms2 });
    expect(await factor.pending('u1')).toMatchObject({ providerId: ids.sms2 });
    expect(await factor.verify('u1', deliveredCode(PHONE))).toStrictEqual({ ok: true });
  });

  it('over a route: refuses a verifier, no address, or no provider that can take the address', async () => {
    const { ids, factor, authenticator } = await world();
    const auth = await authenticator();
    const verifier = await rejection(factor.challenge('u1', { route: { providers: [ids.sms, auth.id] }, address: PHONE }));
    expect(verifier).toMatchObject({ code: 'CONFIG_INVALID', field: 'options.route.providers[1]', providerId: auth.id, message: `invalid options.route.providers[1]: ${auth.id} does not deliver codes` });
    expect(await rejection(factor.challenge('u1', { route: { providers: [ids.sms] } }))).toMatchObject({ code: 'MESSAGE_INVALID', field: 'options.address', message: 'invalid options.address: required for a route' });
    expect(await rejection(factor.challenge('u1', { route: { providers: [ids.sms] }, address: MAIL }))).toMatchObject({
      code: 'INVALID_RECIPIENT',
      field: 'options.address',
      message: 'no provider of the route can deliver to the address(es) given',
    });
    // A provider that cannot be resolved is left out; when none is left, its error is the answer.
    expect(await rejection(factor.challenge('u1', { route: { providers: ['ghost'] }, address: PHONE }))).toMatchObject({ code: 'NOT_FOUND' });
    expect(await rejection(factor.challenge('u1', { route: { providers: ['ghost', ids.sms] }, addresses: { email: MAIL } }))).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('RATE_LIMITED by the send cap names the limit and when to retry', async () => {
    const { ids, factor, clock } = await world({ maxSends: 2, maxSendsWindowSeconds: 600, resendAfterSeconds: 0 });
    const start = clock.now();
    await factor.challenge('u1', { providerId: ids.sms, address: PHONE });
    clock.advance(1000);
    await factor.challenge('u1', { providerId: ids.email, address: MAIL });
    clock.advance(1000);
    const error = await rejection(factor.challenge('u1', { providerId: ids.sms, address: PHONE }));
    const retryAt = new Date(start + 600_000).toISOString();
    expect(error).toMatchObject({
      code: 'RATE_LIMITED',
      providerId: ids.sms,
      retryable: true,
      message: '2 codes were sent to this user within 600 s; request a new one in 598 s',
      details: { retryAt, retryAfterSeconds: 598, reason: 'send-limit', maxSends: 2 },
    });
    clock.set(Date.parse(retryAt));
    expect(await factor.challenge('u1', { providerId: ids.sms, address: PHONE })).toMatchObject({ delivered: true });
  });

  it('RATE_LIMITED by the resend window says by which channel, at least 1 s', async () => {
    const { ids, factor, clock } = await world({ resendAfterSeconds: 30 });
    await factor.challenge('u1', { providerId: ids.sms, address: PHONE });
    clock.advance(29_999);
    const error = await rejection(factor.challenge('u1', { providerId: ids.sms2, address: PHONE }));
    expect(error).toMatchObject({ providerId: ids.sms2, message: 'a code was sent by sms moments ago; request a new one in 1 s', details: { retryAfterSeconds: 1, reason: 'resend-window', channel: 'sms' } });
  });

  it('a verifier challenge reports exactly that nothing was delivered', async () => {
    const { factor, authenticator, clock, events } = await world();
    const auth = await authenticator();
    expect(await factor.challenge('u1', { providerId: auth.id })).toStrictEqual({ providerId: auth.id, channel: 'totp', delivered: false, expiresAt: new Date(clock.now() + 600_000).toISOString() });
    expect(await factor.pending('u1')).toStrictEqual({ providerId: auth.id, delivered: false, expiresAt: new Date(clock.now() + 600_000).toISOString(), attemptsLeft: 5 });
    expect((await events('second-factor.challenge'))[0]).toMatchObject({ providerId: auth.id, message: 'challenge started; the authenticator app provides the code', fields: { userId: 'u1' } });
  });
});

describe('SecondFactor pins: verify', () => {
  it('records a rejection with its reason; accepts at the last attempt; locks after maxAttempts', async () => {
    const { ids, factor, deliveredCode, events } = await world({ maxAttempts: 2 });
    await factor.challenge('u1', { providerId: ids.sms, address: PHONE });
    const code = deliveredCode(PHONE);
    expect(await factor.verify('u1', other(code))).toStrictEqual({ ok: false, reason: 'mismatch' });
    expect(await factor.pending('u1')).toMatchObject({ attemptsLeft: 1 });
    expect(await factor.verify('u1', code)).toStrictEqual({ ok: true });
    expect(await events('second-factor.rejected')).toStrictEqual([{ providerId: ids.sms, severity: 'warn', message: 'one-time code rejected: mismatch', fields: { userId: 'u1', reason: 'mismatch' } }]);
    expect(await events('second-factor.verified')).toStrictEqual([{ providerId: ids.sms, severity: 'info', message: 'one-time code accepted', fields: { userId: 'u1' } }]);
    await factor.challenge('u2', { providerId: ids.sms, address: PHONE });
    const code2 = deliveredCode(PHONE);
    expect(await factor.verify('u2', other(code2))).toStrictEqual({ ok: false, reason: 'mismatch' });
    expect(await factor.verify('u2', other(code2))).toStrictEqual({ ok: false, reason: 'locked' });
    expect(await factor.pending('u2')).toMatchObject({ attemptsLeft: 0 });
    expect(await factor.verify('u2', code2)).toStrictEqual({ ok: false, reason: 'locked' });
  });

  it('expires exactly at expiresAt, and an input longer than 64 characters is a mismatch', async () => {
    const { ids, factor, clock, deliveredCode } = await world({ ttlSeconds: 30 });
    await factor.challenge('u1', { providerId: ids.sms, address: PHONE });
    const code = deliveredCode(PHONE);
    expect(await factor.verify('u1', `${code}${'0'.repeat(59)}`)).toStrictEqual({ ok: false, reason: 'mismatch' });
    clock.advance(29_999);
    expect(await factor.pending('u1')).toBeDefined();
    clock.advance(1);
    expect(await factor.pending('u1')).toBeUndefined();
    expect(await factor.verify('u1', code)).toStrictEqual({ ok: false, reason: 'expired' });
  });

  it('a code is bound to its user: another user’s code does not open a challenge', async () => {
    const { ids, factor, deliveredCode } = await world({ codeLength: 10 });
    await factor.challenge('u1', { providerId: ids.sms, address: PHONE });
    const code1 = deliveredCode(PHONE);
    await factor.challenge('u2', { providerId: ids.email, address: MAIL });
    expect(await factor.verify('u2', code1)).toStrictEqual({ ok: false, reason: 'mismatch' });
    expect(await factor.verify('u1', code1)).toStrictEqual({ ok: true });
  });

  it('cancel drops the live challenge only when there is one', async () => {
    const { ids, factor } = await world();
    expect(await factor.cancel('u1')).toBe(false);
    await factor.challenge('u1', { providerId: ids.sms, address: PHONE });
    expect(await factor.cancel('u1')).toBe(true);
    expect(await factor.pending('u1')).toBeUndefined();
  });
});

describe('SecondFactor pins: recovery codes', () => {
  it('creates count codes, each works once, ends a live challenge, and the previous set stops working', async () => {
    const { ids, factor } = await world({ recoveryCodes: { count: 4 } });
    expect(await factor.recoveryCodesLeft('u1')).toBe(0);
    const first = await factor.createRecoveryCodes('u1');
    expect(first).toHaveLength(4);
    expect(new Set(first).size).toBe(4);
    const codes = await factor.createRecoveryCodes('u1');
    expect(await factor.useRecoveryCode('u1', first[0]!)).toStrictEqual({ ok: false, reason: 'mismatch' });
    await factor.challenge('u1', { providerId: ids.sms, address: PHONE });
    expect(await factor.useRecoveryCode('u1', codes[1]!)).toStrictEqual({ ok: true });
    expect(await factor.pending('u1')).toBeUndefined();
    expect(await factor.recoveryCodesLeft('u1')).toBe(3);
    expect(await factor.useRecoveryCode('u1', codes[1]!)).toStrictEqual({ ok: false, reason: 'mismatch' });
    expect(await factor.useRecoveryCode('u1', ` ${codes[2]!.toLowerCase()} `)).toStrictEqual({ ok: true });
    expect(await factor.deleteRecoveryCodes('u1')).toBe(true);
    expect(await factor.deleteRecoveryCodes('u1')).toBe(false);
    expect(await factor.useRecoveryCode('u1', codes[3]!)).toStrictEqual({ ok: false, reason: 'not-enrolled' });
  });

  it('locks after maxFailures wrong codes until lockSeconds have passed, saying until when', async () => {
    const { factor, clock } = await world({ recoveryCodes: { maxFailures: 2, lockSeconds: 60 } });
    const codes = await factor.createRecoveryCodes('u1');
    const until = new Date(clock.now() + 60_000).toISOString();
    expect(await factor.useRecoveryCode('u1', 'wrong')).toStrictEqual({ ok: false, reason: 'mismatch' });
    expect(await factor.useRecoveryCode('u1', 'wrong')).toStrictEqual({ ok: false, reason: 'locked', retryAt: until });
    expect(await factor.useRecoveryCode('u1', codes[0]!)).toStrictEqual({ ok: false, reason: 'locked', retryAt: until });
    clock.advance(60_000);
    expect(await factor.useRecoveryCode('u1', codes[0]!)).toStrictEqual({ ok: true });
  });

  it('UNSUPPORTED without a recoveryCodes store, naming the field', async () => {
    const plain = memoryStorage();
    const { recoveryCodes: _omit, ...withoutRecovery } = plain;
    const { factor } = await world({ storage: withoutRecovery });
    for (const call of [factor.createRecoveryCodes('u1'), factor.useRecoveryCode('u1', 'x'), factor.recoveryCodesLeft('u1'), factor.deleteRecoveryCodes('u1')]) {
      expect(await rejection(call)).toMatchObject({ code: 'UNSUPPORTED', field: 'storage.recoveryCodes' });
    }
  });

  it('refuses a registry that is not one, naming the field', () => {
    const fn = () => {};
    for (const registry of [undefined, {}, { resolve: fn, send: fn }, { send: fn, recordEvent: fn }, { resolve: fn, recordEvent: fn }]) {
      let error: unknown;
      try {
        createSecondFactor({ registry } as unknown as SecondFactorOptions);
      } catch (e) {
        error = e;
      }
      expect(error).toMatchObject({ code: 'CONFIG_INVALID', field: 'registry', message: 'registry must be a ProviderRegistry (createRegistry())' });
    }
  });

  it('refuses bad options naming the field below "options", and a bad userId in every method', async () => {
    const { factor, registry } = await world();
    let error: unknown;
    try {
      createSecondFactor({ registry, codeLength: 4 });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', field: 'options.codeLength' });
    const calls = [
      factor.verify('', '123456'),
      factor.pending(''),
      factor.cancel(''),
      factor.createRecoveryCodes(''),
      factor.useRecoveryCode('', 'x'),
      factor.recoveryCodesLeft(''),
      factor.deleteRecoveryCodes(''),
    ];
    for (const call of calls) expect(await rejection(call)).toMatchObject({ code: 'MESSAGE_INVALID', field: 'userId' });
  });
});

describe('SecondFactor pins: bindings and stored routes', () => {
  it('binds a code hash to user and provider, and a recovery hash to the user', async () => {
    const { ids, factor, storage, deliveredCode } = await world();
    await factor.challenge('u1', { providerId: ids.sms, address: PHONE });
    const stored = (await storage.challenges.get('u1'))!;
    expect(codeMatches(deliveredCode(PHONE), JSON.stringify(['u1', ids.sms]), stored.codeHash)).toBe(true);
    // The same hash moved to another user does not accept the code.
    await storage.challenges.start({ ...stored, id: 'moved', userId: 'u2' }, { now: new Date().toISOString() });
    expect(await factor.verify('u2', deliveredCode(PHONE))).toStrictEqual({ ok: false, reason: 'mismatch' });
    const [code] = await factor.createRecoveryCodes('u1');
    const set = (await storage.recoveryCodes!.get('u1'))!;
    expect(set.codes.some((c) => codeMatches(normalizeRecoveryCode(code)!, JSON.stringify(['recovery', 'u1']), c.hash))).toBe(true);
    await storage.recoveryCodes!.put({ ...set, userId: 'u2' });
    expect(await factor.useRecoveryCode('u2', code!)).toStrictEqual({ ok: false, reason: 'mismatch' });
    expect(await factor.useRecoveryCode('u1', '!!')).toStrictEqual({ ok: false, reason: 'mismatch' });
  });

  it('a challenge whose delegated provider is no verifier any more has no challenge', async () => {
    const { ids, factor, storage, clock } = await world();
    const now = clock.now();
    await storage.challenges.start(
      { id: 'c1', userId: 'u1', providerId: ids.sms, codeHash: 'delegated', sentAt: new Date(now).toISOString(), expiresAt: new Date(now + 60_000).toISOString(), resendAt: new Date(now).toISOString(), attempts: 0 },
      { now: new Date(now).toISOString() },
    );
    expect(await factor.verify('u1', '123456')).toStrictEqual({ ok: false, reason: 'no-challenge' });
  });

  it('a stored route delivers through its providers in order, one resend window for its channels together', async () => {
    const { ids, factor, registry, memory, clock } = await world({ resendAfterSeconds: 30 });
    const route = await registry.create({ type: 'route', name: 'Mail then SMS', config: { channel: 'email', providers: [ids.email, ids.sms], strategy: 'failover' } });
    memory.failNext('INVALID_RECIPIENT', { providerId: ids.email });
    const info = await factor.challenge('u1', { providerId: route.id, addresses: { email: MAIL, sms: PHONE } });
    expect(info).toMatchObject({ providerId: ids.sms, channel: 'sms', delivered: true });
    expect(info.attempts?.map((a) => a.providerId)).toStrictEqual([ids.email, ids.sms]);
    clock.advance(1000);
    const error = await rejection(factor.challenge('u1', { providerId: route.id, addresses: { email: MAIL, sms: PHONE } }));
    expect(error).toMatchObject({ code: 'RATE_LIMITED', message: 'a code was sent by email+sms moments ago; request a new one in 29 s', details: { channel: 'email+sms' } });
    // A single provider of the route's channels has its own window.
    expect(await factor.challenge('u1', { providerId: ids.email, address: MAIL })).toMatchObject({ delivered: true });
  });
});

describe('SecondFactor pins: redaction', () => {
  it('a provider that records the message text at debug level never records the code', async () => {
    const sent: string[] = [];
    const echo: ProviderType<Record<string, never>, never, DeliveryProvider<TextMessage>> = {
      type: 'echo',
      kind: 'delivery',
      channel: 'push',
      configSchema: z.object({}),
      secretFields: [],
      create(_config, _secrets, context) {
        return {
          kind: 'delivery',
          id: context.providerId,
          type: 'echo',
          channel: 'push',
          capabilities: { message: 'text', balance: false, unicode: true, attachments: false, deliveryReceipts: false, multipleRecipients: false },
          validateAddress: (a) => ({ ok: true, normalized: a }),
          async send(message) {
            sent.push(message.text);
            context.events.debug('echo.request', `POST text=${message.text}`, { body: message.text });
            return { providerId: context.providerId, messageId: 'm1', accepted: [String(message.to)], rejected: [] };
          },
          async verify() {
            return { detail: 'ok' };
          },
          async close() {},
        };
      },
    };
    const registry = createRegistry({ types: [echo], defaultEventLevel: 'debug' });
    const p = await registry.create({ type: 'echo', name: 'Echo' });
    const factor = createSecondFactor({ registry, codeLength: 10 });
    await factor.challenge('u1', { providerId: p.id, address: 'device-1' });
    const code = /(\d{10})/.exec(sent[0]!)![1]!;
    const events = JSON.stringify(await registry.events({ providerId: p.id }));
    expect(events).toContain('echo.request');
    expect(events).not.toContain(code);
    await registry.close();
  });
});
