import type { TransportError } from '../core/errors.js';
import type { Channel, Clock } from '../core/provider.js';
import type { ProviderRegistry } from '../registry/registry.js';
import type { Interval } from './schedule.js';
import type { BalanceLocale, BalanceWarningTemplate } from './templates.js';

/**
 * The host's user directory: the monitor stores only a user id per provider and asks the host
 * for that user's address on the provider's channel (phone number for `sms`, Threema ID for
 * `threema`, e-mail address for `email`), so addresses stay in the host's user records.
 */
export interface BalanceUserDirectory {
  /** The user's address for `channel`, or `undefined`/`null` when the user has none. May throw. */
  getAddress(userId: string, channel: Channel): string | undefined | null | Promise<string | undefined | null>;
}

/** Options of {@link BalanceMonitor}. */
export interface BalanceMonitorOptions {
  /** The registry whose providers are checked; its storage keeps the monitor's state. */
  readonly registry: ProviderRegistry;
  readonly users: BalanceUserDirectory;
  /** IANA time zone of the calendar day behind "one warning a day"; default `UTC`. */
  readonly timeZone?: string;
  /** Checks running at the same time in `checkAll`; default 4. */
  readonly concurrency?: number;
  /** Time limit in ms of each upstream call of a check (balance query, warning send); default 30,000. */
  readonly checkTimeoutMs?: number;
  /** Own warning texts per locale; the built-in ones fill the gaps. */
  readonly templates?: Partial<Record<BalanceLocale, BalanceWarningTemplate>>;
  /** Language of the warning; default `en`. */
  readonly locale?: BalanceLocale;
  /** Source of "now" for the calendar day; default the registry's clock. */
  readonly clock?: Clock;
}

/** Per-provider settings, as `configure` takes them. Omitted fields keep their stored value. */
export interface BalanceSettings {
  /** Warn when the balance is strictly below this; 0 = never warn. In the provider's unit. */
  readonly threshold?: number;
  /** The host's id of the user to warn; `null` clears it. */
  readonly notifyUserId?: string | null;
}

/** Why no warning can be delivered to the configured user. */
export type RecipientProblem = 'no-user' | 'no-address' | 'invalid-address' | 'lookup-failed' | 'provider-unavailable';

/** A balance as the monitor stores it. */
export interface BalanceReading {
  readonly amount: number;
  readonly unit: string;
  /** ISO time of the query (monitor clock). */
  readonly checkedAt: string;
}

/** What the balance screen shows for one provider. */
export interface BalanceStatus {
  readonly providerId: string;
  readonly providerName: string;
  readonly channel: Channel;
  /** The live provider reports a balance (`capabilities.balance`). */
  readonly balanceSupported: boolean;
  /** The last successfully queried balance and when. */
  readonly lastBalance?: BalanceReading;
  /** Warning threshold; 0 = never warn. */
  readonly threshold: number;
  /** The user to notify. */
  readonly notifyUserId?: string;
  /** The user's address for this provider's channel, normalised when valid. */
  readonly address?: string;
  /** A user is chosen AND their address is valid for this provider (`validateAddress`). */
  readonly recipientReady: boolean;
  /** Why `recipientReady` is false. */
  readonly recipientProblem?: RecipientProblem;
  /** Human-readable detail of the problem. */
  readonly recipientDetail?: string;
  /** Calendar day (`YYYY-MM-DD`) of the last warning sent. */
  readonly lastWarningDay?: string;
  /** The last failure (balance query or warning send), cleared by the next clean check. */
  readonly lastError?: { readonly code: string; readonly message: string; readonly at: string };
}

/** What happened about the warning in one check. */
export type BalanceWarningOutcome =
  /** Threshold 0, or the balance is not below it. */
  | { readonly status: 'not-needed' }
  | { readonly status: 'sent'; readonly day: string; readonly userId: string; readonly to: string; readonly messageId?: string }
  /** Today's warning was already claimed (sent by an earlier check or another instance). */
  | { readonly status: 'already-claimed'; readonly day: string }
  /** No valid recipient; nothing was claimed, so a later check today may still warn. */
  | { readonly status: 'skipped'; readonly day: string; readonly reason: RecipientProblem; readonly detail: string }
  /**
   * The send failed. `not-sent`: the claim was released so a later check today may retry.
   * `unknown` (timed out or aborted in flight, so it may have been delivered): the claim is kept,
   * and no second warning goes out that day.
   */
  | { readonly status: 'failed'; readonly day: string; readonly error: TransportError; readonly outcome: 'not-sent' | 'unknown' };

/** Result of checking one provider. */
export type BalanceCheckResult =
  | {
      readonly providerId: string;
      readonly ok: true;
      readonly balance: BalanceReading;
      readonly threshold: number;
      /** The balance is strictly below a non-zero threshold. */
      readonly below: boolean;
      readonly warning: BalanceWarningOutcome;
    }
  | {
      readonly providerId: string;
      readonly ok: false;
      /** Why the balance could not be read (TIMEOUT, AUTH_FAILED, UNAVAILABLE, ...). */
      readonly error: TransportError;
    };

/** Options of one check. */
export interface BalanceCheckOptions {
  /** Aborts the check (`ABORTED`). */
  readonly signal?: AbortSignal;
}

/** Options of {@link BalanceMonitor.start}. */
export interface BalanceStartOptions {
  /** Run `checkAll` right away (service start); default true. */
  readonly runOnStart?: boolean;
  /** Interval between runs; default `'24h'`. */
  readonly every?: Interval;
  /** Called with the results of every run. */
  readonly onRun?: (results: readonly BalanceCheckResult[]) => void;
  /** Called when a whole run failed (e.g. the provider list could not be read). */
  readonly onError?: (error: TransportError) => void;
}

export type { Interval };
