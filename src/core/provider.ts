import type { z } from 'zod';
import type { StandardSchemaV1 } from './validation.js';
import type { ProviderEvents } from './events.js';
import type { Balance, EmailMessage, MessageShape, SendResult, TestStep, TextMessage } from './messages.js';
import type { SecretBox } from './secrets.js';
import type { TransportStorage } from '../storage/types.js';

/** Built-in channels; a host type may use its own channel name. */
export type Channel = 'email' | 'sms' | 'threema' | 'totp' | (string & {});

/** Source of the current time, injectable for tests. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** The system clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** Options of one send. */
export interface SendOptions {
  /** Aborts the send; the provider rejects with `ABORTED` when it could stop in time. */
  readonly signal?: AbortSignal;
}

/** What a delivery provider can do; core branches on these, never on type names. */
export interface DeliveryCapabilities {
  /** The message shape `send` takes. */
  readonly message: MessageShape;
  /** `getBalance()` is available. */
  readonly balance: boolean;
  /** Maximum text length in characters the upstream accepts, if limited. */
  readonly maxLength?: number;
  /** Non-Latin text (e.g. emoji) is delivered. */
  readonly unicode: boolean;
  /** File attachments are supported. */
  readonly attachments: boolean;
  /** The upstream reports delivery status. */
  readonly deliveryReceipts: boolean;
  /** More than one recipient per send. */
  readonly multipleRecipients: boolean;
}

/** Result of {@link DeliveryProvider.validateAddress}: never throws for a bad address. */
export type AddressCheck =
  | { readonly ok: true; /** The address in the provider's canonical form. */ readonly normalized: string }
  | { readonly ok: false; readonly reason: string };

/** Detail of a successful {@link DeliveryProvider.verify}. */
export interface VerifyInfo {
  readonly detail?: string;
}

/** Members every live provider has. */
interface ProviderBase {
  /** The provider record's id. */
  readonly id: string;
  /** The provider type id. */
  readonly type: string;
  readonly channel: Channel;
  /**
   * Extra checks shown in the registry's Test report (e.g. "certificate ready"), each a step.
   * Must not throw for a failing check: report it with `ok: false`.
   */
  diagnostics?(): Promise<readonly Omit<TestStep, 'durationMs'>[]>;
  /** Releases connections and timers. Idempotent. */
  close(): Promise<void>;
}

/**
 * A provider that delivers messages (e-mail, SMS, Threema, or a host's own channel).
 *
 * @typeParam M - the message type `send` takes, per `capabilities.message`.
 */
export interface DeliveryProvider<M = EmailMessage | TextMessage> extends ProviderBase {
  readonly kind: 'delivery';
  readonly capabilities: DeliveryCapabilities;
  /**
   * Sends one message. Resolves only when the upstream accepted it; throws a TransportError
   * (`MESSAGE_INVALID` and `INVALID_RECIPIENT` before any network I/O) otherwise.
   */
  send(message: M, options?: SendOptions): Promise<SendResult>;
  /** Checks an address for this channel without I/O. Never throws. */
  validateAddress(address: string): AddressCheck;
  /** Checks reachability and credentials without sending; throws a TransportError on failure. */
  verify?(options?: SendOptions): Promise<VerifyInfo>;
  /** Reads the prepaid balance; present when `capabilities.balance` is true. */
  getBalance?(options?: SendOptions): Promise<Balance>;
}

/** Why a one-time code was not accepted. */
export type CodeRejection = 'mismatch' | 'replayed' | 'not-enrolled' | 'not-confirmed' | 'locked' | 'expired' | 'no-challenge';

/** Result of checking a one-time code: an expected negative is a result, not an error. */
export type CodeCheckResult =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly reason: CodeRejection;
      /** For `locked`: ISO time the lock ends. */
      readonly retryAt?: string;
    };

/**
 * A provider that verifies second factors (TOTP) and sends nothing. The TOTP provider extends
 * this with enrolment; core needs only `verify`.
 */
export interface VerifierProvider extends ProviderBase {
  readonly kind: 'verifier';
  /** Checks a code for a user. Never throws for a wrong code; throws for infrastructure failures. */
  verify(userId: string, code: string): Promise<CodeCheckResult>;
}

/**
 * A stored route (type `route`), live: an ordered list of providers with a strategy. It sends
 * nothing itself: `registry.send(routeId, …)`, or a channel default that is a route, sends
 * through its providers with failover, retries and circuit breakers.
 */
export interface RouteProvider extends ProviderBase {
  readonly kind: 'route';
  readonly route: { readonly providers: readonly string[]; readonly strategy: 'failover' | 'round-robin' };
}

/** A live provider: discriminate on `kind`. */
export type TransportProvider = DeliveryProvider | VerifierProvider | RouteProvider;

/** Decrypted secret values handed to {@link ProviderType.create}; absent when not set. */
export type SecretValues<F extends string = string> = Partial<Record<F, string>>;

/** What the registry hands a provider type when it builds a live provider. */
export interface ProviderContext {
  readonly providerId: string;
  /** The record's display name. */
  readonly name: string;
  /** Records events at the record's level, redacted. */
  readonly events: ProviderEvents;
  readonly clock: Clock;
  /** The registry's storage (verifier providers keep per-user state there). */
  readonly storage: TransportStorage;
  /** Seals per-user secrets (TOTP) with the registry's keys. */
  readonly secretBox: SecretBox;
}

/**
 * The plugin point: a provider type. The registry is built from a list of these; a host adds
 * its own type exactly as the built-ins are added.
 *
 * @typeParam C - the validated configuration (non-secret fields).
 * @typeParam F - the secret field names.
 * @typeParam P - the live provider it builds.
 * @typeParam T - the type id, as a literal type (`'smtp'`), so `registry.create()` knows the config of each type.
 */
export interface ProviderType<C = unknown, F extends string = string, P extends TransportProvider = TransportProvider, T extends string = string> {
  /** Stable type id stored in records (`smtp`, `aspsms`, ...). */
  readonly type: T;
  readonly kind: P['kind'];
  /** The channel, or a function of the config for types that serve any channel. */
  readonly channel: Channel | ((config: C) => Channel);
  /**
   * Validates the non-secret configuration; defaults are applied by the schema. zod for the
   * built-ins (the admin console makes forms from zod schemas); a host type may use any
   * Standard Schema validator (zod 3, valibot, arktype, ...).
   */
  readonly configSchema: z.ZodType<C> | StandardSchemaV1<unknown, C>;
  /** Names of the secret fields (stored sealed, set with `setSecret`). */
  readonly secretFields: readonly F[];
  /** Builds a live provider. May throw CONFIG_INVALID (e.g. a required secret is not set). */
  create(config: C, secrets: SecretValues<F>, context: ProviderContext): P | Promise<P>;
}

/** Any provider type, for lists. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyProviderType = ProviderType<any, string, TransportProvider>;
