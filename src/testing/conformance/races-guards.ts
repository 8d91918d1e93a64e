import { expectSame, expectThat } from './contract-error.js';
import { at, challengeState, totpState } from './fixtures.js';
import type { RaceScenario } from './race.js';
import { oneWinner, versioned } from './races-registry.js';

const MAX = 5;
/** How many outcomes have `status` equal to `status`. */
const count = (outcomes: readonly { readonly status: string }[], status: string) => outcomes.filter((o) => o.status === status).length;
/** The sorted counters of the admitted outcomes: 1..n when each admission counted once. */
const counters = (outcomes: readonly { readonly status: string; readonly n?: number }[]) =>
  outcomes.filter((o) => o.status === 'admitted').map((o) => o.n ?? 0).sort((a, b) => a - b);
/** How many of `callers` codes must be admitted: MAX, or all of them when there are fewer. */
const admissible = (callers: number) => Math.min(MAX, callers);
const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

const dailyClaim: RaceScenario<boolean> = {
  id: 'balance.claimDailyWarning',
  rule: 'exactly one caller per provider and day gets true',
  async setup() {},
  call: (s) => s.balance.claimDailyWarning('p1', '2026-03-29'),
  async verify(s, outcomes) {
    const rule = 'Atomically claims the warning of `providerId` for `day`. Exactly one caller per provider and day gets `true`';
    expectSame(outcomes.filter(Boolean).length, 1, { method: 'balance.claimDailyWarning', problem: 'not exactly one concurrent claim got true', rule });
    expectSame(await s.balance.claimDailyWarning('p1', '2026-03-29'), false, { method: 'balance.claimDailyWarning', problem: 'a later claim of the day got true', rule });
  },
};

const advanceStep: RaceScenario<boolean> = {
  id: 'totp.advanceStep-one-step',
  rule: 'an accepted step is never accepted again: of concurrent advances to one step exactly one wins',
  async setup(s) {
    await s.totp.put(totpState({ failures: 2 }));
  },
  call: (s) => s.totp.advanceStep('totp1', 'u1', 7),
  async verify(s, outcomes) {
    const rule = 'Atomic compare-and-set: when the stored `lastStep` is lower, sets `lastStep = step` ... bumps `version` and returns true';
    expectSame(outcomes.filter(Boolean).length, 1, { method: 'totp.advanceStep', problem: 'not exactly one concurrent advance to one step got true', rule });
    expectSame(await s.totp.get('totp1', 'u1'), totpState({ lastStep: 7, version: 2 }), { method: 'totp.advanceStep', problem: 'the state after the race is not the one accepted step', rule });
  },
};

/** An admission outcome: the status and, when admitted, the counter it stored (failures or attempts). */
type Admission = { readonly status: string; readonly n?: number };

const totpAdmission: RaceScenario<Admission> = {
  id: 'totp.admitAttempt-max-failures',
  rule: `with maxFailures ${MAX}, exactly ${MAX} of many concurrent codes are admitted for comparison, then the user is locked (all of them when fewer call)`,
  async setup(s) {
    await s.totp.put(totpState());
  },
  async call(s) {
    const r = await s.totp.admitAttempt('totp1', 'u1', { now: at(10), maxFailures: MAX, lockUntil: at(900) });
    return r.status === 'admitted' ? { status: r.status, n: r.state.failures } : { status: r.status };
  },
  async verify(s, outcomes) {
    const rule = 'So with `maxFailures` n, at most n codes are compared per lock period, however many callers race';
    const clause = (problem: string) => ({ method: 'totp.admitAttempt', problem, rule });
    const n = admissible(outcomes.length);
    expectSame(count(outcomes, 'admitted'), n, clause(`not exactly ${n} of ${outcomes.length} concurrent codes were admitted`));
    expectSame(count(outcomes, 'locked'), outcomes.length - n, clause('the codes not admitted were not all locked'));
    expectSame(counters(outcomes), oneTo(n), clause('the admitted codes were not each counted once (failures 1..n)'));
    const locked = n === MAX ? { lockedUntil: at(900) } : {};
    expectSame(await s.totp.get('totp1', 'u1'), totpState({ failures: n, ...locked, version: 1 + n }), clause('the state does not count each admitted code once, with one version each (and the lock at maxFailures)'));
  },
};

const totpPut: RaceScenario<{ readonly mark: string; readonly won: boolean }> = {
  id: 'totp.put-one-version',
  rule: 'of many concurrent writes with one expected version exactly one wins',
  async setup(s) {
    await s.totp.put(totpState());
  },
  call: (s, index) => versioned(`s${index}`, () => s.totp.put(totpState({ sealedSecret: `s${index}`, version: 2 }), 1)),
  async verify(s, outcomes) {
    oneWinner('totp.put', outcomes, (await s.totp.get('totp1', 'u1'))?.sealedSecret, 'otherwise the stored version must equal it (else `CONFLICT`). Atomic: one winner per version');
  },
};

/** A start outcome: the status, and the id of the challenge a throttled caller was shown. */
type Start = { readonly status: string; readonly current?: string };

const challengeStart: RaceScenario<Start> = {
  id: 'challenges.start-throttled',
  rule: 'of many concurrent throttled starts with one key inside one resend window exactly one is started',
  async setup() {},
  async call(s, index) {
    const r = await s.challenges.start(challengeState({ id: `c${index}` }), { now: at(0), throttle: { key: 'sms', maxSends: 1000, since: at(-3600) } });
    return r.status === 'throttled' ? { status: r.status, current: r.current.challengeId } : { status: r.status };
  },
  async verify(s, outcomes) {
    const rule = 'So of many concurrent starts with one key inside one resend window exactly one is `started`';
    const clause = (problem: string) => ({ method: 'challenges.start', problem, rule });
    const winner = outcomes.findIndex((o) => o.status === 'started');
    expectSame(count(outcomes, 'started'), 1, clause(`not exactly one of ${outcomes.length} concurrent throttled starts was started`));
    expectSame((await s.challenges.get('u1'))?.id, `c${winner}`, clause("the stored challenge is not the started caller's"));
    const shown = outcomes.find((o) => o.status === 'throttled' && o.current !== `c${winner}`);
    expectThat(shown === undefined, clause('a throttled caller was shown another send than the started one'), shown);
  },
};

const CAP = 3;

const challengeCap: RaceScenario<Start> = {
  id: 'challenges.start-capped',
  rule: `with maxSends ${CAP}, exactly ${CAP} of many concurrent starts with distinct keys are started (all of them when fewer call)`,
  async setup() {},
  async call(s, index) {
    const r = await s.challenges.start(challengeState({ id: `c${index}` }), { now: at(0), throttle: { key: `k${index}`, maxSends: CAP, since: at(-3600) } });
    return { status: r.status };
  },
  async verify(s, outcomes) {
    const rule = 'and of many with any keys at most `maxSends` are, also across processes';
    const clause = (problem: string) => ({ method: 'challenges.start', problem, rule });
    const n = Math.min(CAP, outcomes.length);
    expectSame(count(outcomes, 'started'), n, clause(`not exactly ${n} of ${outcomes.length} concurrent starts with distinct keys were started`));
    expectSame(count(outcomes, 'capped'), outcomes.length - n, clause('the starts not started were not all capped'));
    const after = await s.challenges.start(challengeState({ id: 'late' }), { now: at(1), throttle: { key: 'late', maxSends: CAP, since: at(-3600) } });
    expectSame(after.status === 'capped' ? after.sends : n, n, clause('the recorded sends are not the started ones'));
  },
};

const challengeAdmission: RaceScenario<Admission> = {
  id: 'challenges.admitAttempt-max-attempts',
  rule: `with maxAttempts ${MAX}, exactly ${MAX} of many concurrent codes are admitted for comparison`,
  async setup(s) {
    await s.challenges.start(challengeState(), { now: at(0) });
  },
  async call(s) {
    const r = await s.challenges.admitAttempt('u1', 'c1', MAX);
    return r.status === 'gone' ? { status: r.status } : { status: r.status, n: r.state.attempts };
  },
  async verify(s, outcomes) {
    const rule = 'Atomic: ... At most `maxAttempts` codes are admitted per challenge';
    const clause = (problem: string) => ({ method: 'challenges.admitAttempt', problem, rule });
    const n = admissible(outcomes.length);
    expectSame(count(outcomes, 'admitted'), n, clause(`not exactly ${n} of ${outcomes.length} concurrent codes were admitted`));
    expectSame(count(outcomes, 'locked'), outcomes.length - n, clause('the codes not admitted were not all locked'));
    expectSame(counters(outcomes), oneTo(n), clause('the admitted codes were not each counted once (attempts 1..n)'));
    expectSame(await s.challenges.get('u1'), challengeState({ attempts: n }), clause('the stored challenge does not count each admitted code once'));
  },
};

const challengeDelete: RaceScenario<boolean> = {
  id: 'challenges.delete-one-challenge',
  rule: 'of racing deletes of one challenge exactly one wins',
  async setup(s) {
    await s.challenges.start(challengeState(), { now: at(0) });
  },
  call: (s) => s.challenges.delete('u1', 'c1'),
  async verify(s, outcomes) {
    const rule = 'Returns true when this call deleted it: of racing deletes exactly one wins';
    expectSame(outcomes.filter(Boolean).length, 1, { method: 'challenges.delete', problem: 'not exactly one of the racing deletes returned true', rule });
    expectSame(await s.challenges.get('u1'), undefined, { method: 'challenges.delete', problem: 'the challenge is still there', rule });
  },
};

const challengeMark: RaceScenario<boolean | string> = {
  id: 'challenges.markDelivered-vs-start',
  rule: 'marking a challenge as delivered never brings back a challenge that a concurrent start replaced',
  async setup(s) {
    await s.challenges.start(challengeState(), { now: at(0) });
  },
  async call(s, index) {
    if (index === 0) return (await s.challenges.start(challengeState({ id: 'c2', sentAt: at(1) }), { now: at(1) })).status;
    return s.challenges.markDelivered('u1', 'c1', `p${index}`);
  },
  async verify(s) {
    const rule = 'Atomic: false, and nothing changes, when the user\'s live challenge has another id or there is none';
    expectSame(await s.challenges.get('u1'), challengeState({ id: 'c2', sentAt: at(1) }), { method: 'challenges.markDelivered', problem: 'the challenge started last is not the live one, unmarked', rule });
  },
};

/** The race scenarios of the balance claim, TOTP state and second-factor challenges. */
export const guardRaceScenarios: readonly RaceScenario[] = [
  dailyClaim,
  advanceStep,
  totpAdmission,
  totpPut,
  challengeStart,
  challengeCap,
  challengeAdmission,
  challengeDelete,
  challengeMark,
];
