import { PGlite } from '@electric-sql/pglite';
import { generate } from 'otplib';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createRegistry,
  generateSecretKey,
  hasErrorCode,
  memoryStorage,
  memoryTransport,
  type CodeCheckResult,
  type TransportStorage,
} from '../../src/index.js';
import { postgresStorage } from '../../src/postgres/index.js';
import { createSecondFactor, resolveTotp, totp } from '../../src/providers/totp/index.js';
import { currentTotpCode } from '../../src/testing/index.js';
import { manualClock, setup } from './setup.js';

const START = Date.UTC(2030, 0, 1, 12, 0, 10);
const step = (ms: number) => Math.floor(ms / 30_000);
const codeAt = (secret: string, s: number) => generate({ secret, epoch: s * 30 });

/** Every call at once; what each resolved to or threw. */
const race = <T>(calls: readonly (() => Promise<T>)[]) => Promise.allSettled(calls.map((call) => call()));
const tally = (results: readonly CodeCheckResult[]) =>
  results.reduce<Record<string, number>>((counts, r) => ({ ...counts, [r.ok ? 'ok' : r.reason]: (counts[r.ok ? 'ok' : r.reason] ?? 0) + 1 }), {});

describe('re-enrolment keeps the working secret until the new one is confirmed', () => {
  it('the old secret works while the replacement waits, also when it is abandoned; confirming switches', async () => {
    const { clock, authenticator } = setup({ start: START });
    const auth = await authenticator();
    const old = await auth.enroll('u1', { label: 'a' });
    expect(await auth.confirm('u1', await codeAt(old.secret, step(clock.now())))).toStrictEqual({ ok: true });

    const next = await auth.enroll('u1', { label: 'a', replace: true });
    expect(await auth.status('u1')).toEqual({ enrolled: true, confirmed: true, replacementPending: true });
    clock.advance(30_000);
    // Abandoned for now: the user still signs in with the old app.
    expect(await auth.verify('u1', await codeAt(old.secret, step(clock.now())))).toStrictEqual({ ok: true });
    clock.advance(30_000);
    // A code of the new secret does not sign in before it is confirmed, and an old code does not confirm it.
    expect(await auth.verify('u1', await codeAt(next.secret, step(clock.now())))).toStrictEqual({ ok: false, reason: 'mismatch' });
    expect(await auth.confirm('u1', await codeAt(old.secret, step(clock.now())))).toStrictEqual({ ok: false, reason: 'mismatch' });
    expect(await auth.confirm('u1', await codeAt(next.secret, step(clock.now())))).toStrictEqual({ ok: true });
    expect(await auth.status('u1')).toEqual({ enrolled: true, confirmed: true });
    clock.advance(30_000);
    expect(await auth.verify('u1', await codeAt(old.secret, step(clock.now())))).toStrictEqual({ ok: false, reason: 'mismatch' });
    expect(await auth.verify('u1', await codeAt(next.secret, step(clock.now())))).toStrictEqual({ ok: true });
  });

  it('a new replacement replaces the waiting one; cancelReplacement drops it; disable drops both', async () => {
    const { clock, authenticator } = setup({ start: START });
    const auth = await authenticator();
    await auth.import('u1', { label: 'a', secret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ' });
    const first = await auth.enroll('u1', { label: 'a', replace: true });
    const second = await auth.enroll('u1', { label: 'a', replace: true });
    expect(await auth.confirm('u1', await codeAt(first.secret, step(clock.now())))).toStrictEqual({ ok: false, reason: 'mismatch' });
    expect(await auth.cancelReplacement('u1')).toBe(true);
    expect(await auth.cancelReplacement('u1')).toBe(false);
    expect(await auth.status('u1')).toEqual({ enrolled: true, confirmed: true });
    clock.advance(30_000);
    expect(await auth.confirm('u1', await codeAt(second.secret, step(clock.now())))).toStrictEqual({ ok: false, reason: 'mismatch' });
    await auth.enroll('u1', { label: 'a', replace: true });
    expect(await auth.disable('u1')).toBe(true);
    expect(await auth.status('u1')).toEqual({ enrolled: false, confirmed: false });
  });

  it('of concurrent confirmations of the replacement exactly one switches; the lock-out is shared with the current secret', async () => {
    const { clock, authenticator, storage } = setup({ start: START });
    const auth = await authenticator({ maxFailures: 5 });
    const old = await auth.enroll('u1', { label: 'a' });
    await auth.confirm('u1', await codeAt(old.secret, step(clock.now())));
    clock.advance(30_000);
    const next = await auth.enroll('u1', { label: 'a', replace: true });
    const code = await codeAt(next.secret, step(clock.now()));
    const results = (await race(Array.from({ length: 10 }, () => () => auth.confirm('u1', code)))).map((r) => (r as PromiseFulfilledResult<CodeCheckResult>).value);
    expect(results.every((r) => r !== undefined)).toBe(true);
    expect(tally(results).ok).toBe(1);
    expect(Object.keys(tally(results)).filter((k) => !['ok', 'replayed', 'locked'].includes(k))).toEqual([]);
    const status = await auth.status('u1');
    expect(status).toMatchObject({ enrolled: true, confirmed: true });
    expect(status).not.toHaveProperty('replacementPending');
    expect((await storage.totp.get(auth.id, 'u1'))?.lastStep).toBe(step(clock.now()));
    // Wrong codes against the replacement count toward the user's one lock.
    const again = await auth.enroll('u1', { label: 'a', replace: true });
    clock.advance(60 * 60_000);
    for (let i = 0; i < 5; i += 1) await auth.confirm('u1', '000000');
    expect(await auth.verify('u1', await codeAt(next.secret, step(clock.now())))).toMatchObject({ ok: false, reason: 'locked' });
    expect(await auth.confirm('u1', await codeAt(again.secret, step(clock.now())))).toMatchObject({ ok: false, reason: 'locked' });
  });

  it('rotateSecrets re-seals a waiting replacement too: it confirms after the old key is dropped', async () => {
    const storage = memoryStorage();
    const clock = manualClock(START);
    const k1 = generateSecretKey();
    const k2 = generateSecretKey();
    const before = createRegistry({ types: [totp()], storage, clock, secretKeys: { keys: { k1, k2 }, current: 'k1' } });
    const { id } = await before.create({ type: 'totp', config: { issuer: 'ACME' } });
    const auth = await resolveTotp(before, id);
    await auth.import('u1', { label: 'a', secret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ' });
    const next = await auth.enroll('u1', { label: 'a', replace: true });
    const rotating = createRegistry({ types: [totp()], storage, clock, secretKeys: { keys: { k1, k2 }, current: 'k2' } });
    expect((await rotating.rotateSecrets()).remaining).toBe(0);
    const after = createRegistry({ types: [totp()], storage, clock, secretKeys: { keys: { k2 }, current: 'k2' } });
    const rotated = await resolveTotp(after, id);
    expect(await rotated.confirm('u1', await codeAt(next.secret, step(clock.now())))).toStrictEqual({ ok: true });
    await Promise.all([before.close(), rotating.close(), after.close()]);
  });

  it('refuses user ids with control characters (they could reach another user’s waiting state)', async () => {
    const { authenticator } = setup({ start: START });
    const auth = await authenticator();
    const error = await auth.enroll('u1\u001freplacement', { label: 'a' }).catch((e: unknown) => e);
    expect(hasErrorCode(error, 'MESSAGE_INVALID')).toBe(true);
  });
});

describe('currentTotpCode of transportkit/testing', () => {
  it('computes the code the user’s app shows, for the current secret and a waiting replacement', async () => {
    const { clock, authenticator, registry } = setup({ start: START });
    const auth = await authenticator();
    const { secret } = await auth.enroll('u1', { label: 'a' });
    const code = await currentTotpCode(registry, auth.id, 'u1');
    expect(code).toBe(await codeAt(secret, step(clock.now())));
    expect(await auth.confirm('u1', code)).toStrictEqual({ ok: true });
    clock.advance(30_000);
    expect(await auth.verify('u1', await currentTotpCode(registry, auth.id, 'u1'))).toStrictEqual({ ok: true });
    const next = await auth.enroll('u1', { label: 'a', replace: true });
    const at = clock.now() + 30_000;
    expect(await currentTotpCode(registry, auth.id, 'u1', { replacement: true, at })).toBe(await codeAt(next.secret, step(at)));
    expect(await currentTotpCode(registry, auth.id, 'u1', { at: new Date(at) })).not.toBe(await currentTotpCode(registry, auth.id, 'u1', { at: new Date(at), replacement: true }));
    const missing = await currentTotpCode(registry, auth.id, 'nobody').catch((e: unknown) => e);
    expect(hasErrorCode(missing, 'NOT_FOUND')).toBe(true);
  });
});

/** A second factor per registry on one store, with SMS, e-mail, Threema and a host "pager" channel. */
async function factorWorld(storage: TransportStorage, instances: number, options: { maxSends?: number } = {}) {
  const clock = manualClock(START);
  const memory = memoryTransport();
  const secretKeys = { keys: { k1: generateSecretKey() }, current: 'k1' };
  const registries = Array.from({ length: instances }, () => createRegistry({ types: [totp(), memory], storage, secretKeys, clock }));
  const channels = ['sms', 'email', 'threema', 'pager'] as const;
  const ids: Record<string, string> = {};
  for (const channel of channels) ids[channel] = (await registries[0]!.create({ type: 'memory', name: channel, config: { channel } })).id;
  const factors = registries.map((registry) => createSecondFactor({ registry, resendAfterSeconds: 30, ...options }));
  const address = { sms: '+41791234567', email: 'alice@example.org', threema: 'ECHOECHO', pager: 'pager-7' } as const;
  const challenge = (i: number, channel: (typeof channels)[number]) => () => factors[i % instances]!.challenge('u', { providerId: ids[channel]!, address: address[channel] });
  const close = () => Promise.all(registries.map((r) => r.close()));
  return { clock, memory, registries, factors, channels, challenge, close };
}

describe('the resend throttle is per user and channel, with a cap per user', () => {
  for (const instances of [1, 2]) {
    it(`50 concurrent challenges over 4 channels deliver exactly one code per channel (${instances} instance(s))`, async () => {
      const w = await factorWorld(memoryStorage(), instances);
      const settled = await race(Array.from({ length: 50 }, (_, i) => w.challenge(i, w.channels[i % 4]!)));
      const delivered = settled.filter((s) => s.status === 'fulfilled');
      expect(delivered).toHaveLength(4);
      expect(new Set(w.memory.outbox().map((m) => m.channel))).toEqual(new Set(w.channels));
      for (const s of settled) if (s.status === 'rejected') expect(s.reason).toMatchObject({ code: 'RATE_LIMITED', details: { reason: 'resend-window' } });
      await w.close();
    });

    it(`the per-user cap holds over all channels under 50 concurrent challenges (${instances} instance(s))`, async () => {
      const w = await factorWorld(memoryStorage(), instances, { maxSends: 3 });
      const settled = await race(Array.from({ length: 50 }, (_, i) => w.challenge(i, w.channels[i % 4]!)));
      expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(3);
      expect(w.memory.outbox()).toHaveLength(3);
      const capped = settled.filter((s) => s.status === 'rejected' && (s.reason as { details?: { reason?: string } }).details?.reason === 'send-limit');
      expect(capped.length).toBeGreaterThan(0);
      expect((capped[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'RATE_LIMITED', details: { retryAt: new Date(START + 3_600_000).toISOString(), maxSends: 3 } });
      // After the window the next code goes out.
      w.clock.set(START + 3_600_000);
      await w.challenge(0, 'sms')();
      expect(w.memory.outbox()).toHaveLength(4);
      await w.close();
    });
  }

  it('a failed delivery gives its window back: the same channel may try again at once', async () => {
    const w = await factorWorld(memoryStorage(), 1);
    w.memory.failNext('UNAVAILABLE');
    expect(await w.challenge(0, 'sms')().catch((e: unknown) => (e as { code?: string }).code)).toBe('UNAVAILABLE');
    await w.challenge(0, 'sms')();
    expect(w.memory.outbox()).toHaveLength(1);
    await w.close();
  });

  describe('on PostgreSQL (PGlite), two app instances', () => {
    let db: PGlite | undefined;
    afterAll(async () => db?.close());

    it('50 concurrent challenges over 4 channels: one code per channel, and the cap', async () => {
      db = await PGlite.create();
      const w = await factorWorld(await postgresStorage({ pglite: db, schema: 'factor_a' }), 2);
      const settled = await race(Array.from({ length: 50 }, (_, i) => w.challenge(i, w.channels[i % 4]!)));
      expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(4);
      const capped = await factorWorld(await postgresStorage({ pglite: db, schema: 'factor_b' }), 2, { maxSends: 3 });
      const limited = await race(Array.from({ length: 50 }, (_, i) => capped.challenge(i, capped.channels[i % 4]!)));
      expect(limited.filter((s) => s.status === 'fulfilled')).toHaveLength(3);
      await Promise.all([w.close(), capped.close()]);
    }, 60_000);
  });
});

describe('recovery codes', () => {
  async function recoveryWorld(storage: TransportStorage = memoryStorage(), instances = 1) {
    const clock = manualClock(START);
    const secretKeys = { keys: { k1: generateSecretKey() }, current: 'k1' };
    const registries = Array.from({ length: instances }, () => createRegistry({ types: [totp()], storage, secretKeys, clock }));
    const factors = registries.map((registry) => createSecondFactor({ registry, recoveryCodes: { count: 10, maxFailures: 5, lockSeconds: 900 } }));
    return { clock, storage, registries, factors, factor: factors[0]!, close: () => Promise.all(registries.map((r) => r.close())) };
  }

  it('are shown once, stored only as salted hashes, and each works once', async () => {
    const w = await recoveryWorld();
    const codes = await w.factor.createRecoveryCodes('u1');
    expect(codes).toHaveLength(10);
    for (const code of codes) expect(code).toMatch(/^[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}$/);
    expect(new Set(codes).size).toBe(10);
    const stored = JSON.stringify(await w.storage.recoveryCodes!.get('u1'));
    for (const code of codes) {
      expect(stored).not.toContain(code);
      expect(stored).not.toContain(code.replace(/-/g, ''));
    }
    expect(await w.factor.recoveryCodesLeft('u1')).toBe(10);
    expect(await w.factor.useRecoveryCode('u1', codes[3]!)).toStrictEqual({ ok: true });
    expect(await w.factor.useRecoveryCode('u1', codes[3]!)).toStrictEqual({ ok: false, reason: 'mismatch' });
    expect(await w.factor.recoveryCodesLeft('u1')).toBe(9);
    // Typed as read aloud: upper case, spaces, O for 0 and I or L for 1.
    const typed = codes[4]!.toUpperCase().replace(/-/g, ' ').replace(/0/g, 'O').replace(/1/g, 'I');
    expect(await w.factor.useRecoveryCode('u1', typed)).toStrictEqual({ ok: true });
    await w.close();
  });

  it('work when the phone is lost: no challenge is needed, and a live challenge ends', async () => {
    const w = await recoveryWorld();
    const memory = memoryTransport();
    const registry = createRegistry({ types: [memory], storage: w.storage, clock: w.clock, secretKeys: { keys: { k1: generateSecretKey() }, current: 'k1' } });
    const sms = await registry.create({ type: 'memory', config: { channel: 'sms' } });
    const factor = createSecondFactor({ registry });
    const [code] = await factor.createRecoveryCodes('u1');
    await factor.challenge('u1', { providerId: sms.id, address: '+41791234567' });
    expect(await factor.useRecoveryCode('u1', code!)).toStrictEqual({ ok: true });
    expect(await factor.pending('u1')).toBeUndefined();
    await Promise.all([w.close(), registry.close()]);
  });

  it('a new set replaces the old one; none left is not-enrolled; malformed input is a counted mismatch', async () => {
    const w = await recoveryWorld();
    expect(await w.factor.useRecoveryCode('u1', 'abcd-efgh-jkmn')).toStrictEqual({ ok: false, reason: 'not-enrolled' });
    const old = await w.factor.createRecoveryCodes('u1');
    const fresh = await w.factor.createRecoveryCodes('u1');
    expect(await w.factor.useRecoveryCode('u1', old[0]!)).toStrictEqual({ ok: false, reason: 'mismatch' });
    expect(await w.factor.useRecoveryCode('u1', 'not a code')).toStrictEqual({ ok: false, reason: 'mismatch' });
    expect(await w.factor.useRecoveryCode('u1', fresh[0]!)).toStrictEqual({ ok: true });
    expect((await w.storage.recoveryCodes!.get('u1'))?.failures).toBe(0);
    expect(await w.factor.deleteRecoveryCodes('u1')).toBe(true);
    expect(await w.factor.useRecoveryCode('u1', fresh[1]!)).toStrictEqual({ ok: false, reason: 'not-enrolled' });
    await w.close();
  });

  for (const instances of [1, 2]) {
    it(`30 concurrent guesses: at most 5 are compared, then even the right code waits for the lock (${instances} instance(s))`, async () => {
      const w = await recoveryWorld(memoryStorage(), instances);
      const codes = await w.factor.createRecoveryCodes('u1');
      const wrong = Array.from({ length: 30 }, (_, i) => `zzzz-zzzz-${String(i).padStart(4, '0')}`);
      const results = (await race(wrong.map((code, i) => () => w.factors[i % instances]!.useRecoveryCode('u1', code)))).map((r) => (r as PromiseFulfilledResult<CodeCheckResult>).value);
      expect(tally(results)).toEqual({ mismatch: 4, locked: 26 });
      const locked = await w.factor.useRecoveryCode('u1', codes[0]!);
      expect(locked).toStrictEqual({ ok: false, reason: 'locked', retryAt: new Date(START + 900_000).toISOString() });
      w.clock.set(START + 900_000);
      expect(await w.factor.useRecoveryCode('u1', codes[0]!)).toStrictEqual({ ok: true });
      await w.close();
    });

    it(`20 concurrent uses of one code: exactly one succeeds (${instances} instance(s))`, async () => {
      const w = await recoveryWorld(memoryStorage(), instances);
      const [code] = await w.factor.createRecoveryCodes('u1');
      const results = (await race(Array.from({ length: 20 }, (_, i) => () => w.factors[i % instances]!.useRecoveryCode('u1', code!)))).map(
        (r) => (r as PromiseFulfilledResult<CodeCheckResult>).value,
      );
      expect(tally(results).ok).toBe(1);
      expect(await w.factor.recoveryCodesLeft('u1')).toBe(9);
      await w.close();
    });
  }

  it('without a recoveryCodes store (optional in the contract) the methods are UNSUPPORTED, everything else works', async () => {
    const { recoveryCodes: _dropped, ...withoutRecovery } = memoryStorage();
    const w = await recoveryWorld(withoutRecovery as TransportStorage);
    const error = await w.factor.createRecoveryCodes('u1').catch((e: unknown) => e);
    expect(hasErrorCode(error, 'UNSUPPORTED')).toBe(true);
    await w.close();
  });
});
