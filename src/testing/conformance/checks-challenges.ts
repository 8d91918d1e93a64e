import { clausesOf, SHARED_RULES, type StorageCheck } from './check.js';
import { expectSame } from './contract-error.js';
import { at, challengeState as challenge, scribble } from './fixtures.js';

const clause = clausesOf('challenges');
const THROTTLED = '1. a recorded send of the user with `throttle.key` whose `resendAt` is after `now`: nothing changes, `throttled` with that send';
const CAPPED = '2. the user\'s recorded sends (any key) with `sentAt` after `throttle.since` number `throttle.maxSends` or more: nothing changes, `capped` with their count and the earliest `sentAt`';
const STARTED = '3. else stores `state`, records the send `{ challengeId: state.id, key, sentAt: state.sentAt, resendAt: state.resendAt }` and returns `started`';
const ADMIT = '`gone` when the user\'s challenge has another id or none; `locked` when its `attempts >= maxAttempts`; else `attempts + 1` and `admitted`';
const DELETE = "Deletes the user's challenge; with `challengeId` only when it is that one. Returns true when this call deleted it";
const RELEASE = 'With `release` (and a `challengeId`) the send recorded for that challenge is removed too, whether or not the challenge was still live';
const started = { status: 'started' };
/** A throttle by key (default `sms`), 5 sends per user since second -3600. */
const sms = (key = 'sms', maxSends = 5, since = at(-3600)) => ({ key, maxSends, since });
/** The send `start` records for `challengeState(over)` with key `key`. */
const sendOf = (over: Parameters<typeof challenge>[0] = {}, key = 'sms') => {
  const c = challenge(over);
  return { challengeId: c.id, key, sentAt: c.sentAt, resendAt: c.resendAt };
};

/** Checks of {@link ChallengeStore}: start with and without throttle, admitAttempt, delete. */
export const challengeChecks: readonly StorageCheck[] = [
  {
    store: 'challenges',
    name: 'start without throttle stores the challenge and always replaces the previous one, per user',
    async run(s) {
      expectSame(await s.challenges.get('u1'), undefined, clause('get', 'a missing challenge did not give undefined', "The user's challenge, or `undefined`"));
      const rule = 'Without `throttle` it always replaces and records nothing';
      const second = challenge({ id: 'c2', sentAt: at(10), codeHash: 'other' });
      expectSame(await s.challenges.start(challenge(), { now: at(0) }), started, clause('start', 'a first challenge was not started', rule));
      expectSame(await s.challenges.start(second, { now: at(10) }), started, clause('start', 'a challenge inside the resend window was not replaced without throttle', rule));
      await s.challenges.start(challenge({ userId: 'u2' }), { now: at(10) });
      expectSame(await s.challenges.get('u1'), second, clause('start', 'the stored challenge is not the last one started', rule));
      expectSame(await s.challenges.get('u2'), challenge({ userId: 'u2' }), clause('start', 'the challenges of two users are not kept apart', 'at most one live challenge per user'));
      expectSame(await s.challenges.start(challenge({ id: 'c3' }), { now: at(11), throttle: sms() }), started, clause('start', 'unthrottled starts recorded a send that throttled a later start', rule));
    },
  },
  {
    store: 'challenges',
    name: 'start with throttle: throttled by a send with the same key inside its window, even after its challenge is gone or replaced',
    async run(s) {
      expectSame(await s.challenges.start(challenge(), { now: at(0), throttle: sms() }), started, clause('start', 'a first throttled start was not started', STARTED));
      const result = await s.challenges.start(challenge({ id: 'c2' }), { now: at(59), throttle: sms() });
      expectSame(result, { status: 'throttled', current: sendOf() }, clause('start', 'a start inside the resend window of its key was not throttled with the recorded send', THROTTLED));
      expectSame(await s.challenges.get('u1'), challenge(), clause('start', 'a throttled start changed the stored challenge', THROTTLED));
      await s.challenges.delete('u1', 'c1');
      expectSame(await s.challenges.start(challenge({ id: 'c3' }), { now: at(30), throttle: sms() }), { status: 'throttled', current: sendOf() }, clause('start', 'deleting the challenge reopened the window of its send', THROTTLED));
      await s.challenges.start(challenge({ id: 'c4', providerId: 'totp' }), { now: at(31) });
      expectSame(await s.challenges.start(challenge({ id: 'c5' }), { now: at(32), throttle: sms() }), { status: 'throttled', current: sendOf() }, clause('start', 'replacing the challenge without throttle reopened the window', THROTTLED));
    },
  },
  {
    store: 'challenges',
    name: 'start with throttle: another key has its own window; the window ends at resendAt',
    async run(s) {
      await s.challenges.start(challenge(), { now: at(0), throttle: sms() });
      const email = challenge({ id: 'c2', sentAt: at(10), resendAt: at(70) });
      expectSame(await s.challenges.start(email, { now: at(10), throttle: sms('email') }), started, clause('start', 'a start with another key was throttled by the first key', THROTTLED));
      expectSame(await s.challenges.get('u1'), email, clause('start', 'the started challenge is not the live one', STARTED));
      const next = challenge({ id: 'c3', sentAt: at(60), resendAt: at(120) });
      expectSame(await s.challenges.start(next, { now: at(60), throttle: sms() }), started, clause('start', 'a send whose resendAt is not after now still throttled', THROTTLED));
      expectSame(
        await s.challenges.start(challenge({ id: 'c4', sentAt: at(61) }), { now: at(61), throttle: sms('email') }),
        { status: 'throttled', current: sendOf({ id: 'c2', sentAt: at(10), resendAt: at(70) }, 'email') },
        clause('start', 'the second key lost its own window', THROTTLED),
      );
    },
  },
  {
    store: 'challenges',
    name: 'start with throttle: capped at maxSends per user since `since`, all keys together',
    async run(s) {
      for (const [i, key] of ['sms', 'email', 'threema'].entries()) {
        expectSame(await s.challenges.start(challenge({ id: `c${i}`, sentAt: at(i) }), { now: at(i), throttle: sms(key, 3) }), started, clause('start', `send ${i + 1} of 3 was not started`, STARTED));
      }
      const capped = await s.challenges.start(challenge({ id: 'c9', sentAt: at(100) }), { now: at(100), throttle: sms('pager', 3) });
      expectSame(capped, { status: 'capped', sends: 3, oldest: at(0) }, clause('start', 'a fourth send within the cap was not capped with the count and the earliest send', CAPPED));
      expectSame((await s.challenges.get('u1'))?.id, 'c2', clause('start', 'a capped start changed the stored challenge', CAPPED));
      expectSame(await s.challenges.start(challenge({ id: 'c10', sentAt: at(101) }), { now: at(101), throttle: sms('pager', 3, at(0)) }), started, clause('start', 'a send not after `since` still counted', CAPPED));
      expectSame(await s.challenges.start(challenge({ id: 'u2c', userId: 'u2' }), { now: at(102), throttle: sms('pager', 3) }), started, clause('start', 'the sends of another user counted', 'per user'));
    },
  },
  {
    store: 'challenges',
    name: 'admitAttempt: gone for another or no challenge, admitted up to maxAttempts, then locked',
    async run(s) {
      expectSame(await s.challenges.admitAttempt('u1', 'c1', 3), { status: 'gone' }, clause('admitAttempt', 'a missing challenge did not give gone', ADMIT));
      await s.challenges.start(challenge(), { now: at(0) });
      expectSame(await s.challenges.admitAttempt('u1', 'c0', 3), { status: 'gone' }, clause('admitAttempt', 'a replaced challenge id did not give gone', ADMIT));
      for (const attempts of [1, 2, 3]) {
        expectSame(await s.challenges.admitAttempt('u1', 'c1', 3), { status: 'admitted', state: challenge({ attempts }) }, clause('admitAttempt', `attempt ${attempts} did not give the counted state`, ADMIT));
      }
      expectSame(await s.challenges.admitAttempt('u1', 'c1', 3), { status: 'locked', state: challenge({ attempts: 3 }) }, clause('admitAttempt', 'a code beyond maxAttempts was admitted', ADMIT));
      expectSame(await s.challenges.get('u1'), challenge({ attempts: 3 }), clause('admitAttempt', 'a locked attempt changed the challenge', ADMIT));
    },
  },
  {
    store: 'challenges',
    name: 'delete with release removes the send of that challenge, whether or not it is still live',
    async run(s) {
      await s.challenges.start(challenge(), { now: at(0), throttle: sms() });
      expectSame(await s.challenges.delete('u1', 'c1', { release: true }), true, clause('delete', 'a releasing delete of the live challenge did not return true', DELETE));
      expectSame(await s.challenges.start(challenge({ id: 'c2', sentAt: at(1) }), { now: at(1), throttle: sms() }), started, clause('delete', 'a released send still throttled', RELEASE));
      await s.challenges.start(challenge({ id: 'c3', sentAt: at(2), resendAt: at(62) }), { now: at(2), throttle: sms('email') });
      expectSame(await s.challenges.delete('u1', 'c2', { release: true }), false, clause('delete', 'a releasing delete of a replaced challenge returned true', DELETE));
      expectSame((await s.challenges.get('u1'))?.id, 'c3', clause('delete', 'a releasing delete of a replaced challenge deleted the live one', DELETE));
      expectSame(await s.challenges.start(challenge({ id: 'c4', sentAt: at(3) }), { now: at(3), throttle: sms() }), started, clause('delete', 'the send of a replaced challenge was not released', RELEASE));
    },
  },
  {
    store: 'challenges',
    name: 'delete with an id deletes only that challenge, without an id any; true only when this call deleted',
    async run(s) {
      await s.challenges.start(challenge(), { now: at(0) });
      expectSame(await s.challenges.delete('u1', 'c0'), false, clause('delete', 'a delete naming another challenge returned true', DELETE));
      expectSame(await s.challenges.get('u1'), challenge(), clause('delete', 'a delete naming another challenge deleted it', DELETE));
      expectSame(await s.challenges.delete('u1', 'c1'), true, clause('delete', 'a delete naming the challenge did not return true', DELETE));
      expectSame(await s.challenges.delete('u1', 'c1'), false, clause('delete', 'a second delete returned true', DELETE));
      await s.challenges.start(challenge({ id: 'c2' }), { now: at(0) });
      expectSame(await s.challenges.delete('u1'), true, clause('delete', 'a delete without id did not delete the challenge', DELETE));
      expectSame(await s.challenges.delete('u1'), false, clause('delete', 'a delete without id of no challenge returned true', DELETE));
      expectSame(await s.challenges.get('u1'), undefined, clause('delete', 'the deleted challenge is still there', DELETE));
    },
  },
  {
    store: 'challenges',
    name: 'markDelivered records the delivering provider on the live challenge only',
    async run(s) {
      const MARK = 'Records which provider delivered the code of challenge `challengeId` (`deliveredBy`), changing nothing else';
      const GONE = 'false, and nothing changes, when the user\'s live challenge has another id or there is none';
      expectSame(await s.challenges.markDelivered('u1', 'c1', 'sms'), false, clause('markDelivered', 'marking a missing challenge returned true', GONE));
      await s.challenges.start(challenge(), { now: at(0) });
      await s.challenges.admitAttempt('u1', 'c1', 5);
      expectSame(await s.challenges.markDelivered('u1', 'c0', 'sms'), false, clause('markDelivered', 'marking another challenge returned true', GONE));
      expectSame(await s.challenges.get('u1'), challenge({ attempts: 1 }), clause('markDelivered', 'marking another challenge changed the live one', GONE));
      expectSame(await s.challenges.markDelivered('u1', 'c1', 'sms'), true, clause('markDelivered', 'marking the live challenge did not return true', MARK));
      expectSame(await s.challenges.get('u1'), { ...challenge({ attempts: 1 }), deliveredBy: 'sms' }, clause('markDelivered', 'the live challenge does not read back with deliveredBy and the rest unchanged', MARK));
      expectSame(await s.challenges.admitAttempt('u1', 'c1', 5), { status: 'admitted', state: { ...challenge({ attempts: 2 }), deliveredBy: 'sms' } }, clause('admitAttempt', 'counting an attempt lost deliveredBy', MARK));
    },
  },
  {
    store: 'challenges',
    name: 'challenges handed in and returned are copies',
    async run(s) {
      const handedIn = challenge();
      const throttle = sms();
      await s.challenges.start(handedIn, { now: at(0), throttle });
      scribble(handedIn);
      scribble(throttle);
      scribble(await s.challenges.get('u1'));
      scribble(await s.challenges.start(challenge({ id: 'c2' }), { now: at(1), throttle: sms() }));
      scribble(await s.challenges.admitAttempt('u1', 'c1', 5));
      expectSame(await s.challenges.get('u1'), challenge({ attempts: 1 }), clause('get', 'changing a challenge handed in or returned changed the store', SHARED_RULES.copies));
      expectSame(await s.challenges.start(challenge({ id: 'c3' }), { now: at(2), throttle: sms() }), { status: 'throttled', current: sendOf() }, clause('start', 'changing a send handed in or returned changed the store', SHARED_RULES.copies));
    },
  },
];
