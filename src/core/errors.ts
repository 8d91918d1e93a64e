/**
 * Every stable error code a {@link TransportError} can carry. The list is part of the public
 * API: codes are only ever added, never renamed or removed.
 */
export const ERROR_CODES = [
  'CONFIG_INVALID',
  'MESSAGE_INVALID',
  'INVALID_RECIPIENT',
  'AUTH_FAILED',
  'INSUFFICIENT_CREDIT',
  'RATE_LIMITED',
  'UNAVAILABLE',
  'TIMEOUT',
  'NOT_FOUND',
  'PROVIDER_IN_USE',
  'CONFLICT',
  'SECRET_UNREADABLE',
  'STORAGE_FAILED',
  'UNSUPPORTED',
  'ABORTED',
] as const;

/** A stable, documented error code. */
export type TransportErrorCode = (typeof ERROR_CODES)[number];

/** Codes whose failures are usually transient, so a retry later may succeed. */
const RETRYABLE_BY_DEFAULT: ReadonlySet<TransportErrorCode> = new Set([
  'RATE_LIMITED',
  'UNAVAILABLE',
  'TIMEOUT',
  'CONFLICT',
]);

/** Upstream detail kept on an error: what the third party said, never a secret. */
export interface UpstreamDetail {
  /** SMTP reply code, ASPSMS StatusCode, HTTP status, ... */
  readonly status?: number | string;
  /** The upstream's own description of the status. */
  readonly description?: string;
  /** Recipients the upstream rejected. */
  readonly rejected?: readonly string[];
  /** Seconds the upstream asked to wait before retrying (HTTP Retry-After). */
  readonly retryAfterSeconds?: number;
  /** Anything else worth keeping, already redacted. */
  readonly [key: string]: unknown;
}

/** Options of the {@link TransportError} constructor. */
export interface TransportErrorOptions {
  /** The original error, kept as the standard `cause`. */
  readonly cause?: unknown;
  /** Overrides the default retryability of the code. */
  readonly retryable?: boolean;
  /** The provider record the failure belongs to. */
  readonly providerId?: string;
  /** The invalid field, for CONFIG_INVALID and MESSAGE_INVALID (e.g. `"port"`, `"to[1]"`). */
  readonly field?: string;
  /** What the upstream said. */
  readonly upstream?: UpstreamDetail;
  /** Extra structured data (e.g. the usages for PROVIDER_IN_USE). */
  readonly details?: Readonly<Record<string, unknown>>;
}

const BRAND = Symbol.for('transportkit.TransportError');

/**
 * The one error class of transportkit. Misconfiguration and infrastructure failures throw it;
 * expected negatives (a wrong TOTP code) are results, not errors. Messages never contain secrets.
 */
export class TransportError extends Error {
  /** The stable code; branch on this, not on the message. */
  readonly code: TransportErrorCode;
  /** Whether retrying the same operation later may succeed. */
  readonly retryable: boolean;
  /** The provider record the failure belongs to, when known. */
  readonly providerId: string | undefined;
  /** The invalid field, for validation errors. */
  readonly field: string | undefined;
  /** What the upstream said (status code, description, rejected recipients). */
  readonly upstream: UpstreamDetail | undefined;
  /** Extra structured data. */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: TransportErrorCode, message: string, options: TransportErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TransportError';
    this.code = code;
    this.retryable = options.retryable ?? RETRYABLE_BY_DEFAULT.has(code);
    this.providerId = options.providerId;
    this.field = options.field;
    this.upstream = options.upstream;
    this.details = options.details;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** A copy of this error that names the provider it belongs to. */
  withProvider(providerId: string): TransportError {
    if (this.providerId === providerId) return this;
    const copy = new TransportError(this.code, this.message, {
      cause: this.cause,
      retryable: this.retryable,
      providerId,
      field: this.field,
      upstream: this.upstream,
      details: this.details,
    });
    copy.stack = this.stack;
    return copy;
  }

  /** A JSON form without the cause chain, safe to log. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      providerId: this.providerId,
      field: this.field,
      upstream: this.upstream,
      details: this.details,
    };
  }
}

/**
 * True when `value` is a {@link TransportError}, also one thrown by another copy of the package
 * (a second install, another realm): the check uses a global symbol, not `instanceof`.
 */
export function isTransportError(value: unknown): value is TransportError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value instanceof TransportError || (value as Record<symbol, unknown>)[BRAND] === true)
  );
}

/** True when `value` is a TransportError with the given code. */
export function hasErrorCode(value: unknown, code: TransportErrorCode): value is TransportError {
  return isTransportError(value) && value.code === code;
}
