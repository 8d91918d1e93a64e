import { z } from 'zod';
import { hasErrorCode, TransportError } from '../../core/errors.js';
import { withRedaction } from '../../core/events.js';
import type { CodeCheckResult, CodeRejection, ProviderContext, VerifierProvider } from '../../core/provider.js';
import { userSecretContext } from '../../core/secrets.js';
import { parseWith } from '../../core/validation.js';
import type { TotpUserState } from '../../storage/types.js';
import type { TotpAlgorithm, TotpConfig } from './config.js';
import { normalizeCode, normalizeSecret, OtpEngine } from './otp.js';

/** Marks live TOTP providers, so {@link isTotpProvider} also works across package copies. */
export const TOTP_BRAND: unique symbol = Symbol.for('transportkit.TotpProvider') as never;

/** Options of {@link TotpProvider.enroll}. */
export interface EnrollOptions {
  /** The account name the app shows under the issuer, usually the user's e-mail address. */
  readonly label: string;
  /** Replace a confirmed enrolment (the user's current app entry stops working). Default false. */
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
}

/** The live TOTP provider: a {@link VerifierProvider} plus enrolment. */
export interface TotpProvider extends VerifierProvider {
  readonly [TOTP_BRAND]: true;
  /** The validated configuration. */
  readonly config: Readonly<TotpConfig>;
  /**
   * Creates a secret for the user and stores it sealed, unconfirmed; {@link confirm} activates it.
   * Enrolling again before confirmation starts over; a confirmed user needs `replace: true`
   * (else `CONFLICT`).
   */
  enroll(userId: string, options: EnrollOptions): Promise<TotpEnrollment>;
  /** Activates an enrolment with the first code from the user's app; same checks as {@link verify}. */
  confirm(userId: string, code: string): Promise<CodeCheckResult>;
  /** Removes the user's enrolment; false when there was none. */
  disable(userId: string): Promise<boolean>;
  /** Stores a secret from another authenticator setup (e.g. 10-byte secrets of otplib 12). */
  import(userId: string, options: ImportOptions): Promise<TotpEnrollment>;
  /** Whether the user is enrolled, confirmed, locked. */
  status(userId: string): Promise<TotpStatus>;
}

const userIdSchema = z.string().min(1, 'must not be empty').max(200);
const labelSchema = z.string().trim().min(1, 'must not be empty').max(200).refine((v) => !v.includes(':'), 'must not contain ":"');
const enrollSchema = z.object({ label: labelSchema, replace: z.boolean().default(false) });
const importSchema = enrollSchema.extend({ secret: z.string().min(1).max(200), confirmed: z.boolean().default(true) });
/** Attempts of an optimistic read-modify-write before giving up on a hot record. */
const WRITE_ATTEMPTS = 5;

type Check = { readonly ok: true; readonly state: TotpUserState } | { readonly ok: false; readonly result: CodeCheckResult };

/** The TOTP provider of one record. Build it through the registry (`totp()` type). */
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
      await this.saveSecret(id, secret, false, replace);
      this.context.events.info('totp.enrolled', 'enrolment started, waiting for confirmation', { userId: id });
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
      await this.saveSecret(id, secret, parsed.confirmed, parsed.replace);
      this.context.events.info('totp.imported', 'secret imported', { userId: id, confirmed: parsed.confirmed });
      return this.enrollment(secret, parsed.label);
    });
  }

  async confirm(userId: string, code: string): Promise<CodeCheckResult> {
    const id = this.userId(userId);
    const check = await this.check(id, code, true);
    if (!check.ok) return check.result;
    if (!check.state.confirmed) await this.update(id, (s) => ({ ...s, confirmed: true }));
    this.context.events.info('totp.confirmed', 'enrolment confirmed', { userId: id });
    return { ok: true };
  }

  async verify(userId: string, code: string): Promise<CodeCheckResult> {
    const id = this.userId(userId);
    const check = await this.check(id, code, false);
    if (!check.ok) return check.result;
    this.context.events.info('totp.verified', 'code accepted', { userId: id });
    return { ok: true };
  }

  async disable(userId: string): Promise<boolean> {
    const id = this.userId(userId);
    const removed = await this.store.delete(this.id, id);
    if (removed) this.context.events.info('totp.disabled', 'enrolment removed', { userId: id });
    return removed;
  }

  async status(userId: string): Promise<TotpStatus> {
    const state = await this.store.get(this.id, this.userId(userId));
    const lockedUntil = state && this.lockedUntil(state);
    return { enrolled: state !== undefined, confirmed: state?.confirmed ?? false, ...(lockedUntil ? { lockedUntil } : {}) };
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
   * The shared path of verify and confirm: enrolment, lock, shape, window match, then the atomic
   * step advance that makes a code usable once, also across app instances.
   */
  private async check(userId: string, rawCode: unknown, allowUnconfirmed: boolean): Promise<Check> {
    const state = await this.store.get(this.id, userId);
    if (!state) return this.reject(userId, 'not-enrolled');
    if (!state.confirmed && !allowUnconfirmed) return this.reject(userId, 'not-confirmed');
    const lockedUntil = this.lockedUntil(state);
    if (lockedUntil) return this.reject(userId, 'locked', lockedUntil);
    const code = normalizeCode(rawCode);
    if (!this.otp.wellFormed(code)) return this.fail(state);
    const secret = this.open(state);
    const steps = await this.otp.matchingSteps(secret, code, this.context.clock.now());
    const step = steps.find((s) => s > state.lastStep);
    if (step === undefined) return steps.length > 0 ? this.reject(userId, 'replayed') : this.fail(state);
    if (!(await this.store.advanceStep(this.id, userId, step))) return this.reject(userId, 'replayed');
    return { ok: true, state };
  }

  /** Counts a failed attempt (optimistically, retried on CONFLICT) and locks at `maxFailures`. */
  private async fail(initial: TotpUserState): Promise<Check> {
    const now = this.context.clock.now();
    const lockedUntil = new Date(now + this.config.lockSeconds * 1000).toISOString();
    let locked = false;
    await this.update(
      initial.userId,
      (s) => {
        locked = s.failures + 1 >= this.config.maxFailures;
        return locked ? { ...s, failures: 0, lockedUntil } : { ...s, failures: s.failures + 1 };
      },
      initial,
    );
    if (!locked) return this.reject(initial.userId, 'mismatch');
    this.context.events.warn('totp.locked', `verification locked after ${this.config.maxFailures} failed attempts`, { userId: initial.userId, lockedUntil });
    return this.reject(initial.userId, 'locked', lockedUntil);
  }

  private reject(userId: string, reason: CodeRejection, retryAt?: string): Check {
    this.context.events.warn('totp.rejected', `code rejected: ${reason}`, { userId, reason, ...(retryAt ? { retryAt } : {}) });
    return { ok: false, result: { ok: false, reason, ...(retryAt ? { retryAt } : {}) } };
  }

  /** Read-modify-write of a user's state with optimistic versions; a vanished user is left alone. */
  private async update(userId: string, change: (state: TotpUserState) => TotpUserState, first?: TotpUserState): Promise<void> {
    let state = first;
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt += 1) {
      state ??= await this.store.get(this.id, userId);
      if (!state) return;
      try {
        await this.store.put({ ...change(state), version: state.version + 1 }, state.version);
        return;
      } catch (cause) {
        if (!hasErrorCode(cause, 'CONFLICT')) throw cause;
        state = undefined;
      }
    }
    throw new TransportError('CONFLICT', `TOTP state of ${userId} keeps changing; try again`, { providerId: this.id });
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
