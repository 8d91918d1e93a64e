import { clausesOf, SHARED_RULES, type StorageCheck } from './check.js';
import { expectSame } from './contract-error.js';
import { at, challengeState as challenge, scribble } from './fixtures.js';

const clause = clausesOf('challenges');
const THROTTLE = 'with `throttle`, when the stored challenge has `expiresAt` and `resendAt` both after `now`, nothing changes and the result is `throttled` with it';
const ADMIT = '`gone` when the user\'s challenge has another id or none; `locked` when its `attempts >= maxAttempts`; else `attempts + 1` and `admitted`';
const DELETE = "Deletes the user's challenge; with `challengeId` only when it is that one. Returns true when this call deleted it";
const started = { status: 'started' };

/** Checks of {@link ChallengeStore}: start with and without throttle, admitAttempt, delete. */
export const challengeChecks: readonly StorageCheck[] = [
  {
    store: 'challenges',
    name: 'start without throttle stores the challenge and always replaces the previous one, per user',
    async run(s) {
      expectSame(await s.challenges.get('u1'), undefined, clause('get', 'a missing challenge did not give undefined', "The user's challenge, or `undefined`"));
      const rule = 'Without `throttle` it always replaces';
      const second = challenge({ id: 'c2', sentAt: at(10), codeHash: 'other' });
      expectSame(await s.challenges.start(challenge(), { now: at(0), throttle: false }), started, clause('start', 'a first challenge was not started', rule));
      expectSame(await s.challenges.start(second, { now: at(10), throttle: false }), started, clause('start', 'a challenge inside the resend window was not replaced without throttle', rule));
      await s.challenges.start(challenge({ userId: 'u2' }), { now: at(10), throttle: false });
      expectSame(await s.challenges.get('u1'), second, clause('start', 'the stored challenge is not the last one started', rule));
      expectSame(await s.challenges.get('u2'), challenge({ userId: 'u2' }), clause('start', 'the challenges of two users are not kept apart', 'at most one live challenge per user'));
    },
  },
  {
    store: 'challenges',
    name: 'start with throttle: throttled with the current challenge while expiresAt and resendAt are both after now',
    async run(s) {
      await s.challenges.start(challenge(), { now: at(0), throttle: true });
      const result = await s.challenges.start(challenge({ id: 'c2' }), { now: at(59), throttle: true });
      expectSame(result, { status: 'throttled', current: challenge() }, clause('start', 'a challenge inside its resend window was replaced', THROTTLE));
      expectSame(await s.challenges.get('u1'), challenge(), clause('start', 'a throttled start changed the stored challenge', THROTTLE));
    },
  },
  {
    store: 'challenges',
    name: 'start with throttle replaces a challenge outside its resend window or expired',
    async run(s) {
      await s.challenges.start(challenge(), { now: at(0), throttle: true });
      const next = challenge({ id: 'c2', sentAt: at(60), resendAt: at(400), expiresAt: at(120) });
      expectSame(await s.challenges.start(next, { now: at(60), throttle: true }), started, clause('start', 'a challenge whose resendAt is not after now was not replaced', THROTTLE));
      expectSame(await s.challenges.get('u1'), next, clause('start', 'the replacing challenge is not stored', THROTTLE));
      const last = challenge({ id: 'c3', sentAt: at(120) });
      expectSame(await s.challenges.start(last, { now: at(120), throttle: true }), started, clause('start', 'an expired challenge (expiresAt not after now) was not replaced', THROTTLE));
      expectSame(await s.challenges.get('u1'), last, clause('start', 'the replacing challenge is not stored', THROTTLE));
    },
  },
  {
    store: 'challenges',
    name: 'admitAttempt: gone for another or no challenge, admitted up to maxAttempts, then locked',
    async run(s) {
      expectSame(await s.challenges.admitAttempt('u1', 'c1', 3), { status: 'gone' }, clause('admitAttempt', 'a missing challenge did not give gone', ADMIT));
      await s.challenges.start(challenge(), { now: at(0), throttle: false });
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
    name: 'delete with an id deletes only that challenge, without an id any; true only when this call deleted',
    async run(s) {
      await s.challenges.start(challenge(), { now: at(0), throttle: false });
      expectSame(await s.challenges.delete('u1', 'c0'), false, clause('delete', 'a delete naming another challenge returned true', DELETE));
      expectSame(await s.challenges.get('u1'), challenge(), clause('delete', 'a delete naming another challenge deleted it', DELETE));
      expectSame(await s.challenges.delete('u1', 'c1'), true, clause('delete', 'a delete naming the challenge did not return true', DELETE));
      expectSame(await s.challenges.delete('u1', 'c1'), false, clause('delete', 'a second delete returned true', DELETE));
      await s.challenges.start(challenge({ id: 'c2' }), { now: at(0), throttle: false });
      expectSame(await s.challenges.delete('u1'), true, clause('delete', 'a delete without id did not delete the challenge', DELETE));
      expectSame(await s.challenges.delete('u1'), false, clause('delete', 'a delete without id of no challenge returned true', DELETE));
      expectSame(await s.challenges.get('u1'), undefined, clause('delete', 'the deleted challenge is still there', DELETE));
    },
  },
  {
    store: 'challenges',
    name: 'challenges handed in and returned are copies',
    async run(s) {
      const handedIn = challenge();
      await s.challenges.start(handedIn, { now: at(0), throttle: false });
      scribble(handedIn);
      scribble(await s.challenges.get('u1'));
      scribble(await s.challenges.start(challenge({ id: 'c2' }), { now: at(1), throttle: true }));
      scribble(await s.challenges.admitAttempt('u1', 'c1', 5));
      expectSame(await s.challenges.get('u1'), challenge({ attempts: 1 }), clause('get', 'changing a challenge handed in or returned changed the store', SHARED_RULES.copies));
    },
  },
];
