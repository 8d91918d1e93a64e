import type { AddressCheck } from '../../core/provider.js';
import { isEmailAddress } from '../../core/messages.js';
import { hashEmail, hashPhone, withoutTrunkPrefix } from './hash.js';

/** A recipient as the gateway finds it: by ID, or by the hash of a phone number or e-mail. */
export type Recipient =
  | { readonly kind: 'id'; readonly id: string }
  | { readonly kind: 'phone' | 'email'; readonly hash: string; readonly normalized: string };

const ID = /^[A-Z0-9*][A-Z0-9]{7}$/;
const PHONE = /^\+?[\d\s().-]+$/;

/**
 * Classifies an address. A Threema ID is 8 letters/digits (case-insensitive); a phone number
 * is E.164, ideally with `+` (8 bare digits read as an ID); anything with `@` is an e-mail.
 */
export function classifyRecipient(address: string): Recipient | { readonly error: string } {
  if (typeof address !== 'string') return { error: 'address must be a string' };
  const trimmed = address.trim();
  if (!trimmed.startsWith('+') && ID.test(trimmed.toUpperCase())) return { kind: 'id', id: trimmed.toUpperCase() };
  if (trimmed.includes('@')) {
    if (!isEmailAddress(trimmed)) return { error: 'not a valid e-mail address' };
    return { kind: 'email', hash: hashEmail(trimmed), normalized: trimmed.toLowerCase() };
  }
  if (PHONE.test(trimmed)) {
    const digits = withoutTrunkPrefix(trimmed).replace(/\D/g, '').replace(/^00/, '');
    if (digits.length < 7 || digits.length > 15 || digits.startsWith('0')) return { error: 'not an E.164 phone number' };
    return { kind: 'phone', hash: hashPhone(digits), normalized: `+${digits}` };
  }
  return { error: 'not a Threema ID, E.164 phone number or e-mail address' };
}

/** `validateAddress` of the provider: never throws, no I/O. */
export function checkRecipient(address: string): AddressCheck {
  const r = classifyRecipient(address);
  if ('error' in r) return { ok: false, reason: r.error };
  return { ok: true, normalized: r.kind === 'id' ? r.id : r.normalized };
}
