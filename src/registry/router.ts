import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { isTransportError, TransportError, type TransportErrorCode } from '../core/errors.js';
import type { EventSeverity } from '../core/events.js';
import type { EmailMessage, MessageShape, SendResult, TextMessage } from '../core/messages.js';
import type { Clock } from '../core/provider.js';
import type { IdempotencyStore } from '../storage/types.js';
import type { CircuitBreakers } from './circuit.js';
import { backoffMs, countsAgainstProvider, decide, outcomeUnknown, type Decision, type RetryPolicy } from './retry.js';

/** Orders a route's providers for one send (a host strategy). */
export type RouteStrategy = (providers: readonly string[]) => readonly string[];

/**
 * An ordered list of providers to send through: `failover` (the default) tries them in order,
 * `round-robin` starts at the next one each send (then fails over through the rest), a
 * function orders them itself. Text messages cross text channels as they are (Threema → SMS);
 * between e-mail and text a `mapMessage` is needed, else such a provider is skipped.
 * A stored route (a record of type `route`) is sent through by its id.
 */
export interface Route {
  readonly providers: readonly string[];
  readonly strategy?: 'failover' | 'round-robin' | RouteStrategy;
  /**
   * The message for one provider of the route, called before each provider is tried: turn an
   * e-mail into a text for a text provider (or back), or address each channel on its own (a
   * Threema ID, a phone number). Return the message as it is when it fits; `undefined` skips
   * the provider. A mapper that throws stops the send with `CONFIG_INVALID`.
   */
  readonly mapMessage?: (message: EmailMessage | TextMessage, target: { readonly providerId: string; readonly shape: MessageShape }) => EmailMessage | TextMessage | undefined;
}

/** One attempt of a routed send. */
export interface SendAttempt {
  readonly providerId: string;
  readonly ok: boolean;
  readonly code?: TransportErrorCode;
  /** What the router did after this attempt; `skipped` when it was never sent. */
  readonly decision?: Decision | 'skipped';
  /** Why it was skipped: its circuit was open, or it takes another message shape. */
  readonly reason?: 'circuit-open' | 'message-shape';
}

/** A routed send's result: the provider that delivered it and every attempt on the way. */
export interface RoutedSendResult extends SendResult {
  readonly attempts: readonly SendAttempt[];
  /** True when this is the stored result of an earlier send with the same idempotency key. */
  readonly replayed?: boolean;
}

/** Counters of one provider's routed sends (`registry.stats().delivery`). */
export interface DeliveryCounters {
  sent: number;
  retried: number;
  skipped: number;
  failed: Partial<Record<TransportErrorCode, number>>;
}

/** What the router needs from the registry. */
export interface RouterHost {
  readonly clock: Clock;
  readonly idempotency: IdempotencyStore;
  readonly circuits: CircuitBreakers;
  sendOnce(providerId: string, message: EmailMessage | TextMessage, options: { readonly signal: AbortSignal; readonly redact?: readonly string[] }): Promise<SendResult>;
  shapeOf(providerId: string): Promise<MessageShape>;
  note(providerId: string, severity: EventSeverity, type: string, message: string, fields: Record<string, unknown>): void;
}

/** Options of one routed send. */
export interface RouteSendOptions {
  readonly signal?: AbortSignal;
  readonly redact?: readonly string[];
  readonly retry?: RetryPolicy;
  readonly idempotencyKey?: string;
  /** How long an idempotency key holds (default 24 h). */
  readonly idempotencyTtlMs?: number;
}

const DEFAULT_RETRY: Required<RetryPolicy> = { attempts: 3, baseDelayMs: 200, maxDelayMs: 10_000, budgetMs: 30_000 };
const IDEMPOTENCY_TTL_MS = 24 * 3600_000;
/** How often a send waiting for another one with the same key looks again. */
const IDEMPOTENCY_POLL_MS = 50;

type Stored = { readonly ok: true; readonly result: RoutedSendResult } | { readonly ok: false; readonly error: Record<string, unknown> };

/**
 * Sends through a list of providers: retries what is worth retrying with backoff and jitter
 * (Retry-After honoured) inside a time budget, fails over on provider faults, stops on faults of
 * the message and on unknown outcomes (never a blind second send), skips providers whose
 * circuit is open, and with an idempotency key sends once per key across app instances.
 */
export class Router {
  readonly #host: RouterHost;
  readonly #cursors = new Map<string, number>();
  readonly counters = new Map<string, DeliveryCounters>();

  constructor(host: RouterHost) {
    this.#host = host;
  }

  async send(providers: readonly string[], route: Route | undefined, message: EmailMessage | TextMessage, options: RouteSendOptions): Promise<RoutedSendResult> {
    const policy = { ...DEFAULT_RETRY, ...options.retry };
    const deadline = this.#host.clock.now() + policy.budgetMs;
    const signal = AbortSignal.any([...(options.signal ? [options.signal] : []), AbortSignal.timeout(policy.budgetMs)]);
    if (options.idempotencyKey === undefined) return this.#route(providers, route, message, options, policy, deadline, signal);
    return this.#once(options.idempotencyKey, fingerprint(providers, message), options.idempotencyTtlMs ?? IDEMPOTENCY_TTL_MS, signal, async () =>
      this.#route(providers, route, message, options, policy, deadline, signal),
    );
  }

  /** Runs `send` once per key: a claim in the store, the result kept for later sends with the key. */
  async #once(key: string, print: string, ttlMs: number, signal: AbortSignal, send: () => Promise<RoutedSendResult>): Promise<RoutedSendResult> {
    const { idempotency, clock } = this.#host;
    for (;;) {
      const now = clock.now();
      const claim = await idempotency.claim(key, { fingerprint: print, now: iso(now), expiresAt: iso(now + ttlMs) });
      if (claim.status === 'mismatch') {
        throw new TransportError('CONFLICT', `idempotency key "${key}" was used for another message`, { retryable: false, field: 'options.idempotencyKey' });
      }
      if (claim.status === 'completed') return replay(claim.result as Stored);
      if (claim.status === 'claimed') break;
      if (signal.aborted) throw new TransportError('TIMEOUT', `the send with idempotency key "${key}" is still in progress elsewhere`, { details: { outcome: 'unknown' } });
      await sleep(IDEMPOTENCY_POLL_MS, undefined, { signal }).catch(() => undefined);
    }
    try {
      const result = await send();
      await idempotency.complete(key, { ok: true, result } satisfies Stored);
      return result;
    } catch (cause) {
      const error = cause as TransportError;
      // A send that may have gone out keeps its key: a repeat gets this error, never a second message.
      if (isTransportError(error) && outcomeUnknown(error)) await idempotency.complete(key, { ok: false, error: { ...error.toJSON() } } satisfies Stored);
      else await idempotency.release(key);
      throw error;
    }
  }

  async #route(
    providers: readonly string[],
    route: Route | undefined,
    message: EmailMessage | TextMessage,
    options: RouteSendOptions,
    policy: Required<RetryPolicy>,
    deadline: number,
    signal: AbortSignal,
  ): Promise<RoutedSendResult> {
    const { circuits, clock } = this.#host;
    const order = this.#order(providers, route);
    const attempts: SendAttempt[] = [];
    let last: TransportError | undefined;
    const admitted = order.filter((id) => circuits.admit(id, clock.now()) !== 'open');
    const skippedOpen = order.filter((id) => !admitted.includes(id));
    for (const id of skippedOpen) this.#skip(id, attempts, 'circuit-open', 'circuit open');
    // Everything open: probe the provider that failed longest ago rather than refusing outright.
    if (admitted.length === 0) {
      const probe = circuits.oldestOpen(order);
      if (probe !== undefined) {
        circuits.forceProbe(probe);
        admitted.push(probe);
      }
    }
    for (const [position, id] of admitted.entries()) {
      const next = admitted[position + 1];
      const shaped = await this.#shape(id, route, message);
      if (!shaped) {
        this.#skip(id, attempts, 'message-shape', route?.mapMessage ? 'the route\'s mapMessage gave no message for it' : 'it takes another message shape and the route has no mapMessage', next);
        last = new TransportError('UNSUPPORTED', `provider ${id} takes another message shape`, { providerId: id });
        continue;
      }
      for (let n = 0; ; n += 1) {
        try {
          const result = await this.#host.sendOnce(id, shaped, { signal, ...(options.redact ? { redact: options.redact } : {}) });
          circuits.success(id);
          this.#count(id).sent += 1;
          attempts.push({ providerId: id, ok: true });
          return { ...result, attempts };
        } catch (cause) {
          const error = isTransportError(cause) ? cause : new TransportError('UNAVAILABLE', String(cause), { providerId: id });
          last = error;
          if (countsAgainstProvider(error)) circuits.failure(id, clock.now());
          const failed = this.#count(id).failed;
          failed[error.code] = (failed[error.code] ?? 0) + 1;
          let decision = decide(error);
          const delay = backoffMs(n, policy, error);
          if (decision === 'retry' && (n + 1 >= policy.attempts || clock.now() + delay >= deadline)) decision = 'next';
          attempts.push({ providerId: id, ok: false, code: error.code, decision });
          if (decision === 'stop') throw withAttempts(error, attempts);
          if (decision === 'next') {
            this.#host.note(id, 'warn', 'route.failover', `skipped ${id}: ${error.code}${next ? `, trying ${next}` : ', no provider left'}`, { code: error.code, next });
            break;
          }
          this.#count(id).retried += 1;
          this.#host.note(id, 'info', 'route.retry', `retrying ${id} in ${Math.round(delay)} ms after ${error.code}`, { code: error.code, delayMs: Math.round(delay), attempt: n + 2 });
          await sleep(delay, undefined, { signal }).catch(() => {
            throw withAttempts(new TransportError('ABORTED', 'the send was aborted or ran out of its time budget while waiting to retry', { providerId: id, retryable: false, details: { outcome: 'not-sent' } }), attempts);
          });
        }
      }
    }
    const summary = attempts.map((a) => `${a.providerId}: ${a.code ?? a.reason}`).join(', ');
    throw withAttempts(
      new TransportError('UNAVAILABLE', `every provider of the route failed (${summary})`, {
        cause: last,
        retryable: true,
        details: { outcome: 'not-sent' },
      }),
      attempts,
    );
  }

  /** The providers in the order this send tries them. */
  #order(providers: readonly string[], route: Route | undefined): string[] {
    const strategy = route?.strategy;
    if (typeof strategy === 'function') {
      const ordered = strategy([...providers]);
      if (!Array.isArray(ordered) || ordered.some((id) => !providers.includes(id))) {
        throw new TransportError('CONFIG_INVALID', 'invalid route.strategy: must return some of the route\'s provider ids', { field: 'route.strategy' });
      }
      return [...ordered];
    }
    if (strategy !== 'round-robin') return [...providers];
    const key = providers.join('\u0000');
    const cursor = this.#cursors.get(key) ?? Math.floor(Math.random() * providers.length);
    this.#cursors.set(key, (cursor + 1) % providers.length);
    return providers.map((_, i) => providers[(cursor + i) % providers.length]!);
  }

  /** The message for the provider (its mapper's, else as it is when the shape fits), or undefined to skip it. */
  async #shape(id: string, route: Route | undefined, message: EmailMessage | TextMessage): Promise<EmailMessage | TextMessage | undefined> {
    const own: MessageShape = 'subject' in message || 'html' in message ? 'email' : 'text';
    // A provider that cannot be resolved: sendOnce reports its own fault.
    const shape = await this.#host.shapeOf(id).catch(() => undefined);
    if (route?.mapMessage) {
      try {
        return route.mapMessage(message, { providerId: id, shape: shape ?? own });
      } catch (cause) {
        throw new TransportError('CONFIG_INVALID', `route.mapMessage failed for provider ${id}`, { cause, field: 'route.mapMessage', providerId: id, retryable: false });
      }
    }
    return shape === undefined || shape === own ? message : undefined;
  }

  #skip(id: string, attempts: SendAttempt[], reason: NonNullable<SendAttempt['reason']>, why: string, next?: string): void {
    this.#count(id).skipped += 1;
    attempts.push({ providerId: id, ok: false, decision: 'skipped', reason });
    this.#host.note(id, 'warn', 'route.skipped', `skipped ${id}: ${why}${next ? `, trying ${next}` : ''}`, { reason });
  }

  #count(id: string): DeliveryCounters {
    let counters = this.counters.get(id);
    if (!counters) this.counters.set(id, (counters = { sent: 0, retried: 0, skipped: 0, failed: {} }));
    return counters;
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** What makes two sends "the same message" for an idempotency key. */
function fingerprint(providers: readonly string[], message: EmailMessage | TextMessage): string {
  return createHash('sha256').update(JSON.stringify([providers, message])).digest('base64url');
}

function replay(stored: Stored): RoutedSendResult {
  if (stored.ok) return { ...stored.result, replayed: true };
  const e = stored.error as { code: TransportErrorCode; message: string; retryable?: boolean; providerId?: string; details?: Record<string, unknown> };
  throw new TransportError(e.code, e.message, {
    retryable: e.retryable ?? false,
    ...(e.providerId ? { providerId: e.providerId } : {}),
    details: { ...e.details, replayed: true },
  });
}

function withAttempts(error: TransportError, attempts: readonly SendAttempt[]): TransportError {
  return new TransportError(error.code, error.message, {
    cause: error.cause,
    retryable: error.retryable,
    providerId: error.providerId,
    field: error.field,
    upstream: error.upstream,
    details: { ...error.details, attempts: [...attempts] },
  });
}
