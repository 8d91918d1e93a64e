import { isTransportError, TransportError, type TransportErrorCode, type UpstreamDetail } from '../core/errors.js';
import type { RecipientRejection } from '../core/messages.js';

/**
 * The {@link RecipientRejection} of one recipient from the error a send to it failed with: the
 * upstream status and text, the code, and `temporary` from the error's retryability.
 */
export function rejectionOf(recipient: string, error: unknown): RecipientRejection {
  if (!isTransportError(error)) return { recipient, temporary: true, code: 'UNAVAILABLE' };
  const status = error.upstream?.status;
  const description = error.upstream?.description ?? error.message;
  return {
    recipient,
    ...(status === undefined ? {} : { status }),
    ...(description === undefined ? {} : { description }),
    temporary: error.retryable,
    code: error.code,
  };
}

/**
 * The error of a send whose every recipient was refused: the code all refusals share (else
 * `UNAVAILABLE`), retryable when at least one refusal is temporary, every recipient in
 * `upstream.rejected` and each with its status in `details.rejections`, so a host can retry
 * only the deferred ones.
 */
export function allRejected(
  message: string,
  rejections: readonly RecipientRejection[],
  options: { readonly providerId?: string; readonly cause?: unknown; readonly upstream?: UpstreamDetail; readonly outcome?: 'unknown' | 'not-sent' } = {},
): TransportError {
  const codes = new Set(rejections.map((r) => r.code));
  const code = (codes.size === 1 ? [...codes][0]! : 'UNAVAILABLE') as TransportErrorCode;
  return new TransportError(code, message, {
    ...(options.providerId === undefined ? {} : { providerId: options.providerId }),
    ...(options.cause === undefined ? {} : { cause: options.cause }),
    retryable: rejections.some((r) => r.temporary),
    upstream: { ...options.upstream, rejected: rejections.map((r) => r.recipient) },
    details: { rejections, ...(options.outcome === undefined ? {} : { outcome: options.outcome }) },
  });
}
