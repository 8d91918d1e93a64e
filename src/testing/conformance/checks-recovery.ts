import type { RecoveryCodeSet, TotpAttemptRule, TransportStorage } from '../../storage/types.js';
import { clausesOf, SHARED_RULES, type StorageCheck } from './check.js';
import { expectSame } from './contract-error.js';
import { at, scribble } from './fixtures.js';
import type { RaceScenario } from './race.js';

const clause = clausesOf('recoveryCodes');
const ADMIT = 'Counts one code before it is compared, with the rule of `totp.admitAttempt`';
const CONSUME = 'Atomic compare-and-delete: when the set still holds it, removes it, resets `failures` to 0, drops `lockedUntil` and returns true; else false';
const rule = (now: number, maxFailures: number, lockUntil: number): TotpAttemptRule => ({ now: at(now), maxFailures, lockUntil: at(lockUntil) });

/** The recovery codes of `u1`: three codes `r1`-`r3`, no failures. */
export const recoverySet = (over: Partial<RecoveryCodeSet> = {}): RecoveryCodeSet => ({
  userId: 'u1',
  codes: [
    { id: 'r1', hash: 'h1' },
    { id: 'r2', hash: 'h2' },
    { id: 'r3', hash: 'h3' },
  ],
  createdAt: at(0),
  failures: 0,
  ...over,
});

/** Runs `check` on the adapter's recovery-code store; an adapter without it (the store is optional) passes. */
const withStore =
  (check: (store: NonNullable<TransportStorage['recoveryCodes']>) => Promise<void>) =>
  async (s: TransportStorage): Promise<void> => {
    if (s.recoveryCodes) await check(s.recoveryCodes);
  };

/** Checks of the optional {@link RecoveryCodeStore}: put, get, delete, admitAttempt, consume. */
export const recoveryChecks: readonly StorageCheck[] = [
  {
    store: 'recoveryCodes',
    name: 'put stores a set per user, replacing the previous one; delete returns whether it deleted',
    run: withStore(async (store) => {
      expectSame(await store.get('u1'), undefined, clause('get', 'a missing set did not give undefined', "The user's set, or `undefined`"));
      await store.put(recoverySet());
      await store.put(recoverySet({ userId: 'u2' }));
      const replaced = recoverySet({ codes: [{ id: 'r9', hash: 'h9' }], createdAt: at(5) });
      await store.put(replaced);
      expectSame(await store.get('u1'), replaced, clause('put', 'the set was not replaced', 'Stores a new set for the user, replacing the previous one'));
      expectSame(await store.get('u2'), recoverySet({ userId: 'u2' }), clause('put', 'the sets of two users are not kept apart', 'per user'));
      expectSame(await store.delete('u1'), true, clause('delete', 'deleting a set did not return true', "Deletes the user's set; false when there was none"));
      expectSame(await store.delete('u1'), false, clause('delete', 'deleting it again did not return false', "Deletes the user's set; false when there was none"));
    }),
  },
  {
    store: 'recoveryCodes',
    name: 'admitAttempt: none without codes, counts each code, locks at maxFailures, a lock ends at lockedUntil',
    run: withStore(async (store) => {
      expectSame(await store.admitAttempt('u1', rule(0, 3, 900)), { status: 'none' }, clause('admitAttempt', 'a missing set did not give none', ADMIT));
      await store.put(recoverySet({ userId: 'u2', codes: [] }));
      expectSame(await store.admitAttempt('u2', rule(0, 3, 900)), { status: 'none' }, clause('admitAttempt', 'a set without codes did not give none', ADMIT));
      await store.put(recoverySet());
      for (const failures of [1, 2]) {
        expectSame(await store.admitAttempt('u1', rule(1, 3, 900)), { status: 'admitted', set: recoverySet({ failures }) }, clause('admitAttempt', `code ${failures} was not counted`, ADMIT));
      }
      const last = recoverySet({ failures: 3, lockedUntil: at(900) });
      expectSame(await store.admitAttempt('u1', rule(2, 3, 900)), { status: 'admitted', set: last }, clause('admitAttempt', 'the last code did not store the lock', ADMIT));
      expectSame(await store.admitAttempt('u1', rule(3, 3, 950)), { status: 'locked', lockedUntil: at(900) }, clause('admitAttempt', 'a code was admitted while locked', ADMIT));
      expectSame(await store.get('u1'), last, clause('admitAttempt', 'a locked attempt changed the set', ADMIT));
      expectSame(await store.admitAttempt('u1', rule(900, 3, 1900)), { status: 'admitted', set: recoverySet({ failures: 1 }) }, clause('admitAttempt', 'an ended lock was not dropped with failures counted from 0', ADMIT));
    }),
  },
  {
    store: 'recoveryCodes',
    name: 'consume removes one code once, resets failures and the lock; a code not in the set gives false',
    run: withStore(async (store) => {
      await store.put(recoverySet({ failures: 2, lockedUntil: at(100) }));
      expectSame(await store.consume('u1', 'r2'), true, clause('consume', 'a held code was not consumed', CONSUME));
      expectSame(await store.get('u1'), recoverySet({ codes: [{ id: 'r1', hash: 'h1' }, { id: 'r3', hash: 'h3' }] }), clause('consume', 'the set after consuming is wrong', CONSUME));
      expectSame(await store.consume('u1', 'r2'), false, clause('consume', 'a consumed code was consumed again', CONSUME));
      expectSame(await store.consume('nobody', 'r1'), false, clause('consume', 'a code of a missing set was consumed', CONSUME));
    }),
  },
  {
    store: 'recoveryCodes',
    name: 'sets handed in and returned are copies',
    run: withStore(async (store) => {
      const handedIn = recoverySet();
      await store.put(handedIn);
      scribble(handedIn);
      scribble(await store.get('u1'));
      scribble(await store.admitAttempt('u1', rule(0, 5, 900)));
      expectSame(await store.get('u1'), recoverySet({ failures: 1 }), clause('get', 'changing a set handed in or returned changed the store', SHARED_RULES.copies));
    }),
  },
];

const MAX = 5;

/** Of many concurrent uses of one recovery code exactly one consumes it. */
export const recoveryConsumeRace: RaceScenario<boolean> = {
  id: 'recoveryCodes.consume-one-code',
  rule: 'of racing uses of one recovery code exactly one wins',
  async setup(s) {
    await s.recoveryCodes?.put(recoverySet());
  },
  call: async (s) => (s.recoveryCodes ? s.recoveryCodes.consume('u1', 'r1') : false),
  async verify(s, outcomes) {
    if (!s.recoveryCodes) return;
    const method = 'recoveryCodes.consume';
    expectSame(outcomes.filter(Boolean).length, 1, { method, problem: 'not exactly one of the racing uses of one code returned true', rule: CONSUME });
    expectSame((await s.recoveryCodes.get('u1'))?.codes.map((c) => c.id), ['r2', 'r3'], { method, problem: 'the set after the race is not the set without the code', rule: CONSUME });
  },
};

/** With maxFailures 5 exactly 5 of many concurrent codes are admitted for comparison. */
export const recoveryAdmitRace: RaceScenario<string> = {
  id: 'recoveryCodes.admitAttempt-max-failures',
  rule: `with maxFailures ${MAX}, exactly ${MAX} of many concurrent recovery codes are admitted for comparison (all of them when fewer call)`,
  async setup(s) {
    await s.recoveryCodes?.put(recoverySet());
  },
  call: async (s) => (s.recoveryCodes ? (await s.recoveryCodes.admitAttempt('u1', rule(10, MAX, 900))).status : 'none'),
  async verify(s, outcomes) {
    if (!s.recoveryCodes) return;
    const method = 'recoveryCodes.admitAttempt';
    const n = Math.min(MAX, outcomes.length);
    expectSame(outcomes.filter((o) => o === 'admitted').length, n, { method, problem: `not exactly ${n} of ${outcomes.length} concurrent codes were admitted`, rule: ADMIT });
    expectSame((await s.recoveryCodes.get('u1'))?.failures, n, { method, problem: 'the failures do not count each admitted code once', rule: ADMIT });
  },
};
