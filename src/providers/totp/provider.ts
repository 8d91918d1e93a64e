import { z } from 'zod';
import { hasErrorCode, TransportError } from '../../core/errors.js';
import { withRedaction } from '../../core/events.js';
import type { CodeCheckResult, CodeRejection, ProviderContext, VerifierProvider } from '../../core/provider.js';
import { userSecretContext } from '../../core/secrets.js';
import { parseWith } from '../../core/validation.js';
import type { TotpAttemptRule, TotpUserState } from '../../storage/types.js';
import type { TotpAlgorithm, TotpConfig } from './config.js';
import { normalizeCode, normalizeSecret, OtpEngine } from './otp.js';

/** Marks live TOTP providers, so {@link isTotpProvider} also works across package copies. */
export const TOTP_BRAND: unique symbol = Symbol.for('transportkit.TotpProvider') as never;

/** Options of {@link TotpProvider.enroll}. */
export interface EnrollOptions {
  /** The account name the app shows under the issuer, usually the user's e-mail address. */
  readonly label: string;
  /**
   * Replace a confirmed enrolment. The new secret waits until {@link TotpProvider.confirm}
   * accepts a code of it; until then the current one keeps working, so a user who abandons the
   * new set-up (or scans it on a phone that then breaks) keeps their second factor. Default false.
   */
  readonly replace?: boolean;
}

/** Options of {@link TotpProvider.import}. */
export interface ImportOptions extends EnrollOptions {
  /** The base32 secret from the other setup; 10 bytes (16 characters) or more. */
  readonly secret: string;
  /** Whether the user already uses it, so no confirmation code is needed. Default true. */
  readonly confirmed?: boolean;
}

/** What enrolment hands the host, once: show the URI as a QR code, the secret for manual entry. */
export interface TotpEnrollment {
  /** The base32 shared secret. Show it once; it is stored only sealed. */
  readonly secret: string;
  /** The `otpauth://totp/...` URI authenticator apps scan. */
  readonly uri: string;
  readonly issuer: string;
  readonly label: string;
  readonly algorithm: TotpAlgorithm;
  readonly digits: number;
  readonly period: number;
}

/** A user's TOTP status, without the secret. */
export interface TotpStatus {
  readonly enrolled: boolean;
  readonly confirmed: boolean;
  /** ISO time until which verification is locked, when locked now. */
  readonly lockedUntil?: string;
  /** True while a replacement secret waits for its confirmation (the current one still works). */
  readonly replacementPending?: boolean;
}

/** The live TOTP provider: a {@link VerifierProvider} plus enrolment. */
export interface TotpProvider extends VerifierProvider {
  readonly [TOTP_BRAND]: true;
  /** The validated configuration. */
  readonly config: Readonly<TotpConfig>;
  /**
   * Creates a secret for the user and stores it sealed, unconfirmed; {@link confirm} activates it.
   * Enrolling again before confirmation starts over; a confirmed user needs `replace: true`
   * (else `CONFLICT`). The write is versioned: when the user's state changed between reading
   * and writing (another enrolment, a code being checked) it is `CONFLICT` too, and a retry
   * is safe.
   */
  enroll(userId: string, options: EnrollOptions): Promise<TotpEnrollment>;
  /**
   * Activates an enrolment with the first code from the user's app, with the checks, counting
   * and lock-out of {@link verify}; accepting the step and confirming are one atomic write. While
   * a replacement waits (`enroll` with `replace`), the code must be one of the new secret, which
   * then replaces the current one in the same versioned write.
   */
  confirm(userId: string, code: string): Promise<CodeCheckResult>;
  /** Drops a replacement that waits for its confirmation; the current secret stays. False when none waited. */
  cancelReplacement(userId: string): Promise<boolean>;
  /**
   * Checks a code of a confirmed user: `{ ok: true }` or a result with a reason, never an
   * exception for malformed input or for concurrent calls. Every compared code is counted
   * before the comparison; at most `maxFailures` codes are compared until a lock of
   * `lockSeconds` (`locked`, `retryAt`), across all app instances sharing the store. A time
   * step is accepted once (`replayed` after); an accepted code resets the count.
   */
  verify(userId: string, code: string): Promise<CodeCheckResult>;
  /** Removes the user's enrolment; false when there was none. */
  disable(userId: string): Promise<boolean>;
  /** Stores a secret from another authenticator setup (e.g. 10-byte secrets of otplib 12); versioned like {@link enroll}. */
  import(userId: string, options: ImportOptions): Promise<TotpEnrollment>;
  /** Whether the user is enrolled, confirmed, locked. */
  status(userId: string): Promise<TotpStatus>;
}

const userIdSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(200)
  .refine((v) => !/[\x00-\x1f\x7f]/.test(v), 'must not contain control characters');
/** A replacement secret waits as a state of its own, under the user id and this suffix (no user id has a control character). */
const PENDING = '\u001freplacement';
/** Versioned writes that lose to a concurrent change are retried this often. */
const WRITE_ROUNDS = 5;
const labelSchema = z.string().trim().min(1, 'must not be empty').max(200).refine((v) => !v.includes(':'), 'must not contain ":"');
const enrollSchema = z.object({ label: labelSchema, replace: z.boolean().default(false) });
const importSchema = enrollSchema.extend({ secret: z.string().min(1).max(200), confirmed: z.boolean().default(true) });

/**
 * The TOTP provider of one record. Build it through the registry (`totp()` type). Its per-user
 * state lives in `storage.totp`; lock-out and replay protection rest on the store's atomic
 * `admitAttempt` and `advanceStep`, so they hold for any number of app instances on one store.
 */
export class TotpAuthenticator implements TotpProvider {
  readonly [TOTP_BRAND] = true as const;
  readonly kind = 'verifier' as const;
  readonly type = 'totp';
  readonly channel = 'totp';
  readonly id: string;

  constructor(
    readonly config: Readonly<TotpConfig>,
    private readonly context: ProviderContext,
    private readonly otp: OtpEngine,
  ) {
    this.id = context.providerId;
  }

  private get store() {
    return this.context.storage.totp;
  }

  async enroll(userId: string, options: EnrollOptions): Promise<TotpEnrollment> {
    const id = this.userId(userId);
    const { label, replace } = parseWith(enrollSchema, options, 'MESSAGE_INVALID', 'options', this.id);
    const secret = this.otp.newSecret();
    return withRedaction([secret], async () => {
      const existing = await this.store.get(this.id, id);
      if (existing?.confirmed && replace) {
        await this.savePending(id, secret);
        this.context.events.info('totp.replacement.started', 'replacement enrolment started; the current secret works until it is confirmed', { userId: id });
      } else {
        await this.saveSecret(id, secret, false, replace);
        this.context.events.info('totp.enrolled', 'enrolment started, waiting for confirmation', { userId: id });
      }
      return this.enrollment(secret, label);
    });
  }

  async import(userId: string, options: ImportOptions): Promise<TotpEnrollment> {
    const id = this.userId(userId);
    const parsed = parseWith(importSchema, options, 'MESSAGE_INVALID', 'options', this.id);
    const secret = normalizeSecret(parsed.secret);
    const invalid = () =>
      new TransportError('MESSAGE_INVALID', 'invalid options.secret: must be base32 of 10 to 64 bytes', { field: 'options.secret', providerId: this.id });
    if (secret === undefined) throw invalid();
    return withRedaction([secret, parsed.secret], async () => {
      // otplib rejects some base32 lengths (non-zero padding bits); find out before storing.
      await this.otp.codeAt(secret, 0).catch(() => Promise.reject(invalid()));
      const existing = await this.store.get(this.id, id);
      // An unconfirmed import over a confirmed user waits like a re-enrolment; a confirmed one is in use already.
      if (existing?.confirmed && parsed.replace && !parsed.confirmed) await this.savePending(id, secret);
      else await this.saveSecret(id, secret, parsed.confirmed, parsed.replace);
      this.context.events.info('totp.imported', 'secret imported', { userId: id, confirmed: parsed.confirmed });
      return this.enrollment(secret, parsed.label);
    });
  }

  /** {@inheritDoc TotpProvider.confirm} */
  async confirm(userId: string, code: string): Promise<CodeCheckResult> {
    const id = this.userId(userId);
    const pending = await this.store.get(this.id, id + PENDING);
    if (pending) {
      const result = await this.confirmReplacement(id, pending, code);
      if (result.ok) this.context.events.info('totp.replaced', 'replacement confirmed; the previous secret no longer works', { userId: id });
      return result;
    }
    const result = await this.check(id, code, true);
    if (result.ok) this.context.events.info('totp.confirmed', 'enrolment confirmed', { userId: id });
    return result;
  }

  async cancelReplacement(userId: string): Promise<boolean> {
    const id = this.userId(userId);
    const removed = await this.store.delete(this.id, id + PENDING);
    if (removed) this.context.events.info('totp.replacement.cancelled', 'replacement enrolment cancelled', { userId: id });
    return removed;
  }

  /** {@inheritDoc TotpProvider.verify} */
  async verify(userId: string, code: string): Promise<CodeCheckResult> {
    const id = this.userId(userId);
    const result = await this.check(id, code, false);
    if (result.ok) this.context.events.info('totp.verified', 'code accepted', { userId: id });
    return result;
  }

  async disable(userId: string): Promise<boolean> {
    const id = this.userId(userId);
    await this.store.delete(this.id, id + PENDING);
    const removed = await this.store.delete(this.id, id);
    if (removed) this.context.events.info('totp.disabled', 'enrolment removed', { userId: id });
    return removed;
  }

  async status(userId: string): Promise<TotpStatus> {
    const id = this.userId(userId);
    const [state, pending] = await Promise.all([this.store.get(this.id, id), this.store.get(this.id, id + PENDING)]);
    const lockedUntil = state && this.lockedUntil(state);
    return {
      enrolled: state !== undefined,
      confirmed: state?.confirmed ?? false,
      ...(lockedUntil ? { lockedUntil } : {}),
      ...(pending && state?.confirmed ? { replacementPending: true } : {}),
    };
  }

  /**
   * The code the user's app shows at `at` (default now), read from the stored secret; with
   * `replacement`, the code of a replacement that waits for confirmation. For tests only
   * (`currentTotpCode` of `transportkit/testing`).
   *
   * @internal
   */
  async codeForTests(userId: string, options: { readonly at?: number; readonly replacement?: boolean } = {}): Promise<string> {
    const id = this.userId(userId);
    const state = await this.store.get(this.id, options.replacement ? id + PENDING : id);
    if (!state) throw new TransportError('NOT_FOUND', `user ${id} has no ${options.replacement ? 'replacement waiting' : 'TOTP enrolment'}`, { providerId: this.id });
    return this.otp.codeAt(this.open(state), this.otp.stepAt(options.at ?? this.context.clock.now()));
  }

  /** Checks that the crypto in use reproduces an RFC 6238 vector and that user secrets can be sealed. */
  async diagnostics() {
    const vector = await this.otp.selfTest();
    const context = userSecretContext(this.id, '(diagnostics)');
    const box = this.context.secretBox;
    let sealing: boolean;
    try {
      sealing = box.open(box.seal('probe', context), context) === 'probe';
    } catch {
      sealing = false;
    }
    return [
      { name: 'totp.algorithm', ok: vector, detail: vector ? 'RFC 6238 test vector reproduced' : 'RFC 6238 test vector not reproduced' },
      { name: 'totp.sealing', ok: sealing, detail: sealing ? 'user secrets can be sealed and opened' : 'user secrets cannot be sealed' },
    ];
  }

  async close(): Promise<void> {}

  // ---- internals -----------------------------------------------------------------------

  /**
   * The shared path of verify and confirm. Each step that guards the lock-out or the replay
   * protection is one atomic store call (admit, then advance), never a read-check-write, so it
   * holds under any interleaving of calls and app instances.
   */
  private async check(userId: string, rawCode: unknown, allowUnconfirmed: boolean): Promise<CodeCheckResult> {
    // These two answers need no comparison, so they do not count as attempts.
    const known = await this.store.get(this.id, userId);
    if (!known) return this.reject(userId, 'not-enrolled');
    if (!known.confirmed && !allowUnconfirmed) return this.reject(userId, 'not-confirmed');
    const now = this.context.clock.now();
    const attempt = await this.store.admitAttempt(this.id, userId, this.attemptRule(now));
    if (attempt.status === 'not-enrolled') return this.reject(userId, 'not-enrolled');
    if (attempt.status === 'locked') return this.reject(userId, 'locked', attempt.lockedUntil);
    // A re-enrolment may have landed since the first read: judge the state that was admitted.
    if (!attempt.state.confirmed && !allowUnconfirmed) return this.reject(userId, 'not-confirmed');
    return this.compare(attempt.state, rawCode, now, allowUnconfirmed);
  }

  /** The admission rule of one attempt at `now`: where the count stops and how long a lock lasts. */
  private attemptRule(now: number): TotpAttemptRule {
    return { now: iso(now), maxFailures: this.config.maxFailures, lockUntil: iso(now + this.config.lockSeconds * 1000) };
  }

  /**
   * Compares an admitted code with the drift window of `state`'s secret and accepts its step
   * through the atomic `advanceStep` (which also confirms an enrolment when `confirm`).
   */
  private async compare(state: TotpUserState, rawCode: unknown, now: number, confirm: boolean): Promise<CodeCheckResult> {
    const code = normalizeCode(rawCode);
    if (!this.otp.wellFormed(code)) return this.refuse(state, 'mismatch');
    const steps = await this.otp.matchingSteps(this.open(state), code, now);
    const step = steps.find((s) => s > state.lastStep);
    if (step === undefined) return this.refuse(state, steps.length > 0 ? 'replayed' : 'mismatch');
    // False: a concurrent call accepted this step (or a later one) first; its success also reset the count.
    if (!(await this.store.advanceStep(this.id, state.userId, step, { confirm }))) return this.reject(state.userId, 'replayed');
    return { ok: true };
  }

  /**
   * Rejects a compared code. When its admission used up the last attempt (the admitted state
   * carries the lock), the caller learns of the lock now rather than on the next try.
   */
  private refuse(state: TotpUserState, reason: 'mismatch' | 'replayed'): CodeCheckResult {
    if (state.lockedUntil === undefined) return this.reject(state.userId, reason);
    this.context.events.warn('totp.locked', `verification locked after ${this.config.maxFailures} failed attempts`, {
      userId: state.userId,
      lockedUntil: state.lockedUntil,
    });
    return this.reject(state.userId, 'locked', state.lockedUntil);
  }

  private reject(userId: string, reason: CodeRejection, retryAt?: string): CodeCheckResult {
    this.context.events.warn('totp.rejected', `code rejected: ${reason}`, { userId, reason, ...(retryAt ? { retryAt } : {}) });
    return { ok: false, reason, ...(retryAt ? { retryAt } : {}) };
  }

  /**
   * Confirms a replacement: the code is counted on the user's state (one lock-out for both
   * secrets), compared with the replacement's secret, and its step accepted together with the
   * new secret in one versioned write of the user's state; a concurrent change makes it read
   * again (a step accepted meanwhile is a replay). Then the waiting state is removed.
   */
  private async confirmReplacement(userId: string, pending: TotpUserState, rawCode: unknown): Promise<CodeCheckResult> {
    const now = this.context.clock.now();
    const attempt = await this.store.admitAttempt(this.id, userId, this.attemptRule(now));
    if (attempt.status === 'not-enrolled') return this.reject(userId, 'not-enrolled');
    if (attempt.status === 'locked') return this.reject(userId, 'locked', attempt.lockedUntil);
    const code = normalizeCode(rawCode);
    if (!this.otp.wellFormed(code)) return this.refuse(attempt.state, 'mismatch');
    const secret = this.open(pending);
    return withRedaction([secret], async () => {
      const steps = await this.otp.matchingSteps(secret, code, now);
      let state: TotpUserState | undefined = attempt.state;
      const step = steps.find((s) => s > state!.lastStep);
      if (step === undefined) return this.refuse(attempt.state, steps.length > 0 ? 'replayed' : 'mismatch');
      const sealedSecret = this.context.secretBox.seal(secret, userSecretContext(this.id, userId));
      for (let round = 0; state && state.lastStep < step && round < WRITE_ROUNDS; round += 1) {
        const { lockedUntil: _lock, ...rest } = state;
        try {
          await this.store.put({ ...rest, sealedSecret, confirmed: true, lastStep: step, failures: 0, version: state.version + 1 }, state.version);
          await this.store.delete(this.id, pending.userId).catch(() => false);
          return { ok: true };
        } catch (cause) {
          if (!hasErrorCode(cause, 'CONFLICT')) throw cause;
          state = await this.store.get(this.id, userId);
        }
      }
      return this.reject(userId, 'replayed');
    });
  }

  /** Stores a replacement secret sealed under its own state; a replacement waiting already is replaced. */
  private async savePending(userId: string, secret: string): Promise<void> {
    const pendingId = userId + PENDING;
    for (let round = 0; ; round += 1) {
      const existing = await this.store.get(this.id, pendingId);
      const state: TotpUserState = {
        providerId: this.id,
        userId: pendingId,
        sealedSecret: this.context.secretBox.seal(secret, userSecretContext(this.id, pendingId)),
        confirmed: false,
        lastStep: -1,
        failures: 0,
        createdAt: new Date(this.context.clock.now()).toISOString(),
        version: (existing?.version ?? 0) + 1,
      };
      try {
        return await this.store.put(state, existing?.version);
      } catch (cause) {
        if (!hasErrorCode(cause, 'CONFLICT') || round + 1 >= WRITE_ROUNDS) throw cause;
      }
    }
  }

  /** Stores a new secret sealed; refuses to overwrite a confirmed enrolment unless `replace`. */
  private async saveSecret(userId: string, secret: string, confirmed: boolean, replace: boolean): Promise<void> {
    const existing = await this.store.get(this.id, userId);
    if (existing?.confirmed && !replace) {
      throw new TransportError('CONFLICT', `user ${userId} is enrolled already; disable first or pass replace: true`, {
        providerId: this.id,
        retryable: false,
      });
    }
    const state: TotpUserState = {
      providerId: this.id,
      userId,
      sealedSecret: this.context.secretBox.seal(secret, userSecretContext(this.id, userId)),
      confirmed,
      lastStep: -1,
      failures: 0,
      createdAt: new Date(this.context.clock.now()).toISOString(),
      version: (existing?.version ?? 0) + 1,
    };
    await this.store.put(state, existing?.version);
    // The user's own secret was set: a replacement that waited is void.
    await this.store.delete(this.id, userId + PENDING);
  }

  private open(state: TotpUserState): string {
    try {
      return this.context.secretBox.open(state.sealedSecret, userSecretContext(this.id, state.userId));
    } catch (cause) {
      throw hasErrorCode(cause, 'SECRET_UNREADABLE') ? cause.withProvider(this.id) : cause;
    }
  }

  private lockedUntil(state: TotpUserState): string | undefined {
    return state.lockedUntil !== undefined && Date.parse(state.lockedUntil) > this.context.clock.now() ? state.lockedUntil : undefined;
  }

  private enrollment(secret: string, label: string): TotpEnrollment {
    const { issuer, algorithm, digits, period } = this.config;
    return { secret, uri: this.otp.uri(secret, label, issuer), issuer, label, algorithm, digits, period };
  }

  private userId(userId: unknown): string {
    return parseWith(userIdSchema, userId, 'MESSAGE_INVALID', 'userId', this.id);
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
