import type { TransportError, TransportErrorCode } from '../core/errors.js';

/** How a routed send retries (see `RegistrySendOptions.retry`). */
export interface RetryPolicy {
  /** Attempts per provider, the first included (default 3). */
  readonly attempts?: number;
  /** Base of the exponential backoff in milliseconds (default 200). */
  readonly baseDelayMs?: number;
  /** Cap of one backoff delay (default 10,000). */
  readonly maxDelayMs?: number;
  /** Time budget of the whole send, all providers and waits included (default 30,000). */
  readonly budgetMs?: number;
}

/** What the router does after a failed attempt. */
export type Decision =
  /** The message itself is at fault, the caller aborted, or it may have been sent: stop. */
  | 'stop'
  /** Worth another attempt on the same provider (after a backoff). */
  | 'retry'
  /** This provider cannot deliver it now: move on to the next one. */
  | 'next';

/** Faults of the message: no provider will take it. */
const MESSAGE_FAULTS: ReadonlySet<TransportErrorCode> = new Set(['MESSAGE_INVALID']);
/** Faults of this provider or this recipient on this channel: another provider may deliver. */
const PROVIDER_FAULTS: ReadonlySet<TransportErrorCode> = new Set([
  'INVALID_RECIPIENT',
  'INSUFFICIENT_CREDIT',
  'AUTH_FAILED',
  'CONFIG_INVALID',
  'SECRET_UNREADABLE',
  'NOT_FOUND',
  'UNSUPPORTED',
  'PROVIDER_IN_USE',
  'CONFLICT',
]);

/**
 * True when a failed send may still have reached the recipient: a timeout or an abort while the
 * request was out, or a provider saying so (`details.outcome: 'unknown'`). Such a send is never
 * repeated blindly.
 */
export function outcomeUnknown(error: TransportError): boolean {
  const outcome = error.details?.outcome;
  if (outcome === 'not-sent') return false;
  return outcome === 'unknown' || error.code === 'TIMEOUT' || error.code === 'ABORTED';
}

/** The decision table of routed sends (README "Routing, retries and delivery status"). */
export function decide(error: TransportError): Decision {
  if (MESSAGE_FAULTS.has(error.code) || outcomeUnknown(error)) return 'stop';
  if (PROVIDER_FAULTS.has(error.code)) return 'next';
  return error.retryable ? 'retry' : 'next';
}

/** True when the failure counts against the provider's circuit (not the message's or the recipient's fault). */
export function countsAgainstProvider(error: TransportError): boolean {
  return !MESSAGE_FAULTS.has(error.code) && error.code !== 'INVALID_RECIPIENT' && error.code !== 'ABORTED';
}

/**
 * The wait before retry `n` (0-based): full jitter over `min(max, base · 2^n)` (AWS, "Exponential
 * Backoff and Jitter"), and at least the upstream's Retry-After.
 */
export function backoffMs(n: number, policy: Required<RetryPolicy>, error: TransportError, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** n);
  const jittered = random() * ceiling;
  // The jitter is never negative, so a Retry-After of zero or below leaves it as it is.
  const retryAfter = error.upstream?.retryAfterSeconds ?? 0;
  return Number.isFinite(retryAfter) ? Math.max(retryAfter * 1000, jittered) : jittered;
}
