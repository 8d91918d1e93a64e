import type { EventLevel, ProviderEvent } from '../core/events.js';

/**
 * The storage contract (version 2) a host implements for its own database.
 *
 * Several app instances may share one store, so every invariant of the registry, the TOTP
 * provider and the second-factor service is **one store operation** here, never a
 * read-check-write sequence in the caller. A method documented as *atomic* must behave as if
 * no other call ran while it did, also across processes (a transaction, a conditional
 * `UPDATE ... WHERE`, `INSERT ... ON CONFLICT`, or a lock). A method that fails must leave the
 * stored state as it was before the call.
 *
 * Rules shared by every store:
 * - a miss returns `undefined` (or `false`, an empty list, a `status`), it does not throw;
 * - a method may throw for an infrastructure failure (connection lost, disk full); the registry
 *   wraps such errors as `STORAGE_FAILED` and bounds every call with `storageTimeoutMs`. The only
 *   TransportErrors an adapter throws on purpose are `CONFLICT` (stale version, duplicate id) and
 *   `NOT_FOUND` where a method says so;
 * - values handed in and returned are copies: mutating them never changes what is stored;
 * - timestamps are ISO 8601 strings in UTC (`Date#toISOString()`); an adapter compares them as
 *   instants (`Date.parse`), never by the host's clock: the caller passes `now` where it matters;
 * - every record is JSON-serialisable, so a document or JSONB column works.
 *
 * `runStorageConformance` of `transportkit/testing` checks each rule, with races of 50+
 * concurrent callers per invariant, and can drive the races from several processes.
 */
export interface TransportStorage {
  readonly providers: ProviderStore;
  readonly usages: UsageStore;
  readonly defaults: DefaultsStore;
  readonly events: EventStore;
  readonly balance: BalanceStore;
  readonly totp: TotpStore;
  readonly challenges: ChallengeStore;
  readonly idempotency: IdempotencyStore;
  readonly deliveries: DeliveryStore;
  /**
   * Optional: the second factor's recovery codes. Without it the registry and everything else
   * work; only the recovery-code methods of the second factor fail with `UNSUPPORTED`.
   */
  readonly recoveryCodes?: RecoveryCodeStore;
  /**
   * True for a store whose data lives only in this process (the in-memory adapter). Only then
   * may the registry generate a process-local secret key when the host gives none.
   */
  readonly processLocal?: boolean;
  /**
   * Optional: announces changes of provider records made through any instance sharing the store
   * (PostgreSQL `LISTEN/NOTIFY`, an in-process emitter). With it the registry serves sends from
   * its cached record and rebuilds on a `provider` change, instead of reading the record on every
   * send. The adapter calls `onChange` after the change is committed, at most about a second
   * later; when it may have missed changes (a listener connection was lost) it calls
   * `onChange({ kind: 'reset' })` once it listens again, and the registry drops every cached
   * record. Resolves once listening, to a function that stops it. Adapters without `watch` keep
   * the per-send read.
   */
  watch?(onChange: (change: StorageChange) => void): Promise<() => Promise<void>>;
  /**
   * Releases connections, file handles and locks. Optional. Called once by whoever created the
   * adapter (the registry does not own the store); the conformance kit calls it after each test.
   */
  close?(): Promise<void>;
}

/** What {@link TransportStorage.watch} announces. */
export type StorageChange =
  /** The provider record `id` was created, updated or removed. */
  | { readonly kind: 'provider'; readonly id: string }
  /** Changes may have been missed: forget every cached record. */
  | { readonly kind: 'reset' };

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

/** What {@link ProviderStore.remove} did. */
export type ProviderRemoval =
  /** Deleted, together with the usages and defaults that pointed at it (listed here). */
  | { readonly status: 'removed'; readonly record: ProviderRecord; readonly usages: readonly UsageRef[]; readonly defaults: readonly DefaultEntry[] }
  /** Nothing stored under that id. */
  | { readonly status: 'not-found' }
  /** Not deleted (no `force`): these usages and defaults refer to it. At least one list is non-empty. */
  | { readonly status: 'in-use'; readonly usages: readonly UsageRef[]; readonly defaults: readonly DefaultEntry[] };

/** Provider records. */
export interface ProviderStore {
  /** The record, or `undefined` when there is none. */
  get(id: string): Promise<ProviderRecord | undefined>;
  /** All records, in creation order. */
  list(): Promise<ProviderRecord[]>;
  /** Stores a new record as given (version 1). Throws `CONFLICT` when the id exists. */
  insert(record: ProviderRecord): Promise<void>;
  /**
   * Replaces a record when the stored version equals `expectedVersion`; the stored record then
   * carries `expectedVersion + 1` whatever `record.version` says. Atomic: of many concurrent
   * updates with the same expected version exactly one succeeds. Throws `CONFLICT` on a version
   * mismatch and `NOT_FOUND` when the record is gone. Usages and defaults are kept.
   */
  update(record: ProviderRecord, expectedVersion: number): Promise<void>;
  /**
   * Deletes a record unless something refers to it. Atomic, together with
   * {@link UsageStore.add} and {@link DefaultsStore.set}: no interleaving may leave a usage or a
   * default pointing at a deleted record, nor delete a record that has one without `force`.
   *
   * - without `force`: `in-use` (nothing changed) when the record has usages or is a default,
   *   else `removed`;
   * - with `force`: deletes the record, its usages and every default naming it, in one step.
   */
  remove(id: string, options: { readonly force: boolean }): Promise<ProviderRemoval>;
}

/** A place in the host that uses a provider ("used by"). */
export interface UsageRef {
  /** What kind of thing uses it, e.g. `form`, `workflow`. */
  readonly kind: string;
  /** The host's id of that thing. */
  readonly id: string;
  /** What the host shows for it. */
  readonly label?: string;
}

/** Usage references per provider. Defaults are not stored here: they are their own store. */
export interface UsageStore {
  /**
   * Adds a reference to an existing provider; adding the same `kind` + `id` again replaces its
   * label and keeps its position. Atomic with {@link ProviderStore.remove}: returns `false` and
   * stores nothing when the provider does not exist (or is being removed).
   */
  add(providerId: string, usage: UsageRef): Promise<boolean>;
  /** Removes one reference; `false` when there was none. */
  remove(providerId: string, kind: string, id: string): Promise<boolean>;
  /** The references of a provider, in insertion order; empty when none. */
  list(providerId: string): Promise<UsageRef[]>;
}

/** One default-provider setting. `tenant` is `null` for the global default. */
export interface DefaultEntry {
  readonly channel: string;
  readonly tenant: string | null;
  readonly providerId: string;
}

/** Default providers per channel, globally and per tenant: at most one per channel and tenant. */
export interface DefaultsStore {
  /** The provider id set for channel + tenant (`null` = global), or `undefined`. No fallback here. */
  get(channel: string, tenant: string | null): Promise<string | undefined>;
  /**
   * Makes `providerId` the default of channel + tenant, replacing any previous one (exactly one
   * default per channel and tenant, also when many callers set it at once: the last write wins).
   * Atomic with {@link ProviderStore.remove}: returns `false` and changes nothing when no
   * provider with that id *and that channel* exists.
   */
  set(channel: string, tenant: string | null, providerId: string): Promise<boolean>;
  /** Clears the default of channel + tenant; returns the provider id it named, or `undefined`. */
  clear(channel: string, tenant: string | null): Promise<string | undefined>;
  /** Every setting, or those naming `filter.providerId`; in no particular order. */
  list(filter?: { readonly providerId?: string }): Promise<DefaultEntry[]>;
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

/**
 * The event log. Events hold recipients (personal data): a host keeps it bounded with
 * {@link prune} (or an adapter's own retention, as `memoryStorage({ maxEvents })` does).
 */
export interface EventStore {
  /**
   * Appends a batch of events in the given order (the registry writes in batches from a queue,
   * never on a send's path). An empty batch is a no-op. Either the whole batch is stored or,
   * when the call throws, none of it.
   */
  appendMany(events: readonly ProviderEvent[]): Promise<void>;
  /** Events matching the query, oldest first (by `time`, then by append order). */
  list(query?: EventQuery): Promise<ProviderEvent[]>;
  /** Deletes every event whose `time` is before `before` (an ISO time); returns how many. */
  prune(options: { readonly before: string }): Promise<number>;
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
  /**
   * Codes admitted for comparison since the last accepted code or the last lock ended. It counts
   * a code when it is admitted, before it is compared, so concurrent guesses cannot outrun it.
   */
  readonly failures: number;
  /** ISO time until which verification is locked, if locked. */
  readonly lockedUntil?: string;
  readonly createdAt: string;
  /** Incremented by every change, including {@link TotpStore.admitAttempt} and {@link TotpStore.advanceStep}. */
  readonly version: number;
}

/** The rule {@link TotpStore.admitAttempt} applies. */
export interface TotpAttemptRule {
  /** The caller's current time (ISO); a lock whose `lockedUntil` is not after it has ended. */
  readonly now: string;
  /** Codes that may be compared before the lock, at least 1. */
  readonly maxFailures: number;
  /** The `lockedUntil` to store when this attempt uses up the last one. */
  readonly lockUntil: string;
}

/** What {@link TotpStore.admitAttempt} decided. */
export type TotpAttempt =
  /** The code may be compared; `state` is the state after counting it. */
  | { readonly status: 'admitted'; readonly state: TotpUserState }
  /** Locked until `lockedUntil`: the code must not be compared. */
  | { readonly status: 'locked'; readonly lockedUntil: string }
  /** No enrolment for this user. */
  | { readonly status: 'not-enrolled' };

/** TOTP state. */
export interface TotpStore {
  /** The state, or `undefined`. */
  get(providerId: string, userId: string): Promise<TotpUserState | undefined>;
  /** Every state of a provider (for key rotation). */
  list(providerId: string): Promise<TotpUserState[]>;
  /**
   * Writes a state as given. With `expectedVersion` undefined the user must not exist yet (else
   * `CONFLICT`); otherwise the stored version must equal it (else `CONFLICT`, also when the user
   * is gone). Atomic: one winner per version.
   */
  put(state: TotpUserState, expectedVersion?: number): Promise<void>;
  /**
   * Counts one code before it is compared. Atomic; in this order:
   * 1. no state: `not-enrolled`;
   * 2. `lockedUntil` after `rule.now`: `locked` (nothing changes);
   * 3. a `lockedUntil` not after `rule.now` has ended: drop it and reset `failures` to 0;
   * 4. `failures >= rule.maxFailures`: store `lockedUntil = rule.lockUntil`, return `locked`;
   * 5. else `failures + 1`; when that reaches `rule.maxFailures` also store
   *    `lockedUntil = rule.lockUntil`; bump `version`; return `admitted` with the new state.
   *
   * So with `maxFailures` n, at most n codes are compared per lock period, however many
   * callers race.
   */
  admitAttempt(providerId: string, userId: string, rule: TotpAttemptRule): Promise<TotpAttempt>;
  /**
   * Accepts a code of time step `step`. Atomic compare-and-set: when the stored `lastStep` is
   * lower, sets `lastStep = step`, `failures = 0`, removes `lockedUntil`, sets `confirmed` when
   * `options.confirm`, bumps `version` and returns true. Returns false (nothing changes) when the
   * step was reached already (a replay) or the user is unknown.
   */
  advanceStep(providerId: string, userId: string, step: number, options?: { readonly confirm?: boolean }): Promise<boolean>;
  /** Deletes a state; false when none. */
  delete(providerId: string, userId: string): Promise<boolean>;
}

/** A live one-time-code challenge of the second-factor service. Holds only a hash of the code. */
export interface ChallengeState {
  /** Unique per challenge (a random id): tells a replaced challenge from the one a caller read. */
  readonly id: string;
  readonly userId: string;
  /** The provider the challenge was started with (for a route, its first provider). */
  readonly providerId: string;
  /** The provider that delivered the code, when it is another one (a route failed over). */
  readonly deliveredBy?: string;
  readonly codeHash: string;
  readonly sentAt: string;
  readonly expiresAt: string;
  /** Before this ISO time no other code may be sent to this user on the same channel (the resend window). */
  readonly resendAt: string;
  /** Codes admitted for comparison so far. */
  readonly attempts: number;
}

/**
 * A code delivery that {@link ChallengeStore.start} recorded with `throttle`: it holds its
 * key's resend window until `resendAt` and counts toward the user's cap while `sentAt` is after
 * the cap's `since`, whether its challenge is still live or was used, replaced or cancelled.
 */
export interface ChallengeSend {
  /** The id of the challenge that was sent. */
  readonly challengeId: string;
  /** The throttle key, e.g. the channel (`sms`, `email`). */
  readonly key: string;
  readonly sentAt: string;
  readonly resendAt: string;
}

/** The resend rule {@link ChallengeStore.start} applies (absent: no throttle). */
export interface ChallengeThrottle {
  /** What a resend window belongs to besides the user: the second factor uses the channel. */
  readonly key: string;
  /** At most this many sends per user, all keys together, with `sentAt` after `since`. */
  readonly maxSends: number;
  /** ISO time: older sends no longer count toward `maxSends`. */
  readonly since: string;
}

/** What {@link ChallengeStore.start} did. */
export type ChallengeStart =
  | { readonly status: 'started' }
  /** A send with the same key is inside its resend window (`current.resendAt` after `now`); nothing changed. */
  | { readonly status: 'throttled'; readonly current: ChallengeSend }
  /** The user had `maxSends` sends since `since` already; `oldest` is the earliest of them. Nothing changed. */
  | { readonly status: 'capped'; readonly sends: number; readonly oldest: string };

/** What {@link ChallengeStore.admitAttempt} decided. */
export type ChallengeAttempt =
  /** The code may be compared; `state` is the state after counting it. */
  | { readonly status: 'admitted'; readonly state: ChallengeState }
  /** `maxAttempts` codes were compared already; nothing changed. */
  | { readonly status: 'locked'; readonly state: ChallengeState }
  /** The challenge `challengeId` is no longer the user's live one (consumed, replaced, cancelled). */
  | { readonly status: 'gone' };

/** Second-factor challenges: at most one live challenge per user. */
export interface ChallengeStore {
  /** The user's challenge, or `undefined`. */
  get(userId: string): Promise<ChallengeState | undefined>;
  /**
   * Stores `state` as the user's live challenge, replacing the previous one. Without `throttle`
   * it always replaces and records nothing. With `throttle`, atomically and in this order:
   * 1. a recorded send of the user with `throttle.key` whose `resendAt` is after `now`: nothing
   *    changes, `throttled` with that send;
   * 2. the user's recorded sends (any key) with `sentAt` after `throttle.since` number
   *    `throttle.maxSends` or more: nothing changes, `capped` with their count and the earliest
   *    `sentAt`;
   * 3. else stores `state`, records the send `{ challengeId: state.id, key, sentAt: state.sentAt,
   *    resendAt: state.resendAt }` and returns `started`. Sends that neither hold a window nor
   *    count (`resendAt` not after `now`, `sentAt` not after `since`) may be dropped.
   *
   * So of many concurrent starts with one key inside one resend window exactly one is
   * `started`, and of many with any keys at most `maxSends` are, also across processes.
   */
  start(state: ChallengeState, options: { readonly now: string; readonly throttle?: ChallengeThrottle }): Promise<ChallengeStart>;
  /**
   * Counts one code of challenge `challengeId` before it is compared. Atomic: `gone` when the
   * user's challenge has another id or none; `locked` when its `attempts >= maxAttempts`; else
   * `attempts + 1` and `admitted`. At most `maxAttempts` codes are admitted per challenge.
   */
  admitAttempt(userId: string, challengeId: string, maxAttempts: number): Promise<ChallengeAttempt>;
  /**
   * Deletes the user's challenge; with `challengeId` only when it is that one. Returns true when
   * this call deleted it: of racing deletes exactly one wins. With `release` (and a
   * `challengeId`) the send recorded for that challenge is removed too, whether or not the
   * challenge was still live: its delivery failed, so it neither holds a window nor counts.
   */
  delete(userId: string, challengeId?: string, options?: { readonly release?: boolean }): Promise<boolean>;
  /**
   * Records which provider delivered the code of challenge `challengeId` (`deliveredBy`),
   * changing nothing else. Atomic: false, and nothing changes, when the user's live challenge
   * has another id or there is none (it was replaced or consumed meanwhile).
   */
  markDelivered(userId: string, challengeId: string, providerId: string): Promise<boolean>;
}

/** A user's recovery codes: salted hashes only, each usable once. */
export interface RecoveryCodeSet {
  readonly userId: string;
  /** The codes not used yet, each a random id and a salted hash. */
  readonly codes: readonly { readonly id: string; readonly hash: string }[];
  readonly createdAt: string;
  /** Codes admitted for comparison since the last accepted one or the last lock ended. */
  readonly failures: number;
  /** ISO time until which no code is compared, if locked. */
  readonly lockedUntil?: string;
}

/** What {@link RecoveryCodeStore.admitAttempt} decided. */
export type RecoveryAttempt =
  /** The code may be compared against `set` (the state after counting it). */
  | { readonly status: 'admitted'; readonly set: RecoveryCodeSet }
  /** Locked until `lockedUntil`: the code must not be compared. */
  | { readonly status: 'locked'; readonly lockedUntil: string }
  /** The user has no recovery codes. */
  | { readonly status: 'none' };

/** Recovery codes of the second factor, per user. */
export interface RecoveryCodeStore {
  /** The user's set, or `undefined`. */
  get(userId: string): Promise<RecoveryCodeSet | undefined>;
  /** Stores a new set for the user, replacing the previous one (whose codes stop working). */
  put(set: RecoveryCodeSet): Promise<void>;
  /**
   * Counts one code before it is compared, with the rule of {@link TotpStore.admitAttempt}.
   * Atomic, in this order: no set or no code left: `none`; `lockedUntil` after `rule.now`:
   * `locked`; an ended lock is dropped and `failures` reset to 0; `failures >= rule.maxFailures`:
   * store `lockedUntil = rule.lockUntil`, `locked`; else `failures + 1` (with the lock when that
   * reaches `rule.maxFailures`) and `admitted` with the new set.
   */
  admitAttempt(userId: string, rule: TotpAttemptRule): Promise<RecoveryAttempt>;
  /**
   * Uses up the code `codeId`. Atomic compare-and-delete: when the set still holds it, removes
   * it, resets `failures` to 0, drops `lockedUntil` and returns true; else false (used by a
   * concurrent call, or the set was replaced). Of racing uses of one code exactly one wins.
   */
  consume(userId: string, codeId: string): Promise<boolean>;
  /** Deletes the user's set; false when there was none. */
  delete(userId: string): Promise<boolean>;
}

/** What {@link IdempotencyStore.claim} found. */
export type IdempotencyClaim =
  /** This caller holds the key now: it sends, then calls `complete` or `release`. */
  | { readonly status: 'claimed' }
  /** Another caller holds the key and has not finished: wait and claim again. */
  | { readonly status: 'in-progress' }
  /** The key's send finished: `result` is what it stored with `complete`. */
  | { readonly status: 'completed'; readonly result: unknown }
  /** The key is held or completed for another message (another fingerprint). */
  | { readonly status: 'mismatch' };

/**
 * Idempotency keys of `registry.send(…, { idempotencyKey })`: a second send with the same key
 * within the window returns the first send's result instead of sending again, also from another
 * app instance.
 */
export interface IdempotencyStore {
  /**
   * Claims `key` for a send of the message with `fingerprint`. Atomic: of many concurrent claims
   * of one free key exactly one gets `claimed`. An entry whose `expiresAt` is not after `now` is
   * free again (replaced). A held or completed entry with another fingerprint gives `mismatch`;
   * with the same fingerprint `in-progress` or `completed` with its result.
   */
  claim(key: string, entry: { readonly fingerprint: string; readonly now: string; readonly expiresAt: string }): Promise<IdempotencyClaim>;
  /** Stores the (JSON) result of the claimed key; later claims get `completed`. */
  complete(key: string, result: unknown): Promise<void>;
  /** Frees the key (the send surely failed): the next claim may send. */
  release(key: string): Promise<void>;
}

/** Where a sent message is: handed over, delivered to the device, read, failed, or expired undelivered. */
export type DeliveryState = 'accepted' | 'delivered' | 'read' | 'failed' | 'expired';

/** The unified delivery status of one sent message. */
export interface DeliveryStatus {
  /** The upstream's message id (`SendResult.messageId`). */
  readonly messageId: string;
  readonly providerId: string;
  readonly state: DeliveryState;
  /** ISO time the upstream reported it (or the send returned, for `accepted`). */
  readonly at: string;
  /** Why it failed or expired, as the upstream said. */
  readonly reason?: string;
  /** What the upstream answered, e.g. the SMTP relay's reply to the accepted message. */
  readonly detail?: string;
}

/**
 * Delivery statuses by message id. Reports arrive out of order (a read receipt before the
 * delivery receipt, a late "accepted"), so a status only moves forward:
 * `accepted` < `delivered` = `failed` = `expired` < `read`.
 */
export interface DeliveryStore {
  /**
   * Stores `status` when the message has none or a lower one in that order. Atomic: of
   * concurrent reports for one message the highest stays. Returns whether it was stored.
   */
  advance(status: DeliveryStatus): Promise<boolean>;
  /** The status of a message, or `undefined`. */
  get(messageId: string): Promise<DeliveryStatus | undefined>;
}
