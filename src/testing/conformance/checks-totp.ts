import type { TotpAttemptRule, TransportStorage } from '../../storage/types.js';
import { clausesOf, SHARED_RULES, sameSet, type StorageCheck } from './check.js';
import { expectCode, expectSame, expectThat } from './contract-error.js';
import { at, scribble, totpState as state } from './fixtures.js';

const clause = clausesOf('totp');
const PUT = 'With `expectedVersion` undefined the user must not exist yet (else `CONFLICT`); otherwise the stored version must equal it (else `CONFLICT`, also when the user is gone)';
const ADVANCE = 'when the stored `lastStep` is lower, sets `lastStep = step`, `failures = 0`, removes `lockedUntil`, sets `confirmed` when `options.confirm`, bumps `version` and returns true';
const REPLAY = 'Returns false (nothing changes) when the step was reached already (a replay) or the user is unknown';
const rule = (now: number, maxFailures: number, lockUntil: number): TotpAttemptRule => ({ now: at(now), maxFailures, lockUntil: at(lockUntil) });
const get = (s: TransportStorage) => s.totp.get('totp1', 'u1');

/** Checks of {@link TotpStore}: versioned put, list, delete, admitAttempt steps 1-5, advanceStep. */
export const totpChecks: readonly StorageCheck[] = [
  {
    store: 'totp',
    name: 'put without expectedVersion creates a state only when the user has none',
    async run(s) {
      expectSame(await get(s), undefined, clause('get', 'a missing state did not give undefined', 'The state, or `undefined`'));
      await s.totp.put(state());
      expectSame(await get(s), state(), clause('put', 'the state is not stored as given', 'Writes a state as given'));
      await expectCode(s.totp.put(state({ confirmed: true })), 'CONFLICT', clause('put', 'a create of an existing user was not refused with CONFLICT', PUT));
      expectSame(await get(s), state(), clause('put', 'a refused create changed the state', SHARED_RULES.failedCallChangesNothing));
    },
  },
  {
    store: 'totp',
    name: 'put with expectedVersion writes only over that version, CONFLICT otherwise and when the user is gone',
    async run(s) {
      await s.totp.put(state());
      await s.totp.put(state({ confirmed: true, version: 2 }), 1);
      expectSame(await get(s), state({ confirmed: true, version: 2 }), clause('put', 'a versioned write is not stored as given', 'Writes a state as given'));
      await expectCode(s.totp.put(state({ version: 3 }), 1), 'CONFLICT', clause('put', 'a stale expected version was not refused with CONFLICT', PUT));
      expectSame(await get(s), state({ confirmed: true, version: 2 }), clause('put', 'a refused write changed the state', SHARED_RULES.failedCallChangesNothing));
      await s.totp.delete('totp1', 'u1');
      await expectCode(s.totp.put(state({ version: 3 }), 2), 'CONFLICT', clause('put', 'a versioned write of a deleted user was not refused with CONFLICT', PUT));
      expectSame(await get(s), undefined, clause('put', 'a refused write recreated a deleted user', SHARED_RULES.failedCallChangesNothing));
    },
  },
  {
    store: 'totp',
    name: 'list returns the states of one provider; delete returns whether it deleted',
    async run(s) {
      await s.totp.put(state());
      await s.totp.put(state({ userId: 'u2' }));
      await s.totp.put(state({ providerId: 'other' }));
      const listed = await s.totp.list('totp1');
      expectThat(sameSet(listed, [state(), state({ userId: 'u2' })]), clause('list', 'the states of the provider are wrong', 'Every state of a provider'), listed);
      const rule = 'Deletes a state; false when none';
      expectSame(await s.totp.delete('totp1', 'u1'), true, clause('delete', 'deleting a state did not return true', rule));
      expectSame(await s.totp.delete('totp1', 'u1'), false, clause('delete', 'deleting it again did not return false', rule));
      expectSame(await s.totp.get('other', 'u1'), state({ providerId: 'other' }), clause('delete', "another provider's state was deleted", rule));
    },
  },
  {
    store: 'totp',
    name: 'admitAttempt steps 1-2: not-enrolled without a state; locked while lockedUntil is after now, nothing changes',
    async run(s) {
      expectSame(await s.totp.admitAttempt('totp1', 'u1', rule(0, 5, 900)), { status: 'not-enrolled' }, clause('admitAttempt', 'a missing state did not give not-enrolled', '1. no state: `not-enrolled`'));
      const locked = state({ failures: 5, lockedUntil: at(100) });
      await s.totp.put(locked);
      const step2 = '2. `lockedUntil` after `rule.now`: `locked` (nothing changes)';
      expectSame(await s.totp.admitAttempt('totp1', 'u1', rule(50, 5, 900)), { status: 'locked', lockedUntil: at(100) }, clause('admitAttempt', 'a code was admitted while locked', step2));
      expectSame(await get(s), locked, clause('admitAttempt', 'a locked attempt changed the state', step2));
    },
  },
  {
    store: 'totp',
    name: 'admitAttempt step 3: a lock that is not after now has ended, failures restart at 0',
    async run(s) {
      await s.totp.put(state({ failures: 5, lockedUntil: at(100) }));
      const step3 = '3. a `lockedUntil` not after `rule.now` has ended: drop it and reset `failures` to 0';
      const expected = state({ failures: 1, version: 2 });
      expectSame(await s.totp.admitAttempt('totp1', 'u1', rule(100, 5, 900)), { status: 'admitted', state: expected }, clause('admitAttempt', 'an ended lock was not dropped with failures counted from 0', step3));
      expectSame(await get(s), expected, clause('admitAttempt', 'the stored state is not the admitted one', step3));
    },
  },
  {
    store: 'totp',
    name: 'admitAttempt step 4: failures at maxFailures without a lock store the lock and give locked',
    async run(s) {
      await s.totp.put(state({ failures: 3 }));
      const step4 = '4. `failures >= rule.maxFailures`: store `lockedUntil = rule.lockUntil`, return `locked`';
      expectSame(await s.totp.admitAttempt('totp1', 'u1', rule(10, 3, 900)), { status: 'locked', lockedUntil: at(900) }, clause('admitAttempt', 'a code was admitted with the failures used up', step4));
      const stored = await get(s);
      expectSame(stored?.lockedUntil, at(900), clause('admitAttempt', 'the lock was not stored', step4));
      expectSame(stored?.failures, 3, clause('admitAttempt', 'the failures changed', step4));
      expectThat((stored?.version ?? 0) > 1, clause('admitAttempt', 'storing the lock did not bump the version', 'Incremented by every change, including `admitAttempt`'), stored);
    },
  },
  {
    store: 'totp',
    name: 'admitAttempt step 5: counts each code, bumps the version, stores the lock with the last one',
    async run(s) {
      await s.totp.put(state());
      const step5 = '5. else `failures + 1`; when that reaches `rule.maxFailures` also store `lockedUntil = rule.lockUntil`; bump `version`; return `admitted` with the new state';
      const admitted = [state({ failures: 1, version: 2 }), state({ failures: 2, version: 3 }), state({ failures: 3, version: 4, lockedUntil: at(910) })];
      for (const expected of admitted) {
        expectSame(await s.totp.admitAttempt('totp1', 'u1', rule(10, 3, 910)), { status: 'admitted', state: expected }, clause('admitAttempt', `attempt ${expected.failures} did not give the counted state`, step5));
        expectSame(await get(s), expected, clause('admitAttempt', `the stored state after attempt ${expected.failures} is not the admitted one`, step5));
      }
      expectSame(await s.totp.admitAttempt('totp1', 'u1', rule(11, 3, 920)), { status: 'locked', lockedUntil: at(910) }, clause('admitAttempt', 'a code beyond maxFailures was admitted', 'at most n codes are compared per lock period'));
    },
  },
  {
    store: 'totp',
    name: 'advanceStep accepts a higher step: lastStep, failures 0, lock dropped, version + 1',
    async run(s) {
      await s.totp.put(state({ lastStep: 5, failures: 3, lockedUntil: at(100) }));
      expectSame(await s.totp.advanceStep('totp1', 'u1', 6), true, clause('advanceStep', 'a higher step was refused', ADVANCE));
      expectSame(await get(s), state({ lastStep: 6, version: 2 }), clause('advanceStep', 'the accepted step did not set lastStep, reset failures, drop the lock and bump the version by one', ADVANCE));
    },
  },
  {
    store: 'totp',
    name: 'advanceStep refuses a replay, an older step and an unknown user, changing nothing',
    async run(s) {
      await s.totp.put(state({ lastStep: 6, failures: 2 }));
      for (const [step, problem] of [[6, 'a replayed step was accepted'], [5, 'an older step was accepted']] as const) {
        expectSame(await s.totp.advanceStep('totp1', 'u1', step), false, clause('advanceStep', problem, REPLAY));
      }
      expectSame(await s.totp.advanceStep('totp1', 'nobody', 1), false, clause('advanceStep', 'an unknown user was accepted', REPLAY));
      expectSame(await get(s), state({ lastStep: 6, failures: 2 }), clause('advanceStep', 'a refused step changed the state', REPLAY));
      expectSame(await s.totp.get('totp1', 'nobody'), undefined, clause('advanceStep', 'a refused step created a state', REPLAY));
    },
  },
  {
    store: 'totp',
    name: 'advanceStep sets confirmed only with confirm and never clears it',
    async run(s) {
      await s.totp.put(state());
      await s.totp.advanceStep('totp1', 'u1', 1);
      expectSame((await get(s))?.confirmed, false, clause('advanceStep', 'confirmed was set without options.confirm', ADVANCE));
      await s.totp.advanceStep('totp1', 'u1', 2, { confirm: true });
      expectSame((await get(s))?.confirmed, true, clause('advanceStep', 'options.confirm did not set confirmed', ADVANCE));
      await s.totp.advanceStep('totp1', 'u1', 3);
      expectSame(await get(s), state({ confirmed: true, lastStep: 3, version: 4 }), clause('advanceStep', 'a later step without confirm cleared confirmed', ADVANCE));
    },
  },
  {
    store: 'totp',
    name: 'states handed in and returned are copies',
    async run(s) {
      const handedIn = state();
      await s.totp.put(handedIn);
      scribble(handedIn);
      scribble(await get(s));
      scribble(await s.totp.list('totp1'));
      const attempt = await s.totp.admitAttempt('totp1', 'u1', rule(0, 5, 900));
      scribble(attempt);
      expectSame(await get(s), state({ failures: 1, version: 2 }), clause('get', 'changing a state handed in or returned changed the store', SHARED_RULES.copies));
    },
  },
];
