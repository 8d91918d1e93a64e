import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { hasErrorCode, isTransportError, TransportError } from '../../core/errors.js';
import { withRedaction, type EventSeverity } from '../../core/events.js';
import type { EmailMessage, TextMessage } from '../../core/messages.js';
import type { Channel, Clock, CodeCheckResult, CodeRejection, DeliveryProvider, VerifierProvider } from '../../core/provider.js';
import { parseWith } from '../../core/validation.js';
import type { ProviderRegistry } from '../../registry/registry.js';
import type { RoutedSendResult, SendAttempt } from '../../registry/router.js';
import { guardStorage } from '../../storage/guard.js';
import type { ChallengeState, ChallengeStore, RecoveryCodeStore, TransportStorage } from '../../storage/types.js';
import { codeMatches, hashCode, newRecoveryCode, normalizeRecoveryCode, randomCode } from './codes.js';
import { normalizeCode } from './otp.js';
import { mergeTemplates, pickTemplate, render, type CodeTemplateOverrides, type CodeTemplates } from './templates.js';

/** Options of {@link createSecondFactor}. */
export interface SecondFactorOptions {
  /** Resolves the providers codes go through, and records the events. */
  readonly registry: ProviderRegistry;
  /** Where challenges live; default: the registry's storage. */
  readonly storage?: TransportStorage;
  /** Overrides or additional languages of the message texts. */
  readonly templates?: CodeTemplateOverrides;
  /** Language used when a challenge names none or an unknown one (default `en`). */
  readonly defaultLocale?: string;
  /** Default: the registry's clock. */
  readonly clock?: Clock;
  /** Digits of a delivered code, 6 to 10 (default 6). */
  readonly codeLength?: number;
  /** How long a delivered code is valid, in seconds (default 600). */
  readonly ttlSeconds?: number;
  /** Wrong codes allowed per challenge before it is locked (default 5). */
  readonly maxAttempts?: number;
  /** Minimum seconds between two codes delivered to one user on one channel (default 30). */
  readonly resendAfterSeconds?: number;
  /** Most codes delivered to one user, all channels together, per `maxSendsWindowSeconds` (default 10). */
  readonly maxSends?: number;
  /** The window of `maxSends`, in seconds (default 3600). */
  readonly maxSendsWindowSeconds?: number;
  /** Recovery codes: how many a set has, and the lock-out of wrong ones. */
  readonly recoveryCodes?: RecoveryCodeOptions;
}

/** Options of the recovery codes of {@link SecondFactorOptions}. */
export interface RecoveryCodeOptions {
  /** Codes per set (default 10). */
  readonly count?: number;
  /** Wrong codes compared before a lock (default 5). */
  readonly maxFailures?: number;
  /** How long the lock lasts, in seconds (default 900). */
  readonly lockSeconds?: number;
}

/** Options of {@link SecondFactor.challenge}. */
export interface ChallengeOptions {
  /**
   * The provider the user chose: a delivery provider (SMS, e-mail, Threema, ...), a TOTP
   * verifier, or a stored route (type `route`). Give this or `route`.
   */
  readonly providerId?: string;
  /**
   * Providers to deliver the code through, in order: the next is tried when one cannot deliver
   * (no Threema ID for the number, a provider down), with the registry's retries and circuit
   * breakers. A provider without an address for its channel is left out. Give this or `providerId`.
   */
  readonly route?: { readonly providers: readonly string[]; readonly strategy?: 'failover' | 'round-robin' };
  /** Where to deliver the code: phone number, e-mail address, Threema ID. Unused for a verifier. */
  readonly address?: string;
  /** Addresses by channel, for a route across channels (`{ threema: 'ECHOECHO', sms: '+41…' }`); `address` is the fallback. */
  readonly addresses?: Readonly<Partial<Record<Channel, string>>>;
  /** Language of the message (`de`, `de-CH`, `en`, ...). */
  readonly locale?: string;
  /** Aborts the delivery. */
  readonly signal?: AbortSignal;
}

/** What {@link SecondFactor.challenge} reports. Never contains the code. */
export interface ChallengeInfo {
  /** The provider that delivered the code (over a route: the one that succeeded). */
  readonly providerId: string;
  readonly channel: Channel;
  /** True when a code was sent; false for a verifier (the user's app shows the code). */
  readonly delivered: boolean;
  /** ISO time the challenge expires. */
  readonly expiresAt: string;
  /** ISO time a new code can be requested; for delivered codes. */
  readonly resendAt?: string;
  /** The upstream's message id of the delivery. */
  readonly messageId?: string;
  /** Over a route: every attempt on the way, the providers skipped or failed before the one that delivered. */
  readonly attempts?: readonly SendAttempt[];
}

/** A user's live challenge, without its hash. */
export interface PendingChallenge {
  /** The provider that delivered the code (or the verifier). */
  readonly providerId: string;
  readonly delivered: boolean;
  readonly expiresAt: string;
  readonly attemptsLeft: number;
}

/** Stored in place of a hash when a verifier provider checks the code itself. */
const DELEGATED = 'delegated';
/** Reads of the live challenge per verify when it keeps being replaced under the caller. */
const READ_ROUNDS = 5;
/** Longer input is no code of ours; not worth hashing. */
const MAX_CODE_INPUT = 64;

/** One provider a code can go through, with the address for its channel. */
interface Target {
  readonly provider: DeliveryProvider;
  readonly to: string;
}

/** What one delivery of a code needs. */
interface Delivery {
  readonly targets: readonly Target[];
  /** Present for a route, even of one provider: its sends go through the router. */
  readonly route: { readonly strategy?: 'failover' | 'round-robin' | undefined } | undefined;
  readonly code: string;
  readonly locale: string | undefined;
  readonly signal: AbortSignal | undefined;
}

const optionsSchema = z.object({
  defaultLocale: z.string().min(2).max(20).default('en'),
  codeLength: z.number().int().min(6).max(10).default(6),
  ttlSeconds: z.number().int().min(30).max(86_400).default(600),
  maxAttempts: z.number().int().min(1).max(100).default(5),
  resendAfterSeconds: z.number().int().min(0).max(3600).default(30),
  maxSends: z.number().int().min(1).max(1000).default(10),
  maxSendsWindowSeconds: z.number().int().min(60).max(7 * 86_400).default(3600),
  recoveryCodes: z
    .object({
      count: z.number().int().min(4).max(50).default(10),
      maxFailures: z.number().int().min(1).max(100).default(5),
      lockSeconds: z.number().int().min(1).max(86_400).default(900),
    })
    .default({ count: 10, maxFailures: 5, lockSeconds: 900 }),
});
const userIdSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(200)
  .refine((v) => !/[\x00-\x1f\x7f]/.test(v), 'must not contain control characters');
const addressSchema = z.string().min(1).max(320);
const challengeSchema = z
  .object({
    providerId: z.string().min(1).max(100).optional(),
    route: z
      .object({
        providers: z.array(z.string().min(1).max(100)).min(1, 'a route needs at least one provider').max(20),
        strategy: z.enum(['failover', 'round-robin']).optional(),
      })
      .optional(),
    address: addressSchema.optional(),
    addresses: z.record(z.string(), addressSchema).optional(),
    locale: z.string().min(2).max(20).optional(),
  })
  .refine((o) => (o.providerId === undefined) !== (o.route === undefined), { message: 'give providerId or route, not both', path: ['providerId'] });

/**
 * One second-factor API whatever the user chose: `challenge()` sends a random numeric code
 * through any delivery provider (or, for a TOTP provider, sends nothing), `verify()` checks it
 * (or delegates to the TOTP provider). Only a salted HMAC of a code is stored, with expiry, a
 * resend window and an attempt count; one live challenge per user.
 *
 * The throttle and the attempt limit are atomic store operations (`start` with `throttle`,
 * `admitAttempt`, `delete` by challenge id), so they hold for concurrent calls and for several
 * app instances sharing one store; contention is never an exception from `verify()`.
 */
export class SecondFactor {
  private readonly registry: ProviderRegistry;
  private readonly store: ChallengeStore;
  private readonly recovery: RecoveryCodeStore | undefined;
  private readonly clock: Clock;
  private readonly templates: CodeTemplates;
  private readonly settings: z.output<typeof optionsSchema>;

  constructor(options: SecondFactorOptions) {
    const registry = options?.registry as Partial<ProviderRegistry> | undefined;
    if (!registry || typeof registry.resolve !== 'function' || typeof registry.send !== 'function' || typeof registry.recordEvent !== 'function') {
      throw new TransportError('CONFIG_INVALID', 'registry must be a ProviderRegistry (createRegistry())', { field: 'registry' });
    }
    this.registry = options.registry;
    const storage = options.storage === undefined ? this.registry.storage : guardStorage(options.storage);
    this.store = storage.challenges;
    this.recovery = storage.recoveryCodes;
    this.clock = options.clock ?? this.registry.clock;
    this.templates = mergeTemplates(options.templates);
    const { registry: _r, storage: _s, templates: _t, clock: _c, ...rest } = options;
    this.settings = parseWith(optionsSchema, rest, 'CONFIG_INVALID', 'options');
  }

  /**
   * Starts a second-factor check; the new challenge replaces the user's previous one.
   *
   * For a delivery provider: generates a code, stores its hash, then sends it. At most one code
   * is delivered per user *and channel* per `resendAfterSeconds` (so "no SMS? send it by
   * e-mail" works at once), and at most `maxSends` per user per `maxSendsWindowSeconds` over all
   * channels, however many calls race (also on other app instances): the store admits them in
   * one atomic step, the others are `RATE_LIMITED` with `details.retryAt`,
   * `details.retryAfterSeconds` and `details.reason` (`resend-window` or `send-limit`). A failed
   * delivery removes its challenge and gives its window back. For a verifier (TOTP): stores
   * that the user's app is the factor; never throttled, and the windows of delivered codes stay.
   */
  async challenge(userId: string, options: ChallengeOptions): Promise<ChallengeInfo> {
    const id = parseWith(userIdSchema, userId, 'MESSAGE_INVALID', 'userId');
    const parsed = parseWith(challengeSchema, options, 'MESSAGE_INVALID', 'options');
    const chosen = parsed.providerId === undefined ? undefined : await this.registry.resolve(parsed.providerId);
    const now = this.clock.now();
    if (chosen?.kind === 'verifier') return this.startVerifier(id, chosen, now);
    const route = chosen === undefined ? parsed.route : chosen.kind === 'route' ? chosen.route : undefined;
    const targets = route ? await this.routeTargets(route.providers, parsed) : [this.target(chosen as DeliveryProvider, parsed)];
    const first = targets[0]!.provider;
    const code = randomCode(this.settings.codeLength);
    const state = this.newState(id, first.id, now, hashCode(code, binding(id, first.id)), iso(now + this.settings.resendAfterSeconds * 1000));
    const windowMs = this.settings.maxSendsWindowSeconds * 1000;
    // One resend window per channel; a route across channels has one for its channels together.
    const key = [...new Set(targets.map((t) => t.provider.channel))].join('+');
    // Stored before sending: the store's throttle is what lets only one concurrent call deliver.
    const start = await this.store.start(state, { now: iso(now), throttle: { key, maxSends: this.settings.maxSends, since: iso(now - windowMs) } });
    if (start.status === 'throttled') {
      throw rateLimited(start.current.resendAt, now, first.id, `a code was sent by ${key} moments ago`, { reason: 'resend-window', channel: key });
    }
    if (start.status === 'capped') {
      throw rateLimited(iso(Date.parse(start.oldest) + windowMs), now, first.id, `${start.sends} codes were sent to this user within ${this.settings.maxSendsWindowSeconds} s`, {
        reason: 'send-limit',
        maxSends: this.settings.maxSends,
      });
    }
    return withRedaction([code], async () => {
      const sent = await this.deliver(state, { targets, route, code, locale: parsed.locale, signal: options.signal });
      const by = targets.find((t) => t.provider.id === sent.providerId)?.provider ?? first;
      // Verify's events go to the provider that delivered; the code stays bound to the first.
      if (by.id !== first.id) await this.store.markDelivered(id, state.id, by.id);
      await this.note(by.id, 'info', 'second-factor.challenge', 'one-time code sent', { userId: id, expiresAt: state.expiresAt });
      const info = { providerId: by.id, channel: by.channel, delivered: true, expiresAt: state.expiresAt, resendAt: state.resendAt };
      return { ...info, ...(sent.messageId ? { messageId: sent.messageId } : {}), ...(route ? { attempts: sent.attempts } : {}) };
    });
  }

  /**
   * Checks the code of the user's live challenge: `{ ok: true }` once, then the challenge is
   * gone (`no-challenge`). Each code is counted before it is compared, so at most `maxAttempts`
   * codes are compared per challenge however many calls race (`locked` after). Of concurrent
   * checks of the right code exactly one succeeds, the others get `replayed`. Malformed input is
   * a `mismatch`; neither bad input nor contention is ever an exception.
   */
  async verify(userId: string, code: string): Promise<CodeCheckResult> {
    const id = parseWith(userIdSchema, userId, 'MESSAGE_INVALID', 'userId');
    const candidate = normalizeCode(code);
    let gone: ChallengeState | undefined;
    // Each round that ends in `gone` saw a challenge replaced or consumed under it; a few rounds
    // are plenty, since a challenge cannot be replaced faster than challenge() is called.
    for (let round = 0; round < READ_ROUNDS; round += 1) {
      const state = await this.store.get(id);
      if (!state) break;
      if (Date.parse(state.expiresAt) <= this.clock.now()) {
        await this.store.delete(id, state.id);
        return this.reject(deliverer(state), id, 'expired');
      }
      if (state.codeHash === DELEGATED) return this.delegate(state, code);
      const attempt = await this.store.admitAttempt(id, state.id, this.settings.maxAttempts);
      if (attempt.status === 'admitted') return this.compare(attempt.state, candidate);
      if (attempt.status === 'locked') return this.reject(deliverer(state), id, 'locked');
      gone = state;
    }
    // The challenge this call read is gone: when the code was its code, a concurrent call used it.
    if (gone && matches(gone, candidate)) return this.reject(deliverer(gone), id, 'replayed');
    return { ok: false, reason: 'no-challenge' };
  }

  /** The user's live challenge, if any; `attemptsLeft` counts the codes it will still compare. */
  async pending(userId: string): Promise<PendingChallenge | undefined> {
    const state = await this.store.get(parseWith(userIdSchema, userId, 'MESSAGE_INVALID', 'userId'));
    if (!state || Date.parse(state.expiresAt) <= this.clock.now()) return undefined;
    return {
      providerId: deliverer(state),
      delivered: state.codeHash !== DELEGATED,
      expiresAt: state.expiresAt,
      attemptsLeft: Math.max(0, this.settings.maxAttempts - state.attempts),
    };
  }

  /** Drops the user's live challenge, whichever it is (e.g. sign-in cancelled); false when there was none. */
  async cancel(userId: string): Promise<boolean> {
    return this.store.delete(parseWith(userIdSchema, userId, 'MESSAGE_INVALID', 'userId'));
  }

  /**
   * Creates a new set of recovery codes for the user and returns them, the only time they are
   * seen: show them once, for the user to keep for when the phone is lost. Only salted hashes
   * are stored; the previous set stops working. Each code works once ({@link useRecoveryCode}).
   * `UNSUPPORTED` when the storage has no `recoveryCodes` store.
   */
  async createRecoveryCodes(userId: string): Promise<string[]> {
    const id = parseWith(userIdSchema, userId, 'MESSAGE_INVALID', 'userId');
    const store = this.recoveryStore();
    const codes = Array.from({ length: this.settings.recoveryCodes.count }, () => newRecoveryCode());
    return withRedaction(codes, async () => {
      await store.put({
        userId: id,
        codes: codes.map((code) => ({ id: randomUUID(), hash: hashCode(normalizeRecoveryCode(code)!, recoveryBinding(id)) })),
        createdAt: iso(this.clock.now()),
        failures: 0,
      });
      return codes;
    });
  }

  /**
   * Checks a recovery code instead of a second factor: `{ ok: true }` and the code is used up.
   * Every code is counted before it is compared (`maxFailures` per lock, `locked` with
   * `retryAt`), of concurrent uses of one code exactly one succeeds (`replayed` for the others),
   * `not-enrolled` when the user has no codes left; malformed input is a `mismatch`. Never an
   * exception for a wrong code. Ends a live challenge of the user. No event is recorded (the
   * codes belong to no provider): audit-log a successful use in the host.
   */
  async useRecoveryCode(userId: string, code: string): Promise<CodeCheckResult> {
    const id = parseWith(userIdSchema, userId, 'MESSAGE_INVALID', 'userId');
    const store = this.recoveryStore();
    const now = this.clock.now();
    const { maxFailures, lockSeconds } = this.settings.recoveryCodes;
    const attempt = await store.admitAttempt(id, { now: iso(now), maxFailures, lockUntil: iso(now + lockSeconds * 1000) });
    if (attempt.status === 'none') return this.rejectRecovery('not-enrolled');
    if (attempt.status === 'locked') return this.rejectRecovery('locked', attempt.lockedUntil);
    const candidate = normalizeRecoveryCode(code);
    // Every stored hash is computed, so the time taken does not tell which one matched.
    let match: string | undefined;
    for (const entry of attempt.set.codes) {
      if (candidate !== undefined && codeMatches(candidate, recoveryBinding(id), entry.hash) && match === undefined) match = entry.id;
    }
    if (match === undefined) return this.rejectRecovery(attempt.set.lockedUntil === undefined ? 'mismatch' : 'locked', attempt.set.lockedUntil);
    if (!(await store.consume(id, match))) return this.rejectRecovery('replayed');
    await this.store.delete(id).catch(() => false);
    return { ok: true };
  }

  /** How many unused recovery codes the user has (0 when none were created). */
  async recoveryCodesLeft(userId: string): Promise<number> {
    const set = await this.recoveryStore().get(parseWith(userIdSchema, userId, 'MESSAGE_INVALID', 'userId'));
    return set?.codes.length ?? 0;
  }

  /** Deletes the user's recovery codes; false when there were none. */
  async deleteRecoveryCodes(userId: string): Promise<boolean> {
    return this.recoveryStore().delete(parseWith(userIdSchema, userId, 'MESSAGE_INVALID', 'userId'));
  }

  // ---- internals -----------------------------------------------------------------------

  /** Hands the code to the verifier (TOTP) the challenge named; it does replay and lock-out. */
  private async delegate(state: ChallengeState, code: string): Promise<CodeCheckResult> {
    const provider = await this.registry.resolve(state.providerId);
    if (provider.kind !== 'verifier') return { ok: false, reason: 'no-challenge' };
    const result = await provider.verify(state.userId, typeof code === 'string' ? code : '');
    // Only this challenge: a newer one started meanwhile stays.
    if (result.ok) await this.store.delete(state.userId, state.id);
    return result;
  }

  /**
   * Judges an admitted code. The right code is accepted by whoever deletes the challenge: of
   * concurrent right codes exactly one delete wins, the others are replays.
   */
  private async compare(state: ChallengeState, candidate: unknown): Promise<CodeCheckResult> {
    if (!matches(state, candidate)) {
      return this.reject(deliverer(state), state.userId, state.attempts >= this.settings.maxAttempts ? 'locked' : 'mismatch');
    }
    if (!(await this.store.delete(state.userId, state.id))) return this.reject(deliverer(state), state.userId, 'replayed');
    await this.note(deliverer(state), 'info', 'second-factor.verified', 'one-time code accepted', { userId: state.userId });
    return { ok: true };
  }

  /**
   * Records that the user's app is the factor. Not throttled (nothing is sent); the resend
   * windows of delivered codes are kept by the store apart from the live challenge, so switching
   * to the app and back cannot deliver more often.
   */
  private async startVerifier(userId: string, provider: VerifierProvider, now: number): Promise<ChallengeInfo> {
    const state = this.newState(userId, provider.id, now, DELEGATED, iso(now));
    await this.store.start(state, { now: iso(now) });
    await this.note(provider.id, 'info', 'second-factor.challenge', 'challenge started; the authenticator app provides the code', { userId });
    return { providerId: provider.id, channel: provider.channel, delivered: false, expiresAt: state.expiresAt };
  }

  /** A fresh challenge (new id, no attempts) valid for `ttlSeconds` from `now`. */
  private newState(userId: string, providerId: string, now: number, codeHash: string, resendAt: string): ChallengeState {
    const expiresAt = iso(now + this.settings.ttlSeconds * 1000);
    return { id: randomUUID(), userId, providerId, codeHash, sentAt: iso(now), expiresAt, resendAt, attempts: 0 };
  }

  /** Sends the code; on failure removes this challenge (only this one) and gives its resend window back. */
  private async deliver(state: ChallengeState, delivery: Delivery): Promise<RoutedSendResult> {
    const { targets, route, code, locale, signal } = delivery;
    // The code is redacted by the withRedaction scope of challenge() around this call.
    const options = signal ? { signal } : {};
    try {
      const messages = new Map(targets.map(({ provider, to }) => [provider.id, this.message(provider, to, code, locale)]));
      const first = targets[0]!.provider.id;
      if (!route) return await this.registry.send(first, messages.get(first)!, options);
      const strategy = route.strategy;
      const through = { providers: targets.map((t) => t.provider.id), ...(strategy ? { strategy } : {}), mapMessage: (_: unknown, target: { providerId: string }) => messages.get(target.providerId) };
      return await this.registry.send(through, messages.get(first)!, options);
    } catch (cause) {
      await this.store.delete(state.userId, state.id, { release: true }).catch(() => false);
      throw cause;
    }
  }

  /** The providers of a route that can take a code, each with the address for its channel. */
  private async routeTargets(ids: readonly string[], options: { readonly address?: string | undefined; readonly addresses?: Readonly<Record<string, string>> | undefined }): Promise<Target[]> {
    const targets: Target[] = [];
    let refused: TransportError | undefined;
    // Resolved together (each may build its provider); a provider that cannot be built is left
    // out, as the router would skip it.
    const resolved = await Promise.allSettled(ids.map((providerId) => this.registry.resolve(providerId)));
    for (const [i, providerId] of ids.entries()) {
      const outcome = resolved[i]!;
      if (outcome.status === 'rejected') {
        refused ??= isTransportError(outcome.reason) ? outcome.reason : undefined;
        continue;
      }
      const provider = outcome.value;
      if (provider.kind !== 'delivery') {
        throw new TransportError('CONFIG_INVALID', `invalid options.route.providers[${i}]: ${providerId} does not deliver codes`, { field: `options.route.providers[${i}]`, providerId });
      }
      const to = options.addresses?.[provider.channel] ?? options.address;
      if (to !== undefined && provider.validateAddress(to).ok) targets.push({ provider, to });
    }
    if (targets.length > 0) return targets;
    if (options.address === undefined && options.addresses === undefined) {
      throw new TransportError('MESSAGE_INVALID', 'invalid options.address: required for a route', { field: 'options.address' });
    }
    throw refused ?? new TransportError('INVALID_RECIPIENT', 'no provider of the route can deliver to the address(es) given', { field: 'options.address' });
  }

  /** The one provider the user chose, with the address checked. */
  private target(provider: DeliveryProvider, options: { readonly address?: string | undefined; readonly addresses?: Readonly<Record<string, string>> | undefined }): Target {
    const address = options.addresses?.[provider.channel] ?? options.address;
    if (address === undefined) {
      throw new TransportError('MESSAGE_INVALID', `invalid options.address: required for ${provider.channel} provider ${provider.id}`, {
        field: 'options.address',
        providerId: provider.id,
      });
    }
    const check = provider.validateAddress(address);
    if (!check.ok) {
      throw new TransportError('INVALID_RECIPIENT', `invalid ${provider.channel} address: ${check.reason}`, {
        field: 'options.address',
        providerId: provider.id,
        upstream: { rejected: [address] },
      });
    }
    return { provider, to: address };
  }

  /** The message for the provider's shape: e-mail gets subject and body, text channels the short text. */
  private message(provider: DeliveryProvider, to: string, code: string, locale: string | undefined): EmailMessage | TextMessage {
    const template = pickTemplate(this.templates, locale, this.settings.defaultLocale);
    const values = { code, minutes: Math.ceil(this.settings.ttlSeconds / 60) };
    return provider.capabilities.message === 'email'
      ? { to, subject: render(template.subject, values), text: render(template.email, values) }
      : { to, text: render(template.text, values) };
  }

  private recoveryStore(): RecoveryCodeStore {
    if (!this.recovery) throw new TransportError('UNSUPPORTED', 'the storage has no recoveryCodes store (an optional part of the storage contract)', { field: 'storage.recoveryCodes' });
    return this.recovery;
  }

  /** A refused recovery code. No event: recovery codes belong to no provider, the host audits their use. */
  private rejectRecovery(reason: CodeRejection, retryAt?: string): CodeCheckResult {
    return { ok: false, reason, ...(retryAt === undefined ? {} : { retryAt }) };
  }

  private async reject(providerId: string | undefined, userId: string, reason: CodeRejection): Promise<CodeCheckResult> {
    if (providerId !== undefined) await this.note(providerId, 'warn', 'second-factor.rejected', `one-time code rejected: ${reason}`, { userId, reason });
    return { ok: false, reason };
  }

  /** Records an event on the provider; a provider removed meanwhile must not fail the check. */
  private async note(providerId: string, severity: EventSeverity, type: string, message: string, fields: Record<string, unknown>): Promise<void> {
    try {
      await this.registry.recordEvent(providerId, severity, type, message, fields);
    } catch (cause) {
      if (!hasErrorCode(cause, 'NOT_FOUND')) throw cause;
    }
  }
}

/** Creates a {@link SecondFactor} service on a registry. */
export function createSecondFactor(options: SecondFactorOptions): SecondFactor {
  return new SecondFactor(options);
}

/** The provider a challenge's events and reports name: the one that delivered it. */
function deliverer(state: ChallengeState): string {
  return state.deliveredBy ?? state.providerId;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** True when `candidate` is the code of a delivered challenge (constant-time, bound to user and provider). */
function matches(state: ChallengeState, candidate: unknown): boolean {
  return (
    typeof candidate === 'string' &&
    candidate.length <= MAX_CODE_INPUT &&
    state.codeHash !== DELEGATED &&
    codeMatches(candidate, binding(state.userId, state.providerId), state.codeHash)
  );
}

/** The `RATE_LIMITED` error of a challenge refused until `retryAt`. */
function rateLimited(retryAt: string, now: number, providerId: string, why: string, details: Record<string, unknown>): TransportError {
  const retryAfterSeconds = Math.max(1, Math.ceil((Date.parse(retryAt) - now) / 1000));
  return new TransportError('RATE_LIMITED', `${why}; request a new one in ${retryAfterSeconds} s`, {
    providerId,
    details: { retryAt, retryAfterSeconds, ...details },
  });
}

/** What a recovery code hash is bound to: the user (not a provider: the codes work whatever the factor). */
function recoveryBinding(userId: string): string {
  return JSON.stringify(['recovery', userId]);
}

/** What a code hash is bound to, so it cannot be moved to another user or provider. */
function binding(userId: string, providerId: string): string {
  return JSON.stringify([userId, providerId]);
}
