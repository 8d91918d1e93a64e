import { describe, expect, it, vi } from 'vitest';
import {
  SecretBox,
  TransportError,
  generateSecretKey,
  memoryStorage,
  userSecretContext,
  type ProviderRecord,
  type TotpUserState,
  type TransportStorage,
} from '../../src/index.js';
import { rotateRecordSecrets, rotateTotpSecrets, type RotationContext } from '../../src/registry/rotation.js';

const k0 = generateSecretKey();
const k1 = generateSecretKey();
const k2 = generateSecretKey();
/** k0 is the key nobody has any more: what it sealed no box below opens. */
const lostBox = new SecretBox({ keys: { k0 }, current: 'k0' });
const oldBox = new SecretBox({ keys: { k1 }, current: 'k1' });
const box = new SecretBox({ keys: { k1, k2 }, current: 'k2' });
/** Opens only what is sealed under the new key: proves a value was really re-sealed. */
const newOnly = new SecretBox({ keys: { k2 }, current: 'k2' });
const NOW = '2026-11-29T12:00:00.000Z';
const BEFORE = '2026-11-01T08:00:00.000Z';

/** A stored provider record at version 3 whose fields are sealed by the given boxes. */
function providerRecord(fields: Record<string, [SecretBox, string]>, id = 'p1'): ProviderRecord {
  const secrets = Object.fromEntries(Object.entries(fields).map(([field, [sealer, plain]]) => [field, sealer.seal(plain, { recordId: id, field })]));
  return { id, type: 'two', channel: 'push', name: 'P', config: {}, secrets, eventLevel: 'errors', version: 3, createdAt: BEFORE, updatedAt: BEFORE };
}

async function stored(storage: TransportStorage, record: ProviderRecord): Promise<TransportStorage> {
  await storage.providers.insert(record);
  return storage;
}

/** The storage with some of its providers or totp methods replaced (memoryStorage's methods are closures, so spreading keeps them working). */
function scripted(base: TransportStorage, parts: { providers?: Partial<TransportStorage['providers']>; totp?: Partial<TransportStorage['totp']> }): TransportStorage {
  return { ...base, providers: { ...base.providers, ...parts.providers }, totp: { ...base.totp, ...parts.totp } };
}

/** Throws `error` on the first `times` calls, then does what `then` does (bounded, so a mutant that retries forever still ends). */
function failing<A extends unknown[]>(times: number, error: () => unknown, then: (...args: A) => Promise<void>) {
  let calls = 0;
  return vi.fn(async (...args: A) => {
    calls += 1;
    if (calls <= times) throw error();
    return then(...args);
  });
}

const context = (storage: TransportStorage): RotationContext => ({ storage, box, now: () => NOW });
const conflict = () => new TransportError('CONFLICT', 'provider p1 was changed concurrently (stale version)');
const openAll = (sealer: SecretBox, record: ProviderRecord) => Object.fromEntries(Object.entries(record.secrets).map(([field, v]) => [field, sealer.open(v, { recordId: record.id, field })]));

describe('rotateRecordSecrets', () => {
  it('re-seals the stale fields under the current key and writes them once, keeping the field that was not due', async () => {
    const record = providerRecord({ alpha: [oldBox, 'alpha-value'], beta: [box, 'beta-value'], gamma: [oldBox, 'gamma-value'] });
    const base = await stored(memoryStorage(), record);
    const update = vi.fn(base.providers.update);
    const storage = scripted(base, { providers: { update } });
    expect(await rotateRecordSecrets(context(storage), record)).toStrictEqual({ rotated: 2, skipped: [] });
    // The written record is the one the store holds next: version + 1, stamped now.
    expect(update).toHaveBeenCalledTimes(1);
    expect(update.mock.calls[0]).toStrictEqual([{ ...record, secrets: expect.any(Object), version: 4, updatedAt: NOW }, 3]);
    const after = (await base.providers.get('p1'))!;
    expect(after).toStrictEqual({ ...record, secrets: expect.any(Object), version: 4, updatedAt: NOW });
    expect(after.secrets.beta).toBe(record.secrets.beta);
    expect(openAll(newOnly, after)).toStrictEqual({ alpha: 'alpha-value', beta: 'beta-value', gamma: 'gamma-value' });
  });

  it('writes nothing when no field is due', async () => {
    const record = providerRecord({ alpha: [box, 'alpha-value'] });
    const base = await stored(memoryStorage(), record);
    const update = vi.fn(base.providers.update);
    expect(await rotateRecordSecrets(context(scripted(base, { providers: { update } })), record)).toStrictEqual({ rotated: 0, skipped: [] });
    expect(update).not.toHaveBeenCalled();
    expect(await base.providers.get('p1')).toStrictEqual(record);
  });

  it('a value no key opens stays as stored and is reported; the other stale fields rotate', async () => {
    const record = providerRecord({ alpha: [oldBox, 'alpha-value'], lost: [lostBox, 'lost-value'] });
    const base = await stored(memoryStorage(), record);
    const report = await rotateRecordSecrets(context(base), record);
    expect(report).toStrictEqual({
      rotated: 1,
      skipped: [{ providerId: 'p1', field: 'lost', code: 'SECRET_UNREADABLE', reason: expect.stringMatching(/^secret "lost" of p1 cannot be opened: sealed under key "k0"/) }],
    });
    const after = (await base.providers.get('p1'))!;
    expect(after.secrets.lost).toBe(record.secrets.lost);
    expect(newOnly.open(after.secrets.alpha!, { recordId: 'p1', field: 'alpha' })).toBe('alpha-value');
  });

  it('only unreadable values: reported, nothing written', async () => {
    const record = providerRecord({ lost: [lostBox, 'lost-value'] });
    const base = await stored(memoryStorage(), record);
    const update = vi.fn(base.providers.update);
    const report = await rotateRecordSecrets(context(scripted(base, { providers: { update } })), record);
    expect(report).toStrictEqual({ rotated: 0, skipped: [{ providerId: 'p1', field: 'lost', code: 'SECRET_UNREADABLE', reason: expect.any(String) }] });
    expect(update).not.toHaveBeenCalled();
    expect(await base.providers.get('p1')).toStrictEqual(record);
  });

  it('a record removed since it was listed (NOT_FOUND) is neither rotated nor reported', async () => {
    const record = providerRecord({ alpha: [oldBox, 'alpha-value'] });
    expect(await rotateRecordSecrets(context(memoryStorage()), record)).toStrictEqual({ rotated: 0, skipped: [] });
  });

  it('a record changed concurrently is read again and rotated in its new version, the change kept', async () => {
    const listed = providerRecord({ alpha: [oldBox, 'alpha-value'], beta: [oldBox, 'beta-value'] });
    const base = await stored(memoryStorage(), listed);
    // Another instance still on k1 sets alpha after the listing.
    const changed = { ...listed, secrets: { ...listed.secrets, alpha: oldBox.seal('alpha-changed', { recordId: 'p1', field: 'alpha' }) }, version: 4 };
    await base.providers.update(changed, 3);
    const update = vi.fn(base.providers.update);
    expect(await rotateRecordSecrets(context(scripted(base, { providers: { update } })), listed)).toStrictEqual({ rotated: 2, skipped: [] });
    expect(update.mock.calls.map(([record, expected]) => [record.version, expected])).toStrictEqual([[4, 3], [5, 4]]);
    const after = (await base.providers.get('p1'))!;
    expect(after.version).toBe(5);
    expect(openAll(newOnly, after)).toStrictEqual({ alpha: 'alpha-changed', beta: 'beta-value' });
  });

  it('gives up after 5 conflicting writes and reports each stale field as CONFLICT, the record untouched', async () => {
    const record = providerRecord({ alpha: [oldBox, 'alpha-value'], beta: [box, 'beta-value'], gamma: [oldBox, 'gamma-value'] });
    const base = await stored(memoryStorage(), record);
    // The 6th write would succeed: a loop that goes on past 5 attempts rotates instead.
    const update = failing(6, conflict, base.providers.update);
    const report = await rotateRecordSecrets(context(scripted(base, { providers: { update } })), record);
    const why = { code: 'CONFLICT', reason: 'provider p1 was changed concurrently (stale version)' };
    expect(report).toStrictEqual({ rotated: 0, skipped: [{ providerId: 'p1', field: 'alpha', ...why }, { providerId: 'p1', field: 'gamma', ...why }] });
    expect(update).toHaveBeenCalledTimes(5);
    expect(await base.providers.get('p1')).toStrictEqual(record);
  });

  it('a failed write reports the stale fields with the storage error (a plain error as STORAGE_FAILED) and is not retried', async () => {
    for (const [error, why] of [
      [new TransportError('STORAGE_FAILED', 'disk full'), { code: 'STORAGE_FAILED', reason: 'disk full' }],
      [new TransportError('UNAVAILABLE', 'database restarting'), { code: 'UNAVAILABLE', reason: 'database restarting' }],
      [new Error('disk full'), { code: 'STORAGE_FAILED', reason: 'Error: disk full' }],
    ] as const) {
      const record = providerRecord({ alpha: [oldBox, 'alpha-value'], beta: [box, 'beta-value'] });
      const base = await stored(memoryStorage(), record);
      const update = failing(1, () => error, base.providers.update);
      const report = await rotateRecordSecrets(context(scripted(base, { providers: { update } })), record);
      expect(report).toStrictEqual({ rotated: 0, skipped: [{ providerId: 'p1', field: 'alpha', ...why }] });
      expect(update).toHaveBeenCalledTimes(1);
      expect(await base.providers.get('p1')).toStrictEqual(record);
    }
  });

  it('a record removed while its write conflicted is neither rotated nor reported', async () => {
    const record = providerRecord({ alpha: [oldBox, 'alpha-value'] });
    const base = await stored(memoryStorage(), record);
    const update = vi.fn(async () => {
      await base.providers.remove('p1', { force: true });
      throw conflict();
    });
    expect(await rotateRecordSecrets(context(scripted(base, { providers: { update } })), record)).toStrictEqual({ rotated: 0, skipped: [] });
    expect(update).toHaveBeenCalledTimes(1);
  });
});

describe('rotateTotpSecrets', () => {
  const PROVIDER = 'totp1';
  const state = (userId: string, sealer: SecretBox, providerId = PROVIDER): TotpUserState => ({
    providerId,
    userId,
    sealedSecret: sealer.seal(`secret-${userId}`, userSecretContext(providerId, userId)),
    confirmed: true,
    lastStep: 5,
    failures: 1,
    createdAt: BEFORE,
    version: 2,
  });
  async function enrolled(...states: TotpUserState[]): Promise<TransportStorage> {
    const storage = memoryStorage();
    for (const s of states) await storage.totp.put(s);
    return storage;
  }
  const secretOf = async (storage: TransportStorage, userId: string, sealer = newOnly) => {
    const s = (await storage.totp.get(PROVIDER, userId))!;
    return sealer.open(s.sealedSecret, userSecretContext(PROVIDER, userId));
  };
  const conflictOf = (userId: string) => () => new TransportError('CONFLICT', `TOTP state of ${userId} was changed concurrently (stale version)`);

  it('re-seals each stale user of the provider on its own; current users and other providers are left alone and not reported', async () => {
    const u1 = state('u1', oldBox);
    const u2 = state('u2', box);
    const u3 = state('u3', oldBox);
    const elsewhere = state('u1', oldBox, 'totp2');
    const base = await enrolled(u1, u2, u3, elsewhere);
    const put = vi.fn(base.totp.put);
    const steps = await rotateTotpSecrets(context(scripted(base, { totp: { put } })), PROVIDER);
    expect(steps).toStrictEqual([{ rotated: 1, skipped: [] }, { rotated: 1, skipped: [] }]);
    expect(put.mock.calls.map(([s, expected]) => [s.userId, s.version, expected])).toStrictEqual([['u1', 3, 2], ['u3', 3, 2]]);
    // Only the secret and the version change: the verification state is kept.
    expect(await base.totp.get(PROVIDER, 'u1')).toStrictEqual({ ...u1, sealedSecret: expect.stringMatching(/^tk1\.k2\./), version: 3 });
    expect(await secretOf(base, 'u1')).toBe('secret-u1');
    expect(await secretOf(base, 'u3')).toBe('secret-u3');
    expect(await base.totp.get(PROVIDER, 'u2')).toStrictEqual(u2);
    expect(await base.totp.get('totp2', 'u1')).toStrictEqual(elsewhere);
  });

  it('a user secret no key opens stays as stored and is reported with the user', async () => {
    const lost = state('u1', lostBox);
    const base = await enrolled(lost);
    const put = vi.fn(base.totp.put);
    expect(await rotateTotpSecrets(context(scripted(base, { totp: { put } })), PROVIDER)).toStrictEqual([
      { rotated: 0, skipped: [{ providerId: PROVIDER, userId: 'u1', code: 'SECRET_UNREADABLE', reason: expect.stringMatching(/^secret "secret" of user:totp1:u1 cannot be opened/) }] },
    ]);
    expect(put).not.toHaveBeenCalled();
    expect(await base.totp.get(PROVIDER, 'u1')).toStrictEqual(lost);
  });

  it('a verification that changed the state meanwhile makes it read the state again; the verification is kept', async () => {
    const u1 = state('u1', oldBox);
    const base = await enrolled(u1);
    let verified = false;
    const put = vi.fn(async (next: TotpUserState, expected?: number) => {
      if (!verified) {
        verified = true;
        await base.totp.put({ ...u1, lastStep: 6, failures: 0, version: 3 }, 2);
      }
      return base.totp.put(next, expected);
    });
    expect(await rotateTotpSecrets(context(scripted(base, { totp: { put } })), PROVIDER)).toStrictEqual([{ rotated: 1, skipped: [] }]);
    expect(put).toHaveBeenCalledTimes(2);
    expect(await base.totp.get(PROVIDER, 'u1')).toStrictEqual({ ...u1, sealedSecret: expect.stringMatching(/^tk1\.k2\./), lastStep: 6, failures: 0, version: 4 });
    expect(await secretOf(base, 'u1')).toBe('secret-u1');
  });

  it('a user re-sealed by another instance meanwhile is done: nothing written, nothing reported', async () => {
    const u1 = state('u1', oldBox);
    const base = await enrolled(u1);
    const theirs = { ...u1, sealedSecret: box.seal('secret-u1', userSecretContext(PROVIDER, 'u1')), version: 3 };
    let rotatedElsewhere = false;
    const put = vi.fn(async (next: TotpUserState, expected?: number) => {
      if (!rotatedElsewhere) {
        rotatedElsewhere = true;
        await base.totp.put(theirs, 2);
      }
      return base.totp.put(next, expected);
    });
    expect(await rotateTotpSecrets(context(scripted(base, { totp: { put } })), PROVIDER)).toStrictEqual([{ rotated: 0, skipped: [] }]);
    expect(put).toHaveBeenCalledTimes(1);
    expect(await base.totp.get(PROVIDER, 'u1')).toStrictEqual(theirs);
  });

  it('a user removed meanwhile is neither rotated nor reported', async () => {
    const base = await enrolled(state('u1', oldBox));
    const put = vi.fn(async (next: TotpUserState, expected?: number) => {
      await base.totp.delete(PROVIDER, 'u1');
      return base.totp.put(next, expected);
    });
    expect(await rotateTotpSecrets(context(scripted(base, { totp: { put } })), PROVIDER)).toStrictEqual([{ rotated: 0, skipped: [] }]);
    expect(put).toHaveBeenCalledTimes(1);
    expect(await base.totp.get(PROVIDER, 'u1')).toBeUndefined();
  });

  it('gives up after 5 conflicting writes and reports the user as CONFLICT, the state untouched', async () => {
    const u1 = state('u1', oldBox);
    const base = await enrolled(u1);
    // The 6th write would succeed: a loop that goes on past 5 attempts rotates instead.
    const put = failing(6, conflictOf('u1'), base.totp.put);
    expect(await rotateTotpSecrets(context(scripted(base, { totp: { put } })), PROVIDER)).toStrictEqual([
      { rotated: 0, skipped: [{ providerId: PROVIDER, userId: 'u1', code: 'CONFLICT', reason: 'TOTP state of u1 was changed concurrently (stale version)' }] },
    ]);
    expect(put).toHaveBeenCalledTimes(5);
    expect(await base.totp.get(PROVIDER, 'u1')).toStrictEqual(u1);
  });

  it('a failed write is reported with the storage error (a plain error as STORAGE_FAILED) and is not retried', async () => {
    for (const [error, why] of [
      [new TransportError('STORAGE_FAILED', 'disk full'), { code: 'STORAGE_FAILED', reason: 'disk full' }],
      [new Error('disk full'), { code: 'STORAGE_FAILED', reason: 'Error: disk full' }],
    ] as const) {
      const u1 = state('u1', oldBox);
      const base = await enrolled(u1);
      const put = failing(1, () => error, base.totp.put);
      expect(await rotateTotpSecrets(context(scripted(base, { totp: { put } })), PROVIDER)).toStrictEqual([{ rotated: 0, skipped: [{ providerId: PROVIDER, userId: 'u1', ...why }] }]);
      expect(put).toHaveBeenCalledTimes(1);
      expect(await base.totp.get(PROVIDER, 'u1')).toStrictEqual(u1);
    }
  });
});
