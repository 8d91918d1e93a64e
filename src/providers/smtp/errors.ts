import { isTransportError, TransportError, type TransportErrorCode } from '../../core/errors.js';

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
}

/** Replies to RCPT TO that say the mailbox itself is bad (unknown, not local, bad syntax). */
const BAD_MAILBOX = new Set([501, 550, 551, 553]);
/** Socket-level codes meaning the server could not be reached. */
const UNREACHABLE = /^(?:ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|EADDRNOTAVAIL|ENOTFOUND|EAI_AGAIN|EPIPE)$/;
/** Node TLS verification failures: retrying will not fix the certificate. */
const CERTIFICATE = /CERT|SELF_SIGNED|UNABLE_TO_(?:GET|VERIFY)|ERR_TLS_CERT_ALTNAME|HOSTNAME|DEPTH_ZERO/;

function describe(error: NodemailerError): string {
  return (error.message ?? 'SMTP failure').replace(/\s+/g, ' ').trim();
}

/**
 * Maps a nodemailer error to a TransportError, keeping the SMTP reply code as
 * `upstream.status`: 535 and other AUTH failures → AUTH_FAILED; 501/550/551/553 on RCPT →
 * INVALID_RECIPIENT with the rejected addresses; any 4xx → retryable UNAVAILABLE; connection
 * refused, DNS and TLS failures → UNAVAILABLE; timeouts → TIMEOUT; other 5xx → UNAVAILABLE, not
 * retryable. `redact` removes secret values from upstream text.
 */
export function mapSmtpError(cause: unknown, providerId: string, redact: (text: string) => string): TransportError {
  if (isTransportError(cause)) return cause.withProvider(providerId);
  const error = (cause ?? {}) as NodemailerError;
  const status = error.responseCode;
  const message = redact(describe(error));
  const upstream = {
    ...(status === undefined ? {} : { status }),
    ...(error.response === undefined ? {} : { description: redact(error.response) }),
    ...(error.command === undefined ? {} : { command: error.command }),
    ...(error.rejected === undefined || error.rejected.length === 0 ? {} : { rejected: [...error.rejected] }),
  };
  const make = (code: TransportErrorCode, retryable?: boolean) =>
    new TransportError(code, message, { cause, providerId, upstream, ...(retryable === undefined ? {} : { retryable }) });

  if (error.name === 'AbortError' || error.code === 'EABORT') return make('ABORTED', false);
  if (status === 535) return make('AUTH_FAILED', false);
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
