import type { EventLevel, ProviderEvent } from '../core/events.js';

/**
 * The storage contract a host implements for its own database. Every method may throw; the
 * registry wraps failures as `STORAGE_FAILED` and never falls back to memory. All timestamps are
 * ISO 8601 strings and every record is JSON-serialisable, so a document or JSON column works.
 *
 * Semantics shared by all stores:
 * - a miss returns `undefined` (or `false`, or an empty list), it does not throw;
 * - records with a `version` use optimistic concurrency: a write with an expected version that
 *   differs from the stored one throws a TransportError `CONFLICT`;
 * - values handed in and returned are copies: mutating them never changes what is stored.
 */
export interface TransportStorage {
  readonly providers: ProviderStore;
  readonly usages: UsageStore;
  readonly defaults: DefaultsStore;
  readonly events: EventStore;
  readonly balance: BalanceStore;
  readonly totp: TotpStore;
  readonly challenges: ChallengeStore;
  /**
   * True for a store whose data lives only in this process (the in-memory adapter). Only then
   * may the registry generate a process-local secret key when the host gives none.
   */
  readonly processLocal?: boolean;
  /** Releases connections; optional. */
  close?(): Promise<void>;
}

/** A stored provider configuration. Secrets are sealed envelopes, never plain values. */
export interface ProviderRecord {
  readonly id: string;
  /** Provider type id (`smtp`, `aspsms`, `threema`, `totp`, `memory`, or a host type). */
  readonly type: string;
  /** Channel the provider delivers on (`email`, `sms`, `threema`, `totp`, ...). */
  readonly channel: string;
  /** Human-readable name shown in the host's UI. */
  readonly name: string;
  /** The validated, non-secret configuration. */
  readonly config: Readonly<Record<string, unknown>>;
  /** Sealed secret values by field name; a field that is not set is absent. */
  readonly secrets: Readonly<Record<string, string>>;
  readonly eventLevel: EventLevel;
  /** Starts at 1, incremented by every update. */
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** Provider records. */
export interface ProviderStore {
  /** The record, or `undefined` when there is none. */
  get(id: string): Promise<ProviderRecord | undefined>;
  /** All records, in creation order. */
  list(): Promise<ProviderRecord[]>;
  /** Stores a new record (version 1); `CONFLICT` when the id exists. */
  insert(record: ProviderRecord): Promise<void>;
  /**
   * Replaces a record atomically when the stored version equals `expectedVersion`; the new
   * record carries `expectedVersion + 1`. `CONFLICT` on a version mismatch, `NOT_FOUND` when gone.
   */
  update(record: ProviderRecord, expectedVersion: number): Promise<void>;
  /** Deletes a record; returns false when there was none. */
  delete(id: string): Promise<boolean>;
}

/** A place in the host that uses a provider ("used by"). */
export interface UsageRef {
  /** What kind of thing uses it, e.g. `form`, `tenant-default`. */
  readonly kind: string;
  /** The host's id of that thing. */
  readonly id: string;
  /** What the host shows for it. */
  readonly label?: string;
}

/** Usage references per provider. */
export interface UsageStore {
  /** Adds a reference; adding the same `kind` + `id` again replaces its label. */
  add(providerId: string, usage: UsageRef): Promise<void>;
  /** Removes one reference; false when there was none. */
  remove(providerId: string, kind: string, id: string): Promise<boolean>;
  /** The references of a provider, in insertion order; empty when none. */
  list(providerId: string): Promise<UsageRef[]>;
  /** Removes every reference of a provider. */
  removeAll(providerId: string): Promise<void>;
}

/** One default-provider setting. `tenant` is `null` for the global default. */
export interface DefaultEntry {
  readonly channel: string;
  readonly tenant: string | null;
  readonly providerId: string;
}

/** Default providers per channel, globally and per tenant. */
export interface DefaultsStore {
  /** The provider id set for channel + tenant (`null` = global), or `undefined`. No fallback here. */
  get(channel: string, tenant: string | null): Promise<string | undefined>;
  /** Sets (or with `undefined` clears) the default for channel + tenant. */
  set(channel: string, tenant: string | null, providerId: string | undefined): Promise<void>;
  /** Every setting. */
  list(): Promise<DefaultEntry[]>;
}

/** Which events to read. */
export interface EventQuery {
  readonly providerId?: string;
  /** Only events of these types. */
  readonly types?: readonly string[];
  /** Only events at or after this ISO time. */
  readonly since?: string;
  /** At most this many, the newest ones (default: all). */
  readonly limit?: number;
}

/** The event log. */
export interface EventStore {
  /** Appends an event. */
  append(event: ProviderEvent): Promise<void>;
  /** Events matching the query, oldest first. */
  list(query?: EventQuery): Promise<ProviderEvent[]>;
}

/** Balance-monitor state of one provider. */
export interface BalanceState {
  readonly providerId: string;
  /** Warn when the balance is below this; 0 = never warn. */
  readonly threshold: number;
  /** The host's id of the user to notify. */
  readonly notifyUserId?: string;
  readonly lastBalance?: { readonly amount: number; readonly unit: string; readonly checkedAt: string };
  readonly lastError?: { readonly code: string; readonly message: string; readonly at: string };
  /** Calendar day (YYYY-MM-DD, monitor's time zone) of the last warning sent. */
  readonly lastWarningDay?: string;
}

/** Balance-monitor state and the daily warning claim. */
export interface BalanceStore {
  /** The state, or `undefined`. */
  get(providerId: string): Promise<BalanceState | undefined>;
  /** Stores the state (last write wins: the fields are idempotent observations). */
  put(state: BalanceState): Promise<void>;
  /**
   * Atomically claims the warning of `providerId` for `day` (YYYY-MM-DD). Exactly one caller per
   * provider and day gets `true`, also across processes sharing the store.
   */
  claimDailyWarning(providerId: string, day: string): Promise<boolean>;
  /** Gives a claim back (the warning could not be sent), so a later check that day may claim it. */
  releaseDailyWarning(providerId: string, day: string): Promise<void>;
}

/** TOTP enrolment of one user with one TOTP provider. */
export interface TotpUserState {
  readonly providerId: string;
  readonly userId: string;
  /** The shared secret, sealed. */
  readonly sealedSecret: string;
  /** True once the user confirmed enrolment with a first valid code. */
  readonly confirmed: boolean;
  /** Last accepted time step (replay protection); -1 when none. */
  readonly lastStep: number;
  /** Consecutive failed verifications. */
  readonly failures: number;
  /** ISO time until which verification is locked, if locked. */
  readonly lockedUntil?: string;
  readonly createdAt: string;
  readonly version: number;
}

/** TOTP state. */
export interface TotpStore {
  /** The state, or `undefined`. */
  get(providerId: string, userId: string): Promise<TotpUserState | undefined>;
  /** Every state of a provider (for key rotation). */
  list(providerId: string): Promise<TotpUserState[]>;
  /**
   * Writes a state. With `expectedVersion` undefined the user must not exist yet (else
   * `CONFLICT`); otherwise the stored version must equal it (else `CONFLICT`). The stored
   * version becomes `state.version`.
   */
  put(state: TotpUserState, expectedVersion?: number): Promise<void>;
  /**
   * Atomically sets `lastStep` to `step` when the stored `lastStep` is lower, resetting failures.
   * Returns false when the step was already reached (a replay) or the user is unknown.
   */
  advanceStep(providerId: string, userId: string, step: number): Promise<boolean>;
  /** Deletes a state; false when none. */
  delete(providerId: string, userId: string): Promise<boolean>;
}

/** A live one-time-code challenge of the second-factor service. Holds only a hash of the code. */
export interface ChallengeState {
  readonly userId: string;
  readonly providerId: string;
  readonly codeHash: string;
  readonly sentAt: string;
  readonly expiresAt: string;
  readonly attempts: number;
  readonly version: number;
}

/** Second-factor challenges, one live challenge per user. */
export interface ChallengeStore {
  /** The challenge, or `undefined`. */
  get(userId: string): Promise<ChallengeState | undefined>;
  /**
   * Writes a challenge. With `expectedVersion` undefined any existing one is replaced; otherwise
   * the stored version must equal it (else `CONFLICT`).
   */
  put(state: ChallengeState, expectedVersion?: number): Promise<void>;
  /**
   * Deletes the challenge; with `expectedVersion` only when the stored version equals it.
   * Returns true when this call deleted it (exactly one of two racing deletes wins).
   */
  delete(userId: string, expectedVersion?: number): Promise<boolean>;
}
