import { generate } from 'otplib';
import { describe, expect, it } from 'vitest';
import {
  createRegistry,
  generateSecretKey,
  hasErrorCode,
  memoryStorage,
  memoryTransport,
  type CodeCheckResult,
  type TextMessage,
  type TransportStorage,
} from '../../src/index.js';
import { createSecondFactor, resolveTotp, totp, type ChallengeInfo } from '../../src/providers/totp/index.js';
import { manualClock } from './setup.js';

/**
 * Races of the TOTP lock-out and the second-factor throttle: many concurrent calls on one
 * `memoryStorage()`, from one app instance and from two registries sharing the store. Each
 * scenario runs several rounds: the first starts the calls in array order, the others after a
 * random 0-3 ms delay each, so the store sees a different interleaving every time.
 */

const SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
/** Mid-step, so the drift window is the same for the whole burst. */
const START = Date.UTC(2030, 0, 1, 12, 0, 10);
const ROUNDS = 4;
const PHONE = '+41791234567';
const INSTANCES = [
  ['one app instance', 1],
  ['two app instances on one store', 2],
] as const;

/**
 * Starts every call at once and waits for all; with `jitter` each call first sleeps 0-3 ms.
 * Returns what each call resolved to or threw, in call order.
 */
async function race<T>(calls: readonly (() => Promise<T>)[], jitter: boolean): Promise<PromiseSettledResult<T>[]> {
  return Promise.allSettled(
    calls.map(async (call) => {
      if (jitter) await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
      return call();
    }),
  );
}

/** The results of calls that must all resolve: fails listing whatever was thrown instead. */
function resolved<T>(settled: readonly PromiseSettledResult<T>[]): T[] {
  expect(settled.flatMap((s) => (s.status === 'rejected' ? [s.reason] : []))).toEqual([]);
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}

/** How many results have each outcome (`ok` or the rejection reason). */
function tally(results: readonly CodeCheckResult[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of results) {
    const key = r.ok ? 'ok' : r.reason;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** A `memoryStorage()` that counts the codes its stores admitted for comparison. */
function countingStorage() {
  const base = memoryStorage();
  const admitted = { totp: 0, challenges: 0 };
  const storage: TransportStorage = {
    ...base,
    totp: {
      ...base.totp,
      async admitAttempt(...args: Parameters<typeof base.totp.admitAttempt>) {
        const attempt = await base.totp.admitAttempt(...args);
        if (attempt.status === 'admitted') admitted.totp += 1;
        return attempt;
      },
    },
    challenges: {
      ...base.challenges,
      async admitAttempt(...args: Parameters<typeof base.challenges.admitAttempt>) {
        const attempt = await base.challenges.admitAttempt(...args);
        if (attempt.status === 'admitted') admitted.challenges += 1;
        return attempt;
      },
    },
  };
  return { storage, admitted };
}

/** `instances` registries on one counting store and one clock, with TOTP and in-memory delivery. */
function instancesOn(instances: number) {
  const { storage, admitted } = countingStorage();
  const clock = manualClock(START);
  const memory = memoryTransport();
  const secretKeys = { keys: { k1: generateSecretKey() }, current: 'k1' };
  const registries = Array.from({ length: instances }, () => createRegistry({ types: [totp(), memory], storage, secretKeys, clock }));
  return { storage, admitted, clock, memory, registries, first: registries[0]! };
}

/** A user enrolled and confirmed with {@link SECRET}; call `i` goes to instance `i mod n`. */
async function totpWorld(instances: number, maxFailures: number) {
  const world = instancesOn(instances);
  const { id } = await world.first.create({ type: 'totp', config: { issuer: 'ACME', maxFailures, lockSeconds: 60 } });
  const auths = await Promise.all(world.registries.map((r) => resolveTotp(r, id)));
  await auths[0]!.import('u', { label: 'u', secret: SECRET });
  const codeAt = (step: number) => generate({ secret: SECRET, epoch: step * 30 });
  const step = () => Math.floor(world.clock.now() / 30_000);
  /** `n` distinct codes matching no step of the current drift window. */
  const wrong = async (n: number) => {
    const valid = new Set(await Promise.all([-1, 0, 1].map((d) => codeAt(step() + d))));
    const codes: string[] = [];
    for (let k = 1; codes.length < n; k += 1) {
      const code = String((123_456 + k * 7_919) % 1_000_000).padStart(6, '0');
      if (!valid.has(code)) codes.push(code);
    }
    return codes;
  };
  const verify = (i: number, code: string) => () => auths[i % auths.length]!.verify('u', code);
  const state = async () => (await world.storage.totp.get(id, 'u'))!;
  return { ...world, auths, right: () => codeAt(step()), wrong, verify, state };
}

/** A second-factor service per instance and an SMS provider; call `i` goes to service `i mod n`. */
async function factorWorld(instances: number, maxAttempts = 5) {
  const world = instancesOn(instances);
  const { id: sms } = await world.first.create({ type: 'memory', name: 'sms', config: { channel: 'sms' } });
  const factors = world.registries.map((registry) => createSecondFactor({ registry, maxAttempts, resendAfterSeconds: 30 }));
  const challenge = (i: number) => () => factors[i % factors.length]!.challenge('u', { providerId: sms, address: PHONE });
  const verify = (i: number, code: string) => () => factors[i % factors.length]!.verify('u', code);
  const codes = () => world.memory.outbox().map((m) => /\b(\d{6})\b/.exec((m.message as TextMessage).text)?.[1] ?? '');
  return { ...world, sms, factors, challenge, verify, codes };
}

describe.each(INSTANCES)('TOTP lock-out under concurrency, %s', (_name, instances) => {
  it('4 failures recorded, 29 wrong codes and the right one last: one code compared before the lock', async () => {
    // Round 0 is the reported burst as is; round 1 starts the right code first, so the branch
    // where it wins is exercised too; the other rounds interleave at random.
    for (let round = 0; round < ROUNDS + 2; round += 1) {
      const w = await totpWorld(instances, 5);
      const wrong = await w.wrong(29);
      for (const code of wrong.slice(0, 4)) expect(await w.auths[0]!.verify('u', code)).toStrictEqual({ ok: false, reason: 'mismatch' });
      const before = w.admitted.totp;
      const right = await w.right();
      const codes = round === 1 ? [right, ...wrong] : [...wrong, right];
      const results = resolved(await race(codes.map((code, i) => w.verify(i, code)), round > 1));
      const compared = w.admitted.totp - before;
      const counts = tally(results);
      const state = await w.state();
      if (counts.ok === undefined) {
        // The last attempt went to a wrong code: nothing else was compared, the right code was refused.
        expect(compared).toBe(1);
        expect(counts).toEqual({ locked: 30 });
        expect(state).toMatchObject({ failures: 5, lockedUntil: new Date(START + 60_000).toISOString() });
      } else {
        // The right code took the last attempt (so it was compared before the lock, not after it);
        // its success reset the count, and only the wrong codes admitted after that reset count.
        const after = compared - 1;
        expect(counts.ok).toBe(1);
        expect(after).toBeLessThanOrEqual(5);
        expect(counts).toEqual({ ok: 1, locked: 29 - Math.min(after, 4), ...(after > 0 ? { mismatch: Math.min(after, 4) } : {}) });
        expect(state.failures).toBe(after);
        expect(state.lockedUntil !== undefined).toBe(after === 5);
      }
    }
  });

  it('4 failures recorded, 30 right codes at once: exactly one is accepted, none throws', async () => {
    for (let round = 0; round < ROUNDS; round += 1) {
      const w = await totpWorld(instances, 5);
      for (const code of await w.wrong(4)) await w.auths[0]!.verify('u', code);
      const before = w.admitted.totp;
      const right = await w.right();
      const results = resolved(await race(Array.from({ length: 30 }, (_, i) => w.verify(i, right)), round > 0));
      const counts = tally(results);
      expect(counts.ok).toBe(1);
      expect((counts.ok ?? 0) + (counts.replayed ?? 0) + (counts.locked ?? 0)).toBe(30);
      // The accepted code plus, after its reset, at most maxFailures replays.
      expect(w.admitted.totp - before).toBeLessThanOrEqual(1 + 5);
      expect((await w.state()).lastStep).toBe(Math.floor(w.clock.now() / 30_000));
    }
  });

  it('20 wrong codes at once from no failures: exactly 5 compared, then nothing until the lock ends', async () => {
    for (let round = 0; round < ROUNDS; round += 1) {
      const w = await totpWorld(instances, 5);
      const results = resolved(await race((await w.wrong(20)).map((code, i) => w.verify(i, code)), round > 0));
      expect(w.admitted.totp).toBe(5);
      // Four mismatches; the fifth compared code locked; the other 15 were refused uncompared.
      expect(tally(results)).toEqual({ mismatch: 4, locked: 16 });
      const { lockedUntil } = await w.state();
      expect(lockedUntil).toBe(new Date(START + 60_000).toISOString());
      for (const r of results) if (!r.ok && r.reason === 'locked') expect(r.retryAt).toBe(lockedUntil);

      const right = await w.right();
      const whileLocked = resolved(await race(Array.from({ length: 10 }, (_, i) => w.verify(i, right)), round > 0));
      expect(tally(whileLocked)).toEqual({ locked: 10 });
      w.clock.set(Date.parse(lockedUntil!) - 1);
      expect(await w.auths[0]!.verify('u', await w.right())).toStrictEqual({ ok: false, reason: 'locked', retryAt: lockedUntil });
      expect(w.admitted.totp).toBe(5);
      w.clock.set(Date.parse(lockedUntil!));
      expect(await w.auths[instances - 1]!.verify('u', await w.right())).toStrictEqual({ ok: true });
      expect(await w.auths[0]!.status('u')).toEqual({ enrolled: true, confirmed: true });
      expect((await w.state()).failures).toBe(0);
    }
  });

  it('concurrent confirmations of a new enrolment: one accepts and confirms, none throws', async () => {
    for (let round = 0; round < ROUNDS; round += 1) {
      const w = await totpWorld(instances, 5);
      const { secret } = await w.auths[0]!.enroll('new', { label: 'new' });
      const code = await generate({ secret, epoch: Math.floor(w.clock.now() / 1000) });
      const calls = Array.from({ length: 10 }, (_, i) => () => w.auths[i % instances]!.confirm('new', code));
      const counts = tally(resolved(await race(calls, round > 0)));
      expect(counts.ok).toBe(1);
      // The losers are replays; they count, so five of them after the reset lock again.
      expect((counts.replayed ?? 0) + (counts.locked ?? 0)).toBe(9);
      expect(await w.auths[0]!.status('new')).toMatchObject({ enrolled: true, confirmed: true });
    }
  });
});

describe.each(INSTANCES)('second-factor throttle and attempts under concurrency, %s', (_name, instances) => {
  it.each([10, 50])('%i concurrent challenges deliver exactly one code; the others are RATE_LIMITED with retryAt', async (n) => {
    for (let round = 0; round < ROUNDS; round += 1) {
      const w = await factorWorld(instances);
      for (const window of [0, 1]) {
        const settled = await race(Array.from({ length: n }, (_, i) => w.challenge(i)), round > 0);
        const sent = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
        expect(sent).toHaveLength(1);
        const info: ChallengeInfo = sent[0]!;
        expect(info.resendAt).toBe(new Date(w.clock.now() + 30_000).toISOString());
        for (const s of settled) {
          if (s.status === 'fulfilled') continue;
          expect(hasErrorCode(s.reason, 'RATE_LIMITED')).toBe(true);
          expect(s.reason).toMatchObject({ details: { retryAt: info.resendAt, retryAfterSeconds: 30 } });
        }
        expect(w.memory.outbox()).toHaveLength(window + 1);
        // The next resend window opens exactly at resendAt.
        w.clock.set(Date.parse(info.resendAt!));
      }
      const [first, second] = w.codes();
      if (first !== second) expect(await w.factors[0]!.verify('u', first!)).toStrictEqual({ ok: false, reason: 'mismatch' });
      expect(await w.factors[instances - 1]!.verify('u', second!)).toStrictEqual({ ok: true });
    }
  });

  it('20 wrong codes at once: at most maxAttempts compared, then the right code is locked out', async () => {
    for (let round = 0; round < ROUNDS; round += 1) {
      const w = await factorWorld(instances, 5);
      await w.challenge(0)();
      const [code] = w.codes();
      const wrong = Array.from({ length: 20 }, (_, k) => String((Number(code) + 1 + k) % 1_000_000).padStart(6, '0'));
      const results = resolved(await race(wrong.map((c, i) => w.verify(i, c)), round > 0));
      expect(w.admitted.challenges).toBe(5);
      expect(tally(results)).toEqual({ mismatch: 4, locked: 16 });
      expect(await w.factors[0]!.pending('u')).toMatchObject({ attemptsLeft: 0 });
      expect(await w.verify(1, code!)()).toStrictEqual({ ok: false, reason: 'locked' });
    }
  });

  it('20 right and 5 wrong codes at once: exactly one is accepted, none throws', async () => {
    for (let round = 0; round < ROUNDS; round += 1) {
      const w = await factorWorld(instances, 10);
      await w.challenge(0)();
      const [code] = w.codes();
      const other = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
      const calls = [...Array.from({ length: 20 }, () => code!), ...Array.from({ length: 5 }, () => other)].map((c, i) => w.verify(i, c));
      const results = resolved(await race(calls, round > 0));
      expect(tally(results).ok).toBe(1);
      // A right code that lost is told so (or, arriving after the winner, finds no challenge); never a mismatch.
      for (const r of results.slice(0, 20)) {
        if (!r.ok) expect(['replayed', 'locked', 'no-challenge']).toContain(r.reason);
      }
      expect(w.admitted.challenges).toBeLessThanOrEqual(10);
      expect(await w.storage.challenges.get('u')).toBeUndefined();
    }
  });
});
