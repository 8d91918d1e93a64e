import type { TransportErrorCode } from '../core/errors.js';
import type { TracerLike } from '../core/tracing.js';
import type { TestStep } from '../core/messages.js';
import type { EventLevel, Logger } from '../core/events.js';
import type { AnyProviderType, Channel, Clock, ProviderType, SendOptions, TransportProvider } from '../core/provider.js';
import type { SecretKeys } from '../core/secrets.js';
import type { TransportStorage, UsageRef } from '../storage/types.js';
import type { EventQueueStats } from './event-queue.js';
import type { LiveProviderStats } from './live-providers.js';
import type { CircuitState } from './circuit.js';
import type { RetryPolicy } from './retry.js';
import type { DeliveryCounters } from './router.js';

/** Options of {@link createRegistry}. */
export interface RegistryOptions {
  /** Where configurations live; default: a fresh {@link memoryStorage}. */
  readonly storage?: TransportStorage;
  /**
   * Keys that seal secrets. Required with any storage but the in-memory one, for which a
   * process-local random key is generated when omitted.
   */
  readonly secretKeys?: SecretKeys;
  /** The provider types this registry knows; default: the in-memory transport only. */
  readonly types?: readonly AnyProviderType[];
  /** Receives every recorded event (pino-compatible entries). */
  readonly logger?: Logger;
  /** Injectable clock; default: the system clock. */
  readonly clock?: Clock;
  /** Event level of new records when `create` does not say; default `all`. */
  readonly defaultEventLevel?: EventLevel;
  /**
   * Bound of every storage call in milliseconds (default 10,000): a hanging adapter method gives
   * `TIMEOUT` naming the operation instead of hanging the API call.
   */
  readonly storageTimeoutMs?: number;
  /**
   * How long a replaced or removed provider may keep serving the sends it started before it is
   * closed anyway, in milliseconds (default 30,000).
   */
  readonly drainTimeoutMs?: number;
  /**
   * Events held in memory waiting for the event store (default 10,000). When the store is slower
   * than the events come, the surplus is dropped and counted (`stats().events.dropped`, and an
   * `events.dropped` event): sends never wait on the event log.
   */
  readonly eventQueueCapacity?: number;
  /** Events per `appendMany` call (default 100). */
  readonly eventBatchSize?: number;
  /** Consecutive provider failures that open a provider's circuit in routed sends (default 5). */
  readonly circuitFailureThreshold?: number;
  /** How long an open circuit skips its provider before one probe send decides (default 30,000 ms). */
  readonly circuitCooldownMs?: number;
  /**
   * Which sends get a stored delivery status (`registry.deliveryStatus(messageId)`): `receipts`
   * (default) those of providers that report delivery (ASPSMS, Threema: `capabilities.deliveryReceipts`),
   * `all` every send (SMTP's is `accepted` with the relay's reply), `off` none. Storing is one
   * write per send, done in the background.
   */
  readonly deliveryStatus?: 'receipts' | 'all' | 'off';
  /**
   * OpenTelemetry spans for sends, tests and balance checks: a Tracer of `@opentelemetry/api`.
   * Default: the tracer of `@opentelemetry/api` when it is installed (no-op without an SDK);
   * `false`: no spans. Span attributes never hold recipients or secrets.
   */
  readonly tracer?: TracerLike | false;
}

/** What `registry.stats()` reports. */
export interface RegistryStats {
  readonly events: EventQueueStats;
  readonly providers: LiveProviderStats;
  /** Per provider: routed sends sent, retried, skipped, failed by code, and the circuit state. */
  readonly delivery: Readonly<Record<string, DeliveryCounters & { readonly circuit: CircuitState }>>;
}

/** A secret value `rotateSecrets()` left under its old key, and why. */
export interface RotationSkip {
  readonly providerId: string;
  /** The secret field of a provider record. */
  readonly field?: string;
  /** The user of a TOTP secret. */
  readonly userId?: string;
  /** `SECRET_UNREADABLE` (no key opens it), `CONFLICT` (kept changing), `STORAGE_FAILED`, `TIMEOUT`. */
  readonly code: TransportErrorCode;
  readonly reason: string;
}

/** What `registry.rotateSecrets()` did. Run it again to continue with what is left. */
export interface RotationReport {
  /** Values re-sealed under the current key by this run. */
  readonly rotated: number;
  /** Values left under an old key, with the reason. */
  readonly skipped: readonly RotationSkip[];
  /** How many values are still under an old key after this run (`skipped.length`). */
  readonly remaining: number;
}

/** The config a provider type takes, every key optional (its schema applies the defaults). */
export type ConfigInputOf<T> = T extends ProviderType<infer C, string, TransportProvider, string> ? ConfigInput<C> : Readonly<Record<string, unknown>>;

/** A config as it is written: every key optional at every depth (the schema fills defaults). */
export type ConfigInput<C> = { readonly [K in keyof C]?: ConfigValueInput<C[K]> };

/** One config value as written (distributes over unions such as `SmimeConfig | undefined`). */
export type ConfigValueInput<V> = V extends readonly unknown[] ? V : V extends object ? ConfigInput<V> : V;

/** The secret field names of a provider type. */
export type SecretFieldOf<T> = T extends ProviderType<infer _C, infer F, TransportProvider, string> ? F : string;

/**
 * What `create` takes. With a registry made by `createRegistry({ types: [smtp(), aspsms()] })`
 * it is a union by `type`, so an editor completes the config keys and secret fields of the
 * named type.
 */
export interface CreateProviderInput<T extends AnyProviderType = AnyProviderType> {
  /** A registered provider type id. */
  readonly type: T['type'];
  /** Display name; default: the type id. */
  readonly name?: string;
  /** Non-secret configuration, validated by the type's schema. */
  readonly config?: ConfigInputOf<T>;
  /** Secret values by field name; sealed before they are stored. */
  readonly secrets?: Readonly<Partial<Record<SecretFieldOf<T>, string>>>;
  readonly eventLevel?: EventLevel;
  /** Own id (letters, digits, `._:-`, at most 100); default: a random UUID. */
  readonly id?: string;
}

/** {@link CreateProviderInput} for each type of a union of provider types. */
export type CreateInputFor<Types extends AnyProviderType> = Types extends AnyProviderType ? CreateProviderInput<Types> : never;

/** What `update` takes; everything optional. */
export interface UpdateProviderInput {
  readonly name?: string;
  /** Merged into the stored config (shallow), then validated again. */
  readonly config?: Readonly<Record<string, unknown>>;
  readonly eventLevel?: EventLevel;
  /** Fail with CONFLICT unless the record still has this version. */
  readonly expectedVersion?: number;
}

/** A provider record as read APIs return it: secrets only say whether they are set. */
export interface ProviderInfo {
  readonly id: string;
  readonly type: string;
  readonly channel: Channel;
  readonly name: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly secrets: Readonly<Record<string, { readonly set: boolean }>>;
  readonly eventLevel: EventLevel;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** Filter of `list`. */
export interface ListFilter {
  readonly type?: string;
  readonly channel?: Channel;
}

/** Where a default applies: a channel, and a tenant or (omitted / null) globally. */
export interface DefaultTarget {
  readonly channel: Channel;
  readonly tenant?: string | null;
}

/** Options of `test`. */
export interface TestOptions extends SendOptions {
  /** Send a test message to this address; without it only the checks run. */
  readonly to?: string;
  /** Text of the test message; a default names the provider and the time. */
  readonly text?: string;
  /** Called with each step as soon as it completed (the admin console streams them); a throw is ignored. */
  readonly onStep?: (step: TestStep) => void;
}

/** Options of `send`. */
export interface RegistrySendOptions extends SendOptions {
  /** Values to keep out of every event and log of this send (e.g. a one-time code in the text). */
  readonly redact?: readonly string[];
  /**
   * Retries of a routed send (the default for routes and channel defaults: 3 attempts per
   * provider, 200 ms base backoff with full jitter, 10 s cap, 30 s budget); `false` for one
   * attempt per provider. Setting it on a provider id routes that send too.
   */
  readonly retry?: RetryPolicy | false;
  /**
   * Sends once per key: a second send with the same key (and the same message) within
   * `idempotencyTtlMs` returns the first result, or waits for it while it is in flight, also
   * from another app instance. The same key with another message is `CONFLICT`.
   */
  readonly idempotencyKey?: string;
  /** How long an idempotency key holds, in milliseconds (default 24 h). */
  readonly idempotencyTtlMs?: number;
}

export type { UsageRef };
