import { generate } from 'otplib';
import { describe, expect, it } from 'vitest';
import { hasErrorCode, memoryStorage, type EmailMessage, type TextMessage } from '../../src/index.js';
import { createSecondFactor, type SecondFactorOptions } from '../../src/providers/totp/index.js';
import { setup } from './setup.js';

const PHONE = '+41791234567';
const MAIL = 'alice@example.org';
const THREEMA = 'ECHOECHO';

/** A registry with SMS, e-mail, Threema and a host "push" channel, all in-memory, and the service. */
async function world(options: Omit<SecondFactorOptions, 'registry'> = {}) {
  const base = setup();
  const create = async (channel: string) => (await base.registry.create({ type: 'memory', name: channel, config: { channel } })).id;
  const ids = { sms: await create('sms'), email: await create('email'), threema: await create('threema'), push: await create('push') };
  const factor = createSecondFactor({ registry: base.registry, ...options });
  /** The code in the newest message to `to`. */
  const deliveredCode = (to: string) => {
    const message = base.memory.last(to)?.message as EmailMessage | TextMessage | undefined;
    return /\b(\d{6,10})\b/.exec(message?.text ?? '')?.[1] ?? '';
  };
  return { ...base, ids, factor, deliveredCode };
}

const other = (code: string) => code.replace(/^./, (d) => String((Number(d) + 1) % 10));

describe('second factor over delivery providers', () => {
  it('delivers codes through SMS, e-mail, Threema and a host channel, shaped by capabilities', async () => {
    const { ids, factor, memory, storage, deliveredCode, clock } = await world();
    const targets = [
      ['sms', PHONE],
      ['email', MAIL],
      ['threema', THREEMA],
      ['push', 'device-17'],
    ] as const;
    for (const [channel, address] of targets) {
      const info = await factor.challenge('u1', { providerId: ids[channel], address });
      expect(info).toMatchObject({ providerId: ids[channel], channel, delivered: true, expiresAt: new Date(clock.now() + 600_000).toISOString() });
      const sent = memory.last(address)!;
      expect(sent.providerId).toBe(ids[channel]);
      if (channel === 'email') expect(sent.message).toMatchObject({ to: MAIL, subject: 'Your sign-in code' });
      else expect(Object.keys(sent.message).sort()).toEqual(['text', 'to']);
      const code = deliveredCode(address);
      expect(code).toMatch(/^\d{6}$/);
      const stored = await storage.challenges.get('u1');
      expect(stored?.codeHash.startsWith('h1.')).toBe(true);
      expect(JSON.stringify(stored)).not.toContain(code);
      expect(await factor.pending('u1')).toMatchObject({ providerId: ids[channel], delivered: true, attemptsLeft: 5 });
      expect(await factor.verify('u1', code)).toStrictEqual({ ok: true });
      expect(await factor.verify('u1', code)).toStrictEqual({ ok: false, reason: 'no-challenge' });
      clock.advance(31_000);
    }
  });

  it('uses German and overridden templates, refusing overrides without {code}', async () => {
    const { ids, factor, memory, registry } = await world({
      templates: { fr: { subject: 'Votre code', email: 'Code : {code}', text: 'Votre code : {code}' }, en: { text: 'Code {code}, {minutes} min' } },
      ttlSeconds: 300,
    });
    await factor.challenge('de-user', { providerId: ids.email, address: MAIL, locale: 'de-CH' });
    expect(memory.last(MAIL)?.message).toMatchObject({ subject: 'Ihr Anmeldecode', text: expect.stringContaining('5 Minuten gültig') });
    await factor.challenge('fr-user', { providerId: ids.sms, address: PHONE, locale: 'fr' });
    expect((memory.last(PHONE)?.message as TextMessage).text).toMatch(/^Votre code : \d{6}$/);
    await factor.challenge('en-user', { providerId: ids.sms, address: PHONE, locale: 'it' });
    expect((memory.last(PHONE)?.message as TextMessage).text).toMatch(/^Code \d{6}, 5 min$/);
    const error = (() => {
      try {
        createSecondFactor({ registry, templates: { de: { text: 'Ihr Code' } } });
      } catch (e) {
        return e;
      }
    })();
    expect(hasErrorCode(error, 'CONFIG_INVALID')).toBe(true);
    expect(error).toMatchObject({ field: 'templates.de.text' });
  });

  it('codes expire; an expired challenge is gone afterwards', async () => {
    const { ids, factor, clock, deliveredCode } = await world({ ttlSeconds: 60 });
    await factor.challenge('u1', { providerId: ids.sms, address: PHONE });
    const code = deliveredCode(PHONE);
    clock.advance(59_999);
    expect(await factor.pending('u1')).toBeDefined();
    clock.advance(1);
    expect(await factor.pending('u1')).toBeUndefined();
    expect(await factor.verify('u1', code)).toStrictEqual({ ok: false, reason: 'expired' });
    expect(await factor.verify('u1', code)).toStrictEqual({ ok: false, reason: 'no-challenge' });
  });

  it('limits attempts per challenge; malformed input is a mismatch', async () => {
    const { ids, factor, clock, deliveredCode } = await world({ maxAttempts: 3 });
    await factor.challenge('u1', { providerId: ids.sms, address: PHONE });
    const code = deliveredCode(PHONE);
    expect(await factor.verify('u1', 'abc')).toStrictEqual({ ok: false, reason: 'mismatch' });
    expect(await factor.verify('u1', undefined as unknown as string)).toStrictEqual({ ok: false, reason: 'mismatch' });
    expect(await factor.pending('u1')).toMatchObject({ attemptsLeft: 1 });
    expect(await factor.verify('u1', other(code))).toStrictEqual({ ok: false, reason: 'locked' });
    expect(await factor.verify('u1', code)).toStrictEqual({ ok: false, reason: 'locked' });
    clock.advance(30_000);
    await factor.challenge('u1', { providerId: ids.sms, address: PHONE });
    expect(await factor.verify('u1', ` ${deliveredCode(PHONE)} `)).toStrictEqual({ ok: true });
  });

  it('throttles resends per channel ("no SMS? send it by e-mail" works at once); a new code replaces the old one', async () => {
    // Ten digits: the new code is never the old one (a chance of 1e-10), so the old code's check is unconditional.
    const { ids, factor, clock, deliveredCode, memory } = await world({ resendAfterSeconds: 30, codeLength: 10 });
    const first = await factor.challenge('u1', { providerId: ids.sms, address: PHONE });
    expect(first.resendAt).toBe(new Date(clock.now() + 30_000).toISOString());
    const oldCode = deliveredCode(PHONE);
    clock.advance(10_000);
    const error = await factor.challenge('u1', { providerId: ids.sms, address: PHONE }).catch((e: unknown) => e);
    expect(hasErrorCode(error, 'RATE_LIMITED')).toBe(true);
    expect(error).toMatchObject({ retryable: true, details: { retryAfterSeconds: 20, reason: 'resend-window', channel: 'sms' } });
    expect(memory.outbox()).toHaveLength(1);
    await factor.challenge('u1', { providerId: ids.email, address: MAIL });
    expect(memory.outbox()).toHaveLength(2);
    const newCode = deliveredCode(MAIL);
    expect(oldCode).toMatch(/^\d{10}$/);
    expect(newCode).toMatch(/^\d{10}$/);
    expect(newCode).not.toBe(oldCode);
    expect(await factor.verify('u1', oldCode)).toStrictEqual({ ok: false, reason: 'mismatch' });
    expect(await factor.verify('u1', newCode)).toStrictEqual({ ok: true });
  });

  it('two concurrent verifies of the same code: exactly one succeeds', async () => {
    const { ids, factor, clock, deliveredCode } = await world();
    for (let round = 0; round < 5; round += 1) {
      await factor.challenge('u1', { providerId: ids.sms, address: PHONE });
      const code = deliveredCode(PHONE);
      const results = await Promise.all([factor.verify('u1', code), factor.verify('u1', other(code)), factor.verify('u1', code)]);
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results[1]).toMatchObject({ ok: false });
      expect([results[0], results[2]].filter((r) => !r!.ok)).toEqual([{ ok: false, reason: 'replayed' }]);
      clock.advance(30_000);
    }
  });

  it('a failed delivery leaves no challenge and no throttle behind', async () => {
    const { ids, factor, memory, deliveredCode } = await world();
    memory.failNext('UNAVAILABLE', { providerId: ids.sms });
    const error = await factor.challenge('u1', { providerId: ids.sms, address: PHONE }).catch((e: unknown) => e);
    expect(hasErrorCode(error, 'UNAVAILABLE')).toBe(true);
    expect(await factor.pending('u1')).toBeUndefined();
    await factor.challenge('u1', { providerId: ids.sms, address: PHONE });
    expect(await factor.verify('u1', deliveredCode(PHONE))).toStrictEqual({ ok: true });
  });

  it('refuses bad addresses and arguments before storing or sending', async () => {
    const { ids, factor, memory, registry } = await world();
    const bad = await factor.challenge('u1', { providerId: ids.sms, address: 'not a phone' }).catch((e: unknown) => e);
    expect(hasErrorCode(bad, 'INVALID_RECIPIENT')).toBe(true);
    const missing = await factor.challenge('u1', { providerId: ids.email }).catch((e: unknown) => e);
    expect(hasErrorCode(missing, 'MESSAGE_INVALID')).toBe(true);
    expect(missing).toMatchObject({ field: 'options.address' });
    expect(hasErrorCode(await factor.challenge('u1', { providerId: 'nope', address: PHONE }).catch((e: unknown) => e), 'NOT_FOUND')).toBe(true);
    expect(hasErrorCode(await factor.verify('', '123456').catch((e: unknown) => e), 'MESSAGE_INVALID')).toBe(true);
    expect(await factor.pending('u1')).toBeUndefined();
    expect(memory.outbox()).toHaveLength(0);
    for (const options of [{ registry: {} }, { registry, codeLength: 4 }, { registry, ttlSeconds: 1 }]) {
      expect(hasErrorCode((() => {
        try {
          createSecondFactor(options as SecondFactorOptions);
        } catch (e) {
          return e;
        }
      })(), 'CONFIG_INVALID')).toBe(true);
    }
  });

  it('keeps challenges in a separate storage when given one', async () => {
    const challenges = memoryStorage();
    const { ids, factor, storage, deliveredCode } = await world({ storage: challenges, codeLength: 8 });
    await factor.challenge('u1', { providerId: ids.sms, address: PHONE });
    expect(await storage.challenges.get('u1')).toBeUndefined();
    expect(await challenges.challenges.get('u1')).toBeDefined();
    expect(deliveredCode(PHONE)).toMatch(/^\d{8}$/);
    expect(await factor.cancel('u1')).toBe(true);
    expect(await factor.verify('u1', deliveredCode(PHONE))).toStrictEqual({ ok: false, reason: 'no-challenge' });
  });
});

describe('second factor with a TOTP provider', () => {
  it('sends nothing and delegates verification to the authenticator', async () => {
    const { factor, authenticator, memory, clock } = await world();
    const auth = await authenticator();
    const { secret } = await auth.enroll('u1', { label: 'alice' });
    const code = () => generate({ secret, epoch: Math.floor(clock.now() / 1000) });
    expect(await auth.confirm('u1', await code())).toStrictEqual({ ok: true });
    clock.advance(30_000);

    const info = await factor.challenge('u1', { providerId: auth.id });
    expect(info).toMatchObject({ providerId: auth.id, channel: 'totp', delivered: false });
    expect(memory.outbox()).toHaveLength(0);
    expect(await factor.pending('u1')).toMatchObject({ delivered: false });
    expect(await factor.verify('u1', other(await code()))).toStrictEqual({ ok: false, reason: 'mismatch' });
    expect(await factor.verify('u1', await code())).toStrictEqual({ ok: true });
    expect(await factor.verify('u1', await code())).toStrictEqual({ ok: false, reason: 'no-challenge' });

    await factor.challenge('u1', { providerId: auth.id });
    expect(await factor.verify('u1', await code())).toStrictEqual({ ok: false, reason: 'replayed' });
    await factor.challenge('nobody', { providerId: auth.id });
    expect(await factor.verify('nobody', '123456')).toStrictEqual({ ok: false, reason: 'not-enrolled' });
  });
});

describe('second factor switching between delivery and TOTP', () => {
  it('a TOTP challenge is never throttled and does not reopen the window of the delivered code', async () => {
    const { ids, factor, authenticator, memory, clock } = await world({ resendAfterSeconds: 30 });
    const auth = await authenticator();
    const first = await factor.challenge('u1', { providerId: ids.sms, address: PHONE });
    clock.advance(5_000);
    expect(await factor.challenge('u1', { providerId: auth.id })).toMatchObject({ delivered: false });
    expect(await factor.challenge('u1', { providerId: auth.id })).toMatchObject({ delivered: false });
    const error = await factor.challenge('u1', { providerId: ids.sms, address: PHONE }).catch((e: unknown) => e);
    expect(hasErrorCode(error, 'RATE_LIMITED')).toBe(true);
    expect(error).toMatchObject({ details: { retryAt: first.resendAt, retryAfterSeconds: 25 } });
    expect(memory.outbox()).toHaveLength(1);
    clock.set(Date.parse(first.resendAt!));
    await factor.challenge('u1', { providerId: ids.sms, address: PHONE });
    expect(memory.outbox()).toHaveLength(2);
  });
});

describe('second factor redaction', () => {
  it('never records a code in events or logs, at debug level', async () => {
    const { ids, factor, recorded, deliveredCode, clock, registry, memory } = await world({ codeLength: 10 });
    const codes: string[] = [];
    for (const [id, address] of [[ids.sms, PHONE], [ids.email, MAIL], [ids.threema, THREEMA]] as const) {
      await factor.challenge('u1', { providerId: id, address });
      codes.push(deliveredCode(address));
      await factor.verify('u1', other(codes.at(-1)!));
      await factor.verify('u1', codes.at(-1)!);
      clock.advance(31_000);
    }
    memory.failNext('UNAVAILABLE', { message: 'upstream refused' });
    await factor.challenge('u1', { providerId: ids.sms, address: PHONE }).catch(() => undefined);
    const types = (await registry.events()).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['send', 'memory.sent', 'second-factor.challenge', 'second-factor.verified', 'second-factor.rejected', 'send.failed']));
    const text = await recorded();
    expect(codes.every((c) => /^\d{10}$/.test(c))).toBe(true);
    for (const code of codes) expect(text).not.toContain(code);
  });
});
