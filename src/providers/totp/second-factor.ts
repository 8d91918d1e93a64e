import { z } from 'zod';
import { hasErrorCode, TransportError } from '../../core/errors.js';
import { withRedaction, type EventSeverity } from '../../core/events.js';
import type { EmailMessage, TextMessage } from '../../core/messages.js';
import type { Channel, Clock, CodeCheckResult, CodeRejection, DeliveryProvider } from '../../core/provider.js';
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
const WRITE_ATTEMPTS = 5;

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
 * (or delegates to the TOTP provider). Only a salted HMAC of a code is stored, with expiry and
 * an attempt count; one live challenge per user.
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
   * Starts a second-factor check. For a delivery provider: generates a code, stores its hash and
   * sends it (`RATE_LIMITED` within `resendAfterSeconds` of the previous code; a failed delivery
   * leaves no challenge behind). For a verifier: records that the user's app is the factor.
   * A new challenge replaces the previous one.
   */
  async challenge(userId: string, options: ChallengeOptions): Promise<ChallengeInfo> {
    const id = parseWith(userIdSchema, userId, 'MESSAGE_INVALID', 'userId');
    const { providerId, address, locale } = parseWith(challengeSchema, options, 'MESSAGE_INVALID', 'options');
    const provider = await this.registry.resolve(providerId);
    const now = this.clock.now();
    const existing = await this.store.get(id);
    const expiresAt = iso(now + this.settings.ttlSeconds * 1000);
    const base = { userId: id, providerId, sentAt: iso(now), expiresAt, attempts: 0, version: (existing?.version ?? 0) + 1 };
    if (provider.kind === 'verifier') {
      await this.store.put({ ...base, codeHash: DELEGATED }, existing?.version);
      await this.note(providerId, 'info', 'second-factor.challenge', 'challenge started; the authenticator app provides the code', { userId: id });
      return { providerId, channel: provider.channel, delivered: false, expiresAt };
    }
    const to = this.checkAddress(provider, address);
    this.throttle(existing, now, providerId);
    const code = randomCode(this.settings.codeLength);
    const state: ChallengeState = { ...base, codeHash: hashCode(code, binding(id, providerId)) };
    await this.store.put(state, existing?.version);
    return withRedaction([code], async () => {
      let messageId: string | undefined;
      try {
        ({ messageId } = await this.registry.send(providerId, this.message(provider, to, code, locale), {
          redact: [code],
          ...(options.signal ? { signal: options.signal } : {}),
        }));
      } catch (cause) {
        await this.store.delete(id, state.version).catch(() => false);
        throw cause;
      }
      const resendAt = iso(now + this.settings.resendAfterSeconds * 1000);
      await this.note(providerId, 'info', 'second-factor.challenge', 'one-time code sent', { userId: id, expiresAt });
      return { providerId, channel: provider.channel, delivered: true, expiresAt, resendAt, ...(messageId ? { messageId } : {}) };
    });
  }

  /**
   * Checks the code of the user's live challenge: `{ ok: true }` once, then the challenge is
   * gone (`no-challenge`). Of two concurrent checks of the right code exactly one succeeds
   * (`replayed` for the other). Malformed input is a `mismatch`, never an exception.
   */
  async verify(userId: string, code: string): Promise<CodeCheckResult> {
    const id = parseWith(userIdSchema, userId, 'MESSAGE_INVALID', 'userId');
    let consumed = false;
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt += 1) {
      const state = await this.store.get(id);
      if (!state) return consumed ? this.reject(undefined, id, 'replayed') : { ok: false, reason: 'no-challenge' };
      if (Date.parse(state.expiresAt) <= this.clock.now()) {
        await this.store.delete(id, state.version);
        return this.reject(state.providerId, id, 'expired');
      }
      if (state.codeHash === DELEGATED) return this.delegate(state, code);
      if (state.attempts >= this.settings.maxAttempts) return this.reject(state.providerId, id, 'locked');
      const candidate = normalizeCode(code);
      if (typeof candidate === 'string' && candidate.length <= 64 && codeMatches(candidate, binding(id, state.providerId), state.codeHash)) {
        if (await this.store.delete(id, state.version)) {
          await this.note(state.providerId, 'info', 'second-factor.verified', 'one-time code accepted', { userId: id });
          return { ok: true };
        }
        consumed = true;
        continue;
      }
      try {
        await this.store.put({ ...state, attempts: state.attempts + 1, version: state.version + 1 }, state.version);
      } catch (cause) {
        if (hasErrorCode(cause, 'CONFLICT')) continue;
        throw cause;
      }
      return this.reject(state.providerId, id, state.attempts + 1 >= this.settings.maxAttempts ? 'locked' : 'mismatch');
    }
    return this.reject(undefined, id, consumed ? 'replayed' : 'mismatch');
  }

  /** The user's live challenge, if any. */
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

  /** Drops the user's live challenge (e.g. sign-in cancelled); false when there was none. */
  async cancel(userId: string): Promise<boolean> {
    return this.store.delete(parseWith(userIdSchema, userId, 'MESSAGE_INVALID', 'userId'));
  }

  // ---- internals -----------------------------------------------------------------------

  /** Hands the code to the verifier (TOTP) the challenge named; it does replay and lock-out. */
  private async delegate(state: ChallengeState, code: string): Promise<CodeCheckResult> {
    const provider = await this.registry.resolve(state.providerId);
    if (provider.kind !== 'verifier') return { ok: false, reason: 'no-challenge' };
    const result = await provider.verify(state.userId, typeof code === 'string' ? code : '');
    if (result.ok) await this.store.delete(state.userId, state.version);
    return result;
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

  private throttle(existing: ChallengeState | undefined, now: number, providerId: string): void {
    if (!existing || existing.codeHash === DELEGATED || Date.parse(existing.expiresAt) <= now) return;
    const allowedAt = Date.parse(existing.sentAt) + this.settings.resendAfterSeconds * 1000;
    if (now >= allowedAt) return;
    const retryAfterSeconds = Math.ceil((allowedAt - now) / 1000);
    throw new TransportError('RATE_LIMITED', `a code was sent moments ago; request a new one in ${retryAfterSeconds} s`, {
      providerId,
      details: { retryAt: iso(allowedAt), retryAfterSeconds },
    });
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

/** What a code hash is bound to, so it cannot be moved to another user or provider. */
function binding(userId: string, providerId: string): string {
  return JSON.stringify([userId, providerId]);
}
