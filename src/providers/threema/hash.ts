import { createHmac } from 'node:crypto';
import { TransportError } from '../../core/errors.js';

/** HMAC key of e-mail hashes, fixed by the Gateway API. */
const EMAIL_KEY = Buffer.from('30a5500fed9701fa6defdb610841900febb8e430881f7ad816826264ec09bad7', 'hex');
/** HMAC key of phone hashes, fixed by the Gateway API. */
const PHONE_KEY = Buffer.from('85adf8226953f3d96cfd5d09bf29555eb955fcd8aa5ec4f9fcd869e258370723', 'hex');

/**
 * A phone number as the Gateway hashes it: E.164 without `+`, every non-digit removed.
 * Throws `INVALID_RECIPIENT` when fewer than 5 or more than 15 digits remain.
 */
export function normalizePhone(phone: string): string {
  const digits = typeof phone === 'string' ? phone.replace(/\D/g, '') : '';
  if (digits.length < 5 || digits.length > 15) {
    throw new TransportError('INVALID_RECIPIENT', 'phone number must have 5 to 15 digits (E.164)', { field: 'phone' });
  }
  return digits;
}

/** An e-mail address as the Gateway hashes it: trimmed and lowercased. */
export function normalizeEmail(email: string): string {
  const normalized = typeof email === 'string' ? email.trim().toLowerCase() : '';
  if (normalized.length === 0) throw new TransportError('INVALID_RECIPIENT', 'e-mail address must not be empty', { field: 'email' });
  return normalized;
}

/**
 * HMAC-SHA256 hash of a phone number for `/lookup/phone_hash`: the plain number never leaves
 * the host. The input is normalised first (`+41 79 123 45-67` and `41791234567` hash alike).
 */
export function hashPhone(phone: string): string {
  return createHmac('sha256', PHONE_KEY).update(normalizePhone(phone), 'utf8').digest('hex');
}

/** HMAC-SHA256 hash of an e-mail address for `/lookup/email_hash` (trimmed, lowercased first). */
export function hashEmail(email: string): string {
  return createHmac('sha256', EMAIL_KEY).update(normalizeEmail(email), 'utf8').digest('hex');
}
