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
 * errors become UNAVAILABLE with the original as cause and its message redacted.
 */
export function toTransportError(cause: unknown, providerId: string, redactor?: { redact(text: string): string }): TransportError {
  if (isTransportError(cause)) return cause.withProvider(providerId);
  const name = (cause as { name?: unknown } | null)?.name;
  if (name === 'AbortError') return new TransportError('ABORTED', 'the operation was aborted', { cause, providerId, retryable: false });
  const raw = cause instanceof Error ? cause.message : String(cause);
  const message = redactor ? redactor.redact(raw) : raw;
  return new TransportError('UNAVAILABLE', message, { cause, providerId });
}
