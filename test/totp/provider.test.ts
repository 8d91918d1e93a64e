import { generate, NobleCryptoPlugin } from 'otplib';
import { describe, expect, it } from 'vitest';
import { createRegistry, generateSecretKey, hasErrorCode, memoryStorage, memoryTransport, type TransportStorage } from '../../src/index.js';
import { resolveTotp, totp } from '../../src/providers/totp/index.js';
import { setup } from './setup.js';

/** The code otplib computes for a step (30 s, SHA-1, `digits`). */
const codeAt = (secret: string, step: number, digits = 6) => generate({ secret, digits, epoch: step * 30 });
const stepOf = (ms: number) => Math.floor(ms / 30_000);

describe('TOTP provider through the registry', () => {
  it('enrols, confirms, verifies, refuses replays, and disables', async () => {
    const { clock, registry, storage } = setup();
    const info = await registry.create({ type: 'totp', name: 'Authenticator', config: { issuer: 'ACME Co' } });
    expect(info).toMatchObject({ type: 'totp', channel: 'totp', secrets: {} });
    const auth = await resolveTotp(registry, info.id);
    expect(auth).toMatchObject({ kind: 'verifier', type: 'totp', channel: 'totp', id: info.id });

    const { secret } = await auth.enroll('u1', { label: 'alice@example.com' });
    expect(await auth.status('u1')).toEqual({ enrolled: true, confirmed: false });
    const stored = await storage.totp.get(info.id, 'u1');
    expect(stored?.sealedSecret.startsWith('tk1.')).toBe(true);
    expect(JSON.stringify(stored)).not.toContain(secret);

    const now = await codeAt(secret, stepOf(clock.now()));
    expect(await auth.verify('u1', now)).toStrictEqual({ ok: false, reason: 'not-confirmed' });
    expect(await auth.confirm('u1', now === '000000' ? '000001' : '000000')).toStrictEqual({ ok: false, reason: 'mismatch' });
    expect(await auth.confirm('u1', now)).toStrictEqual({ ok: true });
    expect(await auth.status('u1')).toEqual({ enrolled: true, confirmed: true });
    expect(await auth.verify('u1', now)).toStrictEqual({ ok: false, reason: 'replayed' });

    clock.advance(30_000);
    const next = await codeAt(secret, stepOf(clock.now()));
    expect(await auth.verify('u1', `${next.slice(0, 3)} ${next.slice(3)}`)).toStrictEqual({ ok: true });
    expect((await storage.totp.get(info.id, 'u1'))?.failures).toBe(0);
    // A replay is a compared code, so it counts towards the lock like a wrong one.
    expect(await auth.verify('u1', next)).toStrictEqual({ ok: false, reason: 'replayed' });
    expect((await storage.totp.get(info.id, 'u1'))?.failures).toBe(1);

    expect(await auth.disable('u1')).toBe(true);
    expect(await auth.disable('u1')).toBe(false);
    expect(await auth.verify('u1', next)).toStrictEqual({ ok: false, reason: 'not-enrolled' });
    const types = (await registry.events({ providerId: info.id })).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['totp.enrolled', 'totp.confirmed', 'totp.verified', 'totp.rejected', 'totp.disabled']));
  });

  it('re-enrolment: restarts before confirmation, needs replace once confirmed', async () => {
    const { clock, authenticator } = setup();
    const auth = await authenticator();
    const first = await auth.enroll('u1', { label: 'a' });
    const second = await auth.enroll('u1', { label: 'a' });
    expect(second.secret).not.toBe(first.secret);
    expect(await auth.confirm('u1', await codeAt(first.secret, stepOf(clock.now())))).toMatchObject({ ok: false });
    expect(await auth.confirm('u1', await codeAt(second.secret, stepOf(clock.now())))).toStrictEqual({ ok: true });
    const conflict = await auth.enroll('u1', { label: 'a' }).catch((e: unknown) => e);
    expect(hasErrorCode(conflict, 'CONFLICT')).toBe(true);
    const replaced = await auth.enroll('u1', { label: 'a', replace: true });
    expect(replaced.secret).not.toBe(second.secret);
    // The confirmed secret stays in force until the replacement is confirmed (see fidelity.test.ts).
    expect(await auth.status('u1')).toEqual({ enrolled: true, confirmed: true, replacementPending: true });
  });

  it('drift window edges: ±drift steps accepted, one more refused', async () => {
    const { clock, authenticator } = setup();
    clock.set(Math.floor(clock.now() / 30_000) * 30_000 + 15_000);
    const s = stepOf(clock.now());
    for (const drift of [1, 2]) {
      const auth = await authenticator({ drift });
      const { secret } = await auth.import('u', { label: 'u', secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' });
      expect(await auth.verify('u', await codeAt(secret, s - drift - 1))).toStrictEqual({ ok: false, reason: 'mismatch' });
      expect(await auth.verify('u', await codeAt(secret, s + drift + 1))).toStrictEqual({ ok: false, reason: 'mismatch' });
      expect(await auth.verify('u', await codeAt(secret, s - drift))).toStrictEqual({ ok: true });
      expect(await auth.verify('u', await codeAt(secret, s))).toStrictEqual({ ok: true });
      expect(await auth.verify('u', await codeAt(secret, s + drift))).toStrictEqual({ ok: true });
      // An older step inside the window is a replay once a later one was accepted.
      expect(await auth.verify('u', await codeAt(secret, s - drift))).toStrictEqual({ ok: false, reason: 'replayed' });
    }
  });

  it('step boundaries with drift 0: the last millisecond of a step and the first of the next', async () => {
    const { clock, authenticator } = setup();
    const auth = await authenticator({ drift: 0 });
    const { secret } = await auth.import('u', { label: 'u', secret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ' });
    const boundary = (Math.floor(clock.now() / 30_000) + 1) * 30_000;
    const s = boundary / 30_000;
    clock.set(boundary - 1);
    expect(await auth.verify('u', await codeAt(secret, s))).toStrictEqual({ ok: false, reason: 'mismatch' });
    expect(await auth.verify('u', await codeAt(secret, s - 1))).toStrictEqual({ ok: true });
    clock.set(boundary);
    expect(await auth.verify('u', await codeAt(secret, s - 1))).toStrictEqual({ ok: false, reason: 'mismatch' });
    expect(await auth.verify('u', await codeAt(secret, s))).toStrictEqual({ ok: true });
  });

  it('malformed input is a mismatch result, and failures lock verification for lockSeconds', async () => {
    const { clock, registry, authenticator } = setup();
    const auth = await authenticator({ maxFailures: 4, lockSeconds: 60 });
    const { secret } = await auth.import('u', { label: 'u', secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' });
    for (const bad of ['12345', 'abcdef', '']) expect(await auth.verify('u', bad)).toStrictEqual({ ok: false, reason: 'mismatch' });
    const locked = await auth.verify('u', 1234567 as unknown as string);
    expect(locked).toStrictEqual({ ok: false, reason: 'locked', retryAt: new Date(clock.now() + 60_000).toISOString() });
    const good = await codeAt(secret, stepOf(clock.now()));
    expect(await auth.verify('u', good)).toMatchObject({ ok: false, reason: 'locked' });
    expect((await auth.status('u')).lockedUntil).toBe((locked as { retryAt: string }).retryAt);
    clock.advance(60_000);
    expect(await auth.verify('u', await codeAt(secret, stepOf(clock.now())))).toStrictEqual({ ok: true });
    expect((await registry.events({ providerId: auth.id, types: ['totp.locked'] })).length).toBe(1);
  });

  it('a success resets the failure count', async () => {
    const { clock, authenticator, storage } = setup();
    const auth = await authenticator({ maxFailures: 2 });
    const { secret } = await auth.import('u', { label: 'u', secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' });
    expect(await auth.verify('u', '000000x')).toMatchObject({ reason: 'mismatch' });
    expect((await storage.totp.get(auth.id, 'u'))?.failures).toBe(1);
    expect(await auth.verify('u', await codeAt(secret, stepOf(clock.now())))).toStrictEqual({ ok: true });
    expect((await storage.totp.get(auth.id, 'u'))?.failures).toBe(0);
    expect(await auth.verify('u', 'zzzzzz')).toMatchObject({ reason: 'mismatch' });
  });

  it('two app instances verifying the same code concurrently: exactly one succeeds', async () => {
    const storage = memoryStorage();
    const secretKeys = { keys: { k1: generateSecretKey() }, current: 'k1' };
    const clock = { now: () => Date.UTC(2031, 5, 1) };
    const a = createRegistry({ types: [totp()], storage, secretKeys, clock });
    const b = createRegistry({ types: [totp()], storage, secretKeys, clock });
    // Replays count as compared codes; room for the 15 checks of this test before a lock.
    const { id } = await a.create({ type: 'totp', config: { issuer: 'ACME', maxFailures: 20 } });
    const authA = await resolveTotp(a, id);
    const authB = await resolveTotp(b, id);
    const { secret } = await authA.import('u', { label: 'u', secret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ' });
    for (let round = 0; round < 5; round += 1) {
      const code = await codeAt(secret, stepOf(clock.now()) - 1 + round % 3);
      const results = await Promise.all([authA.verify('u', code), authB.verify('u', code), authA.verify('u', code)]);
      if (round < 3) {
        expect(results.filter((r) => r.ok)).toHaveLength(1);
        expect(results.filter((r) => !r.ok)).toEqual([{ ok: false, reason: 'replayed' }, { ok: false, reason: 'replayed' }]);
      } else {
        expect(results.every((r) => !r.ok && r.reason === 'replayed')).toBe(true);
      }
    }
  });

  it('rotateSecrets() re-seals user secrets; verification keeps working under the new key only', async () => {
    const storage = memoryStorage();
    const k1 = generateSecretKey();
    const k2 = generateSecretKey();
    const clock = { now: () => Date.UTC(2031, 5, 1) };
    const old = createRegistry({ types: [totp()], storage, secretKeys: { keys: { k1 }, current: 'k1' }, clock });
    const { id } = await old.create({ type: 'totp', config: { issuer: 'ACME' } });
    const { secret } = await (await resolveTotp(old, id)).import('u', { label: 'u', secret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ' });
    const both = createRegistry({ types: [totp()], storage, secretKeys: { keys: { k1, k2 }, current: 'k2' }, clock });
    expect(await both.rotateSecrets()).toMatchObject({ rotated: 1 });
    expect((await storage.totp.get(id, 'u'))?.sealedSecret.split('.')[1]).toBe('k2');
    const onlyNew = createRegistry({ types: [totp()], storage, secretKeys: { keys: { k2 }, current: 'k2' }, clock });
    expect(await (await resolveTotp(onlyNew, id)).verify('u', await codeAt(secret, stepOf(clock.now())))).toStrictEqual({ ok: true });
  });

  it('a sealed secret moved from another provider throws SECRET_UNREADABLE naming the provider', async () => {
    const { authenticator, storage } = setup();
    const auth = await authenticator();
    const other = await authenticator();
    await auth.import('u', { label: 'u', secret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ' });
    await other.import('u', { label: 'u', secret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ' });
    const state = (await storage.totp.get(auth.id, 'u'))!;
    const foreign = (await storage.totp.get(other.id, 'u'))!;
    await storage.totp.put({ ...state, sealedSecret: foreign.sealedSecret, version: state.version + 1 }, state.version);
    const error = await auth.verify('u', '123456').catch((e: unknown) => e);
    expect(hasErrorCode(error, 'SECRET_UNREADABLE')).toBe(true);
    expect(error).toMatchObject({ providerId: auth.id });
  });

  it('storage failures throw STORAGE_FAILED instead of answering', async () => {
    const base = memoryStorage();
    const broken: TransportStorage = {
      ...base,
      totp: { ...base.totp, get: async () => Promise.reject(new Error('db down')) },
    };
    const { authenticator } = setup({ storage: broken });
    const auth = await authenticator();
    const error = await auth.verify('u', '123456').catch((e: unknown) => e);
    expect(hasErrorCode(error, 'STORAGE_FAILED')).toBe(true);
  });

  it('validates config, arguments and the record kind', async () => {
    const memory = memoryTransport();
    const registry = createRegistry({ types: [totp(), memory] });
    for (const [config, field] of [
      [{}, 'config.issuer'],
      [{ issuer: 'A:B' }, 'config.issuer'],
      [{ issuer: 'A', digits: 9 }, 'config.digits'],
      [{ issuer: 'A', algorithm: 'md5' }, 'config.algorithm'],
      [{ issuer: 'A', secretBytes: 10 }, 'config.secretBytes'],
      [{ issuer: 'A', period: 0 }, 'config.period'],
    ] as const) {
      const error = await registry.create({ type: 'totp', config: config as never }).catch((e: unknown) => e);
      expect(hasErrorCode(error, 'CONFIG_INVALID'), JSON.stringify(config)).toBe(true);
      expect(error).toMatchObject({ field });
    }
    // Aliases such as 'sha-256' are accepted at run time; the typed config names the canonical form.
    const created = await registry.create({ type: 'totp', config: { issuer: 'A', algorithm: 'sha-256' as 'SHA256' } });
    expect(created.config).toMatchObject({ algorithm: 'SHA256', digits: 6, period: 30, drift: 1 });
    expect(hasErrorCode(await registry.setSecret(created.id, 'secret', 'x').catch((e: unknown) => e), 'CONFIG_INVALID')).toBe(true);
    expect(hasErrorCode(await registry.removeSecret(created.id, 'secret').catch((e: unknown) => e), 'CONFIG_INVALID')).toBe(true);
    const copy = await registry.copy(created.id);
    expect((await resolveTotp(registry, copy.id)).config.algorithm).toBe('SHA256');

    const auth = await resolveTotp(registry, created.id);
    expect(hasErrorCode(await auth.enroll('', { label: 'x' }).catch((e: unknown) => e), 'MESSAGE_INVALID')).toBe(true);
    expect(hasErrorCode(await auth.enroll('u', { label: 'a:b' }).catch((e: unknown) => e), 'MESSAGE_INVALID')).toBe(true);
    expect(hasErrorCode(await auth.verify(42 as unknown as string, '123456').catch((e: unknown) => e), 'MESSAGE_INVALID')).toBe(true);

    const mail = await registry.create({ type: 'memory', config: { channel: 'email' } });
    expect(hasErrorCode(await resolveTotp(registry, mail.id).catch((e: unknown) => e), 'UNSUPPORTED')).toBe(true);
    expect(hasErrorCode(await registry.send(created.id, { to: 'a@example.org', text: 'x' }).catch((e: unknown) => e), 'UNSUPPORTED')).toBe(true);
  });

  it('uses the crypto plugin the host injects into the type factory', async () => {
    const calls: string[] = [];
    class CountingCrypto extends NobleCryptoPlugin {
      override hmac(...args: Parameters<NobleCryptoPlugin['hmac']>) {
        calls.push(args[0]);
        return super.hmac(...args);
      }
    }
    const registry = createRegistry({ types: [totp({ crypto: new CountingCrypto() })], clock: { now: () => 59_000 } });
    const { id } = await registry.create({ type: 'totp', config: { issuer: 'ACME', digits: 8, drift: 0, algorithm: 'SHA256' } });
    const auth = await resolveTotp(registry, id);
    await auth.import('u', { label: 'u', secret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA' });
    calls.length = 0;
    expect(await auth.verify('u', '46119246')).toStrictEqual({ ok: true });
    expect(calls).toEqual(['sha256']);
  });

  it('never records the secret, the URI or a code in events or logs', async () => {
    const { clock, authenticator, recorded } = setup();
    const auth = await authenticator({ digits: 8, maxFailures: 2 });
    const { secret, uri } = await auth.enroll('u1', { label: 'alice@example.com' });
    const codes = [await generate({ secret, digits: 8, epoch: Math.floor(clock.now() / 1000) })];
    await auth.confirm('u1', codes[0]!);
    await auth.verify('u1', codes[0]!);
    clock.advance(30_000);
    codes.push(await generate({ secret, digits: 8, epoch: Math.floor(clock.now() / 1000) }));
    codes.push(String((Number(codes[1]) + 7) % 1e8).padStart(8, '0'));
    await auth.verify('u1', codes[2]!);
    await auth.verify('u1', codes[1]!);
    const imported = 'MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U';
    await auth.import('u2', { label: 'bob', secret: imported });
    await auth.verify('u2', codes[2]!);
    await auth.verify('u2', codes[2]!);
    const text = await recorded();
    expect(text).toContain('totp.locked');
    for (const value of [secret, uri, encodeURIComponent(secret), imported, ...codes]) expect(text).not.toContain(value);
  });
});
