import { isTransportError, TransportError, type TransportErrorCode } from '../../core/errors.js';
import type { RecipientRejection } from '../../core/messages.js';

/** The fields nodemailer puts on its errors. */
interface NodemailerError {
  readonly message?: string;
  readonly name?: string;
  readonly code?: string;
  readonly originalCode?: string;
  readonly responseCode?: number;
  readonly response?: string;
  readonly command?: string;
  readonly rejected?: readonly string[];
  /** One error per refused recipient (nodemailer's `rejectedErrors`). */
  readonly rejectedErrors?: readonly NodemailerError[];
  /** The recipient of a per-recipient error. */
  readonly recipient?: string;
}

/** The error code of a recipient refused with an SMTP reply code. */
function recipientCode(status: number | undefined): TransportErrorCode {
  return status !== undefined && BAD_MAILBOX.has(status) ? 'INVALID_RECIPIENT' : 'UNAVAILABLE';
}

/**
 * Every recipient the server refused at RCPT TO, with its reply code and text, and whether the
 * refusal is temporary (a 4xx reply: the server may take it later). A recipient without a reply
 * of its own gets `fallback`'s, else counts as temporary.
 */
export function rcptRejections(rejectedErrors: unknown, rejected: readonly string[], redact: (text: string) => string, fallback?: NodemailerError): RecipientRejection[] {
  const errors = Array.isArray(rejectedErrors) ? (rejectedErrors as NodemailerError[]) : [];
  return rejected.map((recipient) => {
    const error = errors.find((e) => e?.recipient === recipient) ?? fallback;
    const status = error?.responseCode;
    const description = error?.response === undefined ? undefined : redact(error.response);
    return {
      recipient,
      ...(status === undefined ? {} : { status }),
      ...(description === undefined ? {} : { description }),
      temporary: status === undefined || status < 500,
      code: recipientCode(status),
    };
  });
}

/** Replies to RCPT TO that say the mailbox itself is bad (unknown, not local, bad syntax). */
const BAD_MAILBOX = new Set([501, 550, 551, 553]);
/** Socket-level codes meaning the server could not be reached. */
const UNREACHABLE = /^(?:ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|EADDRNOTAVAIL|ENOTFOUND|EAI_AGAIN|EPIPE)$/;
/** Node TLS verification failures: retrying will not fix the certificate. */
const CERTIFICATE = /CERT|SELF_SIGNED|UNABLE_TO_(?:GET|VERIFY)|ERR_TLS_CERT_ALTNAME|HOSTNAME|DEPTH_ZERO/;

/**
 * `not-sent` for failures known to come before any message was transmitted (connection refused,
 * DNS, unreachable, a source address not on this host, a refused STARTTLS); undefined otherwise
 * (the provider marks a failure after the message was transmitted as `unknown`).
 */
function outcomeOf(error: NodemailerError): 'not-sent' | undefined {
  const code = error.originalCode ?? error.code ?? '';
  if (error.command === 'STARTTLS' || /^(?:ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|EADDRNOTAVAIL|ENOTFOUND|EAI_AGAIN)$/.test(code) || error.code === 'EDNS') return 'not-sent';
  if (/\b(?:ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EADDRNOTAVAIL)\b/.test(error.message ?? '')) return 'not-sent';
  return undefined;
}

function describe(error: NodemailerError): string {
  return (error.message ?? 'SMTP failure').replace(/\s+/g, ' ').trim();
}

/**
 * Maps a nodemailer error to a TransportError, keeping the SMTP reply code as
 * `upstream.status`: 535 and other AUTH failures → AUTH_FAILED; every recipient refused at RCPT
 * TO → INVALID_RECIPIENT when all were 501/550/551/553, else UNAVAILABLE (retryable when one was
 * a 4xx), each recipient with its reply in `details.rejections`; any other 4xx → retryable UNAVAILABLE; connection
 * refused, DNS and TLS failures → UNAVAILABLE; timeouts → TIMEOUT; other 5xx → UNAVAILABLE, not
 * retryable. `redact` removes secret values from upstream text.
 */
export function mapSmtpError(cause: unknown, providerId: string, redact: (text: string) => string): TransportError {
  if (isTransportError(cause)) return cause.withProvider(providerId);
  const error = (cause ?? {}) as NodemailerError;
  // An OAuth2 token failure inside AUTH: nodemailer wraps it, the coded error is its cause.
  const inner = (error as { cause?: unknown }).cause;
  if (error.code === 'EAUTH' && isTransportError(inner)) return inner.withProvider(providerId);
  const status = error.responseCode;
  const message = redact(describe(error));
  const upstream = {
    ...(status === undefined ? {} : { status }),
    ...(error.response === undefined ? {} : { description: redact(error.response) }),
    ...(error.command === undefined ? {} : { command: error.command }),
    ...(error.rejected === undefined || error.rejected.length === 0 ? {} : { rejected: [...error.rejected] }),
  };
  const outcome = outcomeOf(error);
  const make = (code: TransportErrorCode, retryable?: boolean) =>
    new TransportError(code, message, { cause, providerId, upstream, ...(retryable === undefined ? {} : { retryable }), ...(outcome === undefined ? {} : { details: { outcome } }) });

  if (error.name === 'AbortError' || error.code === 'EABORT') return make('ABORTED', false);
  // Every recipient refused: each keeps its own reply code, so a host can retry only the deferred ones.
  if (error.code === 'EENVELOPE' && error.command === 'RCPT TO' && error.rejected !== undefined && error.rejected.length > 0) {
    const rejections = rcptRejections(error.rejectedErrors, error.rejected, redact, error);
    const codes = new Set(rejections.map((r) => r.code));
    return new TransportError(codes.size === 1 ? [...codes][0]! : 'UNAVAILABLE', message, {
      cause,
      providerId,
      upstream,
      retryable: rejections.some((r) => r.temporary),
      details: { rejections },
    });
  }
  if (status === 535) return make('AUTH_FAILED', false);
  // A refused STARTTLS (454 TLS not available, 502 unknown command) with TLS required is a
  // configuration fault: retrying the same server with the same settings cannot fix it.
  if (error.command === 'STARTTLS') return make('UNAVAILABLE', false);
  // A source address that is not on this host (localAddress): a configuration fault too.
  if ((error.originalCode ?? error.code) === 'EADDRNOTAVAIL' || /\bEADDRNOTAVAIL\b/.test(error.message ?? '')) return make('UNAVAILABLE', false);
  if (error.code === 'ETIMEDOUT' || error.originalCode === 'ETIMEDOUT') return make('TIMEOUT');
  if (status !== undefined && status >= 400 && status < 500) return make('UNAVAILABLE', true);
  if (error.code === 'EAUTH' || error.code === 'ENOAUTH') return make('AUTH_FAILED', false);
  if (status !== undefined && error.command === 'RCPT TO' && BAD_MAILBOX.has(status)) return make('INVALID_RECIPIENT', false);
  if (status !== undefined && status >= 500) return make('UNAVAILABLE', false);
  if (error.code === 'ETLS' || CERTIFICATE.test(error.originalCode ?? '') || CERTIFICATE.test(error.message ?? '')) {
    return make('UNAVAILABLE', !CERTIFICATE.test(`${error.originalCode ?? ''} ${error.message ?? ''}`));
  }
  if (error.code === 'EMESSAGE' || error.code === 'ESTREAM') return make('MESSAGE_INVALID', false);
  if (UNREACHABLE.test(error.originalCode ?? error.code ?? '') || error.code === 'EDNS' || error.code === 'ECONNECTION' || error.code === 'ESOCKET') {
    return make('UNAVAILABLE', true);
  }
  return make('UNAVAILABLE');
}
