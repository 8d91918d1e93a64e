import type {
  ChallengeAttempt,
  ChallengeSend,
  ChallengeStart,
  ChallengeState,
  ChallengeThrottle,
  DeliveryState,
  RecoveryAttempt,
  RecoveryCodeSet,
  TotpAttempt,
  TotpAttemptRule,
  TotpUserState,
} from './types.js';

/**
 * The decisions of the contract's compare-and-set operations as pure functions of the current
 * row, so every adapter applies the same rule and only has to make read + write one atomic step
 * (no await in between in memory, a row lock in a database transaction).
 */

/** True when the ISO time `iso` is after the ISO time `now`. */
export function isAfter(iso: string | undefined, now: string): boolean {
  return iso !== undefined && Date.parse(iso) > Date.parse(now);
}

/** `totp.admitAttempt`: the state to write (if any) and the answer. */
export function admitTotpAttempt(current: TotpUserState | undefined, rule: TotpAttemptRule): { next?: TotpUserState; result: TotpAttempt } {
  if (!current) return { result: { status: 'not-enrolled' } };
  if (current.lockedUntil !== undefined && isAfter(current.lockedUntil, rule.now)) return { result: { status: 'locked', lockedUntil: current.lockedUntil } };
  const { lockedUntil: ended, ...rest } = current;
  const failures = ended === undefined ? current.failures : 0;
  if (failures >= rule.maxFailures) {
    return { next: { ...rest, failures, lockedUntil: rule.lockUntil, version: current.version + 1 }, result: { status: 'locked', lockedUntil: rule.lockUntil } };
  }
  const next: TotpUserState = {
    ...rest,
    failures: failures + 1,
    ...(failures + 1 >= rule.maxFailures ? { lockedUntil: rule.lockUntil } : {}),
    version: current.version + 1,
  };
  return { next, result: { status: 'admitted', state: next } };
}

/** `totp.advanceStep`: the state to write, or undefined for a replay or an unknown user. */
export function advanceTotpStep(current: TotpUserState | undefined, step: number, confirm: boolean): TotpUserState | undefined {
  if (!current || current.lastStep >= step) return undefined;
  const { lockedUntil: _dropped, ...rest } = current;
  return { ...rest, lastStep: step, failures: 0, confirmed: current.confirmed || confirm, version: current.version + 1 };
}

/**
 * `challenges.start` with a throttle, given the user's recorded sends: the answer, and when
 * started the sends to keep (the new one included, those that neither hold a window nor count
 * dropped).
 */
export function decideChallengeStart(
  sends: readonly ChallengeSend[],
  state: ChallengeState,
  now: string,
  throttle: ChallengeThrottle,
): { result: ChallengeStart; sends?: ChallengeSend[] } {
  const blocking = sends.find((s) => s.key === throttle.key && isAfter(s.resendAt, now));
  if (blocking) return { result: { status: 'throttled', current: blocking } };
  const counted = sends.filter((s) => isAfter(s.sentAt, throttle.since));
  if (counted.length >= throttle.maxSends) {
    const oldest = counted.reduce((a, b) => (Date.parse(b.sentAt) < Date.parse(a.sentAt) ? b : a));
    return { result: { status: 'capped', sends: counted.length, oldest: oldest.sentAt } };
  }
  const kept = sends.filter((s) => isAfter(s.resendAt, now) || isAfter(s.sentAt, throttle.since));
  const recorded: ChallengeSend = { challengeId: state.id, key: throttle.key, sentAt: state.sentAt, resendAt: state.resendAt };
  return { result: { status: 'started' }, sends: [...kept, recorded] };
}

/** `challenges.admitAttempt`: the state to write (if any) and the answer. */
export function admitChallengeAttempt(current: ChallengeState | undefined, challengeId: string, maxAttempts: number): { next?: ChallengeState; result: ChallengeAttempt } {
  if (!current || current.id !== challengeId) return { result: { status: 'gone' } };
  if (current.attempts >= maxAttempts) return { result: { status: 'locked', state: current } };
  const next = { ...current, attempts: current.attempts + 1 };
  return { next, result: { status: 'admitted', state: next } };
}

/** The order delivery statuses move in; equal ranks do not replace each other. */
export const DELIVERY_RANK: Readonly<Record<DeliveryState, number>> = { accepted: 0, delivered: 1, failed: 1, expired: 1, read: 2 };

/** `deliveries.advance`: true when `next` moves past `current`. */
export function deliveryAdvances(current: DeliveryState | undefined, next: DeliveryState): boolean {
  return current === undefined || DELIVERY_RANK[next] > DELIVERY_RANK[current];
}

/** `recoveryCodes.admitAttempt`: the set to write (if any) and the answer (the rule of `totp.admitAttempt`). */
export function admitRecoveryAttempt(current: RecoveryCodeSet | undefined, rule: TotpAttemptRule): { next?: RecoveryCodeSet; result: RecoveryAttempt } {
  if (!current || current.codes.length === 0) return { result: { status: 'none' } };
  if (current.lockedUntil !== undefined && isAfter(current.lockedUntil, rule.now)) return { result: { status: 'locked', lockedUntil: current.lockedUntil } };
  const { lockedUntil: ended, ...rest } = current;
  const failures = ended === undefined ? current.failures : 0;
  if (failures >= rule.maxFailures) {
    return { next: { ...rest, failures, lockedUntil: rule.lockUntil }, result: { status: 'locked', lockedUntil: rule.lockUntil } };
  }
  const next: RecoveryCodeSet = { ...rest, failures: failures + 1, ...(failures + 1 >= rule.maxFailures ? { lockedUntil: rule.lockUntil } : {}) };
  return { next, result: { status: 'admitted', set: next } };
}

/** `recoveryCodes.consume`: the set to write, or undefined when the code is not in it. */
export function consumeRecoveryCode(current: RecoveryCodeSet | undefined, codeId: string): RecoveryCodeSet | undefined {
  if (!current || !current.codes.some((c) => c.id === codeId)) return undefined;
  const { lockedUntil: _dropped, ...rest } = current;
  return { ...rest, codes: current.codes.filter((c) => c.id !== codeId), failures: 0 };
}
