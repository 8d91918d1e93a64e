import { createHmac } from 'node:crypto';
import { TransportError } from '../../core/errors.js';

/** HMAC key of e-mail hashes, fixed by the Gateway API. */
const EMAIL_KEY = Buffer.from('30a5500fed9701fa6defdb610841900febb8e430881f7ad816826264ec09bad7', 'hex');
/** HMAC key of phone hashes, fixed by the Gateway API. */
const PHONE_KEY = Buffer.from('85adf8226953f3d96cfd5d09bf29555eb955fcd8aa5ec4f9fcd869e258370723', 'hex');

/**
 * The optional trunk prefix written after an international country code, `+41 (0)79 ...` or
 * `0041 (0)79 ...`: it is never dialled from abroad, so it is not part of the number.
 */
const TRUNK_PREFIX = /\(\s*0\s*\)/g;

/**
 * A phone number as the Gateway hashes it: E.164 without `+`, every non-digit removed. The
 * trunk-prefix notation `+41 (0)79 123 45 67` drops its `(0)` first, so it hashes like
 * `+41 79 123 45 67`, and `0041 79 ...` hashes like `+41 79 ...`. Throws `INVALID_RECIPIENT` when fewer than 5 or more than 15 digits remain.
 */
export function normalizePhone(phone: string): string {
  // E.164 numbers never start with 0, so a leading 00 is the international call prefix.
  const digits = typeof phone === 'string' ? withoutTrunkPrefix(phone).replace(/\D/g, '').replace(/^00/, '') : '';
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

/** Removes a `(0)` trunk prefix from a number written in international form (`+` or `00`). */
export function withoutTrunkPrefix(phone: string): string {
  const trimmed = phone.trim();
  return /^(?:\+|00)/.test(trimmed) ? trimmed.replace(TRUNK_PREFIX, ' ') : trimmed;
}
