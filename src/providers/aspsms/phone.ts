import type { AddressCheck } from '../../core/provider.js';

/** Separators people write inside phone numbers; removed before checking. */
const SEPARATORS = /[\s\-./()\u00a0]/g;
/** E.164: a country code starting with 1-9, at most 15 digits in all. */
const E164_DIGITS = /^[1-9]\d{6,14}$/;

/** The trunk-prefix notation `(0)` people write after a country code: `+41 (0)79 ...`. */
const TRUNK_PREFIX = /\(\s*0\s*\)/g;

/**
 * Normalises a phone number to the one international form transportkit sends to ASPSMS:
 * `+` and 7-15 digits. Accepts `+41 79 123 45 67`, `0041791234567`, `41791234567`, the
 * trunk-prefix notation `+41 (0)79 123 45 67` / `0041 (0)79 ...` (the `(0)` is not dialled from
 * abroad, so it is dropped) and, when a default country code is configured, the national form
 * `079 123 45 67`. Never throws.
 */
export function normalizePhone(input: string, defaultCountryCode?: string): AddressCheck {
  if (typeof input !== 'string' || input.trim() === '') return { ok: false, reason: 'empty phone number' };
  const trimmed = input.trim();
  const international = /^(?:\+|00)/.test(trimmed);
  const compact = (international ? trimmed.replace(TRUNK_PREFIX, ' ') : trimmed).replace(SEPARATORS, '');
  if (!/^(\+|00)?\d+$/.test(compact)) return { ok: false, reason: 'a phone number may only contain digits, an optional leading + and separators' };
  let digits: string;
  if (compact.startsWith('+')) digits = compact.slice(1);
  else if (compact.startsWith('00')) digits = compact.slice(2);
  else if (compact.startsWith('0')) {
    if (defaultCountryCode === undefined) return { ok: false, reason: 'national number: use the international form (+41...) or configure defaultCountryCode' };
    digits = defaultCountryCode + compact.slice(1);
  } else digits = compact;
  if (!E164_DIGITS.test(digits)) return { ok: false, reason: 'not an international phone number (country code and 7-15 digits)' };
  return { ok: true, normalized: `+${digits}` };
}

/** Characters accepted in an alphanumeric originator (looser than the old spec, as used in practice). */
const ALPHANUMERIC_ORIGINATOR = /^[A-Za-z0-9 .\-_!@&]{1,11}$/;

/**
 * Checks the originator (the sender recipients see): at most 11 letters, digits, spaces and
 * `. - _ ! @ &`, with at least one non-digit, or a phone number (which ASPSMS accepts only after
 * it was unlocked for the account). Returns the form to send.
 */
export function normalizeOriginator(input: string): AddressCheck & { readonly numeric?: boolean } {
  const value = input.trim();
  if (/^[+\d][\d\s\-./()]*$/.test(value)) {
    const phone = normalizePhone(value);
    return phone.ok ? { ...phone, numeric: true } : { ok: false, reason: `numeric originator: ${phone.reason}` };
  }
  if (!ALPHANUMERIC_ORIGINATOR.test(value)) {
    return { ok: false, reason: 'an alphanumeric originator has 1-11 characters: letters, digits, space and . - _ ! @ &' };
  }
  return { ok: true, normalized: value, numeric: false };
}
