import { isTransportError, TransportError } from '../core/errors.js';
import { recipientsOf, type EmailMessage } from '../core/messages.js';
import type { SendOptions, TransportProvider } from '../core/provider.js';

/** Only the options a provider's own calls take (the registry's extras stay here). */
export function sendOptions(options: SendOptions): SendOptions {
  return options.signal ? { signal: options.signal } : {};
}

/** `{ key: value }`, or nothing when the value is undefined (keeps optional fields absent). */
export function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** The recipients of a message that may be invalid, for an event; never throws. */
export function safeRecipients(message: unknown): string[] {
  try {
    return recipientsOf(message as EmailMessage).filter((r) => typeof r === 'string');
  } catch {
    return [];
  }
}

/** Closes a provider; a provider that failed to build, or fails to close, is not the caller's problem. */
export async function closeQuietly(live: Promise<{ readonly provider: TransportProvider }>): Promise<void> {
  try {
    await (await live).provider.close();
  } catch {
    // See above: nothing to report to the caller.
  }
}

/**
 * Normalises anything thrown by a provider into a TransportError naming the provider; unknown
 * errors become UNAVAILABLE. With a redactor the whole error as it would be printed is redacted:
 * message, upstream detail, details and every `cause` in the chain (an SMTP server may echo the
 * password in its reply, and `util.inspect(err)` prints the causes).
 */
export function toTransportError(cause: unknown, providerId: string, redactor?: { redact(text: string): string }): TransportError {
  if (isTransportError(cause)) return redactor ? redactTransportError(cause.withProvider(providerId), redactor.redact.bind(redactor)) : cause.withProvider(providerId);
  const name = (cause as { name?: unknown } | null)?.name;
  const redact = redactor ? redactor.redact.bind(redactor) : (text: string) => text;
  const safeCause = redactor ? redactCause(cause, redact, 0) : cause;
  if (name === 'AbortError') return new TransportError('ABORTED', 'the operation was aborted', { cause: safeCause, providerId, retryable: false });
  const raw = cause instanceof Error ? cause.message : String(cause);
  return new TransportError('UNAVAILABLE', redact(raw), { cause: safeCause, providerId });
}

/** Causes followed at most this deep; deeper ones are cut. */
const CAUSE_DEPTH = 5;

/** `causeDepth`: how deep the error's own cause sits; counting on through nested TransportErrors ends a cycle. */
function redactTransportError(error: TransportError, redact: (text: string) => string, causeDepth = 0): TransportError {
  // An undefined option is the same as an absent one to the constructor, and each redact* keeps undefined.
  const copy = new TransportError(error.code, redact(error.message), {
    cause: causeDepth <= CAUSE_DEPTH ? redactCause(error.cause, redact, causeDepth) : undefined,
    retryable: error.retryable,
    providerId: error.providerId,
    field: error.field,
    upstream: redactValue(error.upstream, redact) as TransportError['upstream'],
    details: redactValue(error.details, redact) as TransportError['details'],
  });
  if (error.stack) copy.stack = redact(error.stack);
  return copy;
}

/** A stand-in for a cause with every text redacted: name, message, stack, code, and its own cause. */
function redactCause(cause: unknown, redact: (text: string) => string, depth: number): unknown {
  if (isTransportError(cause)) return redactTransportError(cause, redact, depth + 1);
  if (!(cause instanceof Error)) return cause === undefined || cause === null ? cause : redact(String(cause));
  const nested = depth < CAUSE_DEPTH && cause.cause !== undefined ? { cause: redactCause(cause.cause, redact, depth + 1) } : undefined;
  const copy = new Error(redact(cause.message), nested);
  copy.name = cause.name;
  copy.stack = cause.stack === undefined ? undefined : redact(cause.stack);
  const code = (cause as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') Object.assign(copy, { code });
  return copy;
}

function redactValue(value: unknown, redact: (text: string) => string, depth = 0): unknown {
  if (typeof value === 'string') return redact(value);
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, redact, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValue(v, redact, depth + 1)]));
}
