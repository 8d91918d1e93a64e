import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { hasErrorCode, TransportError } from '../../core/errors.js';
import { withRedaction, type EventSeverity } from '../../core/events.js';
import type { EmailMessage, TextMessage } from '../../core/messages.js';
import type { Channel, Clock, CodeCheckResult, CodeRejection, DeliveryProvider, VerifierProvider } from '../../core/provider.js';
import { parseWith } from '../../core/validation.js';
import type { ProviderRegistry } from '../../registry/registry.js';
import { guardStorage } from '../../storage/guard.js';
import type { ChallengeState, ChallengeStore, TransportStorage } from '../../storage/types.js';
import { codeMatches, hashCode, randomCode } from './codes.js';
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
  /** Minimum seconds between two delivered codes for one user (default 30). */
  readonly resendAfterSeconds?: number;
}

/** Options of {@link SecondFactor.challenge}. */
export interface ChallengeOptions {
  /** The provider the user chose: a delivery provider (SMS, e-mail, Threema, ...) or a TOTP verifier. */
  readonly providerId: string;
  /** Where to deliver the code: phone number, e-mail address, Threema ID. Unused for a verifier. */
  readonly address?: string;
  /** Language of the message (`de`, `de-CH`, `en`, ...). */
  readonly locale?: string;
  /** Aborts the delivery. */
  readonly signal?: AbortSignal;
}

/** What {@link SecondFactor.challenge} reports. Never contains the code. */
export interface ChallengeInfo {
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
}

/** A user's live challenge, without its hash. */
export interface PendingChallenge {
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

/** What one delivery of a code needs. */
interface Delivery {
  readonly to: string;
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
});
const userIdSchema = z.string().min(1, 'must not be empty').max(200);
const challengeSchema = z.object({
  providerId: z.string().min(1).max(100),
  address: z.string().min(1).max(320).optional(),
  locale: z.string().min(2).max(20).optional(),
});

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
  private readonly clock: Clock;
  private readonly templates: CodeTemplates;
  private readonly settings: z.output<typeof optionsSchema>;

  constructor(options: SecondFactorOptions) {
    const registry = options?.registry as Partial<ProviderRegistry> | undefined;
    if (!registry || typeof registry.resolve !== 'function' || typeof registry.send !== 'function' || typeof registry.recordEvent !== 'function') {
      throw new TransportError('CONFIG_INVALID', 'registry must be a ProviderRegistry (createRegistry())', { field: 'registry' });
    }
    this.registry = options.registry;
    this.store = options.storage === undefined ? this.registry.storage.challenges : guardStorage(options.storage).challenges;
    this.clock = options.clock ?? this.registry.clock;
    this.templates = mergeTemplates(options.templates);
    const { registry: _r, storage: _s, templates: _t, clock: _c, ...rest } = options;
    this.settings = parseWith(optionsSchema, rest, 'CONFIG_INVALID', 'options');
  }

  /**
   * Starts a second-factor check; the new challenge replaces the user's previous one.
   *
   * For a delivery provider: generates a code, stores its hash, then sends it. At most one code
   * is delivered per user per `resendAfterSeconds`, however many calls race (also on other app
   * instances): the store admits one challenge per resend window, the others are `RATE_LIMITED`
   * with `details.retryAt` and `details.retryAfterSeconds`. A failed delivery removes its
   * challenge again. For a verifier (TOTP): stores that the user's app is the factor; never
   * throttled, and it keeps the resend window of a code delivered just before.
   */
  async challenge(userId: string, options: ChallengeOptions): Promise<ChallengeInfo> {
    const id = parseWith(userIdSchema, userId, 'MESSAGE_INVALID', 'userId');
    const { providerId, address, locale } = parseWith(challengeSchema, options, 'MESSAGE_INVALID', 'options');
    const provider = await this.registry.resolve(providerId);
    const now = this.clock.now();
    if (provider.kind === 'verifier') return this.startVerifier(id, provider, now);
    const to = this.checkAddress(provider, address);
    const code = randomCode(this.settings.codeLength);
    const state = this.newState(id, providerId, now, hashCode(code, binding(id, providerId)), iso(now + this.settings.resendAfterSeconds * 1000));
    // Stored before sending: the store's throttle is what lets only one concurrent call deliver.
    const start = await this.store.start(state, { now: iso(now), throttle: true });
    if (start.status === 'throttled') throw rateLimited(start.current, now, providerId);
    return withRedaction([code], async () => {
      const messageId = await this.deliver(provider, state, { to, code, locale, signal: options.signal });
      await this.note(providerId, 'info', 'second-factor.challenge', 'one-time code sent', { userId: id, expiresAt: state.expiresAt });
      const info = { providerId, channel: provider.channel, delivered: true, expiresAt: state.expiresAt, resendAt: state.resendAt };
      return { ...info, ...(messageId ? { messageId } : {}) };
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
        return this.reject(state.providerId, id, 'expired');
      }
      if (state.codeHash === DELEGATED) return this.delegate(state, code);
      const attempt = await this.store.admitAttempt(id, state.id, this.settings.maxAttempts);
      if (attempt.status === 'admitted') return this.compare(attempt.state, candidate);
      if (attempt.status === 'locked') return this.reject(state.providerId, id, 'locked');
      gone = state;
    }
    // The challenge this call read is gone: when the code was its code, a concurrent call used it.
    if (gone && matches(gone, candidate)) return this.reject(gone.providerId, id, 'replayed');
    return { ok: false, reason: 'no-challenge' };
  }

  /** The user's live challenge, if any; `attemptsLeft` counts the codes it will still compare. */
  async pending(userId: string): Promise<PendingChallenge | undefined> {
    const state = await this.store.get(parseWith(userIdSchema, userId, 'MESSAGE_INVALID', 'userId'));
    if (!state || Date.parse(state.expiresAt) <= this.clock.now()) return undefined;
    return {
      providerId: state.providerId,
      delivered: state.codeHash !== DELEGATED,
      expiresAt: state.expiresAt,
      attemptsLeft: Math.max(0, this.settings.maxAttempts - state.attempts),
    };
  }

  /** Drops the user's live challenge, whichever it is (e.g. sign-in cancelled); false when there was none. */
  async cancel(userId: string): Promise<boolean> {
    return this.store.delete(parseWith(userIdSchema, userId, 'MESSAGE_INVALID', 'userId'));
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
      return this.reject(state.providerId, state.userId, state.attempts >= this.settings.maxAttempts ? 'locked' : 'mismatch');
    }
    if (!(await this.store.delete(state.userId, state.id))) return this.reject(state.providerId, state.userId, 'replayed');
    await this.note(state.providerId, 'info', 'second-factor.verified', 'one-time code accepted', { userId: state.userId });
    return { ok: true };
  }

  /**
   * Records that the user's app is the factor. Not throttled (nothing is sent), but it keeps the
   * resend window of a live delivered code, so alternating providers cannot deliver more often.
   */
  private async startVerifier(userId: string, provider: VerifierProvider, now: number): Promise<ChallengeInfo> {
    const live = await this.store.get(userId);
    const window = live && Date.parse(live.expiresAt) > now && Date.parse(live.resendAt) > now ? live.resendAt : iso(now);
    const state = this.newState(userId, provider.id, now, DELEGATED, window);
    await this.store.start(state, { now: iso(now), throttle: false });
    await this.note(provider.id, 'info', 'second-factor.challenge', 'challenge started; the authenticator app provides the code', { userId });
    return { providerId: provider.id, channel: provider.channel, delivered: false, expiresAt: state.expiresAt };
  }

  /** A fresh challenge (new id, no attempts) valid for `ttlSeconds` from `now`. */
  private newState(userId: string, providerId: string, now: number, codeHash: string, resendAt: string): ChallengeState {
    const expiresAt = iso(now + this.settings.ttlSeconds * 1000);
    return { id: randomUUID(), userId, providerId, codeHash, sentAt: iso(now), expiresAt, resendAt, attempts: 0 };
  }

  /** Sends the code; on failure removes this challenge (only this one), so none is left behind. */
  private async deliver(provider: DeliveryProvider, state: ChallengeState, delivery: Delivery): Promise<string | undefined> {
    const { to, code, locale, signal } = delivery;
    try {
      const message = this.message(provider, to, code, locale);
      const { messageId } = await this.registry.send(provider.id, message, { redact: [code], ...(signal ? { signal } : {}) });
      return messageId;
    } catch (cause) {
      await this.store.delete(state.userId, state.id).catch(() => false);
      throw cause;
    }
  }

  private checkAddress(provider: DeliveryProvider, address: string | undefined): string {
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
    return address;
  }

  /** The message for the provider's shape: e-mail gets subject and body, text channels the short text. */
  private message(provider: DeliveryProvider, to: string, code: string, locale: string | undefined): EmailMessage | TextMessage {
    const template = pickTemplate(this.templates, locale, this.settings.defaultLocale);
    const values = { code, minutes: Math.ceil(this.settings.ttlSeconds / 60) };
    return provider.capabilities.message === 'email'
      ? { to, subject: render(template.subject, values), text: render(template.email, values) }
      : { to, text: render(template.text, values) };
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

/** The `RATE_LIMITED` error of a challenge inside the resend window of `current`. */
function rateLimited(current: ChallengeState, now: number, providerId: string): TransportError {
  const retryAt = current.resendAt;
  const retryAfterSeconds = Math.max(1, Math.ceil((Date.parse(retryAt) - now) / 1000));
  return new TransportError('RATE_LIMITED', `a code was sent moments ago; request a new one in ${retryAfterSeconds} s`, {
    providerId,
    details: { retryAt, retryAfterSeconds },
  });
}

/** What a code hash is bound to, so it cannot be moved to another user or provider. */
function binding(userId: string, providerId: string): string {
  return JSON.stringify([userId, providerId]);
}
