import { createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

const PREFIX = 'h1';
const SALT_BYTES = 16;

/** A uniformly random numeric code of `length` digits (leading zeros kept). */
export function randomCode(length: number): string {
  let code = '';
  for (let i = 0; i < length; i += 1) code += String(randomInt(0, 10));
  return code;
}

function mac(salt: Buffer, binding: string, code: string): Buffer {
  return createHmac('sha256', salt).update(`${binding}\u0000${code}`, 'utf8').digest();
}

/**
 * What is stored instead of a one-time code: HMAC-SHA-256 keyed with a fresh random salt over
 * the code and `binding` (user and provider), as `h1.<salt>.<mac>` in base64url. A leaked
 * challenge store therefore reveals no code, and a hash is useless for another user.
 */
export function hashCode(code: string, binding: string): string {
  const salt = randomBytes(SALT_BYTES);
  return [PREFIX, salt.toString('base64url'), mac(salt, binding, code).toString('base64url')].join('.');
}

/** True when `code` is the one `stored` was made from; compares in constant time. */
export function codeMatches(code: string, binding: string, stored: string): boolean {
  const [prefix, saltText, macText] = stored.split('.');
  if (prefix !== PREFIX || saltText === undefined || macText === undefined) return false;
  const expected = Buffer.from(macText, 'base64url');
  const actual = mac(Buffer.from(saltText, 'base64url'), binding, code);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** Crockford's base32 alphabet: no I, L, O or U, so a code read aloud or retyped is not mistaken. */
const RECOVERY_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
/** Characters per recovery code: 12 of 32 symbols, 60 bits. */
const RECOVERY_LENGTH = 12;

/** A fresh recovery code, `xxxx-xxxx-xxxx` (60 random bits, lower case, Crockford base32). */
export function newRecoveryCode(): string {
  let code = '';
  for (let i = 0; i < RECOVERY_LENGTH; i += 1) code += RECOVERY_ALPHABET[randomInt(0, 32)];
  return `${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8)}`;
}

/**
 * A recovery code as typed, in its canonical form: case, spaces and dashes ignored, and the
 * letters Crockford base32 leaves out read as what they look like (I and L as 1, O as 0).
 * Undefined when it cannot be a recovery code.
 */
export function normalizeRecoveryCode(input: unknown): string | undefined {
  if (typeof input !== 'string' || input.length > 64) return undefined;
  const compact = input.toLowerCase().replace(/[\s-]+/g, '').replace(/[il]/g, '1').replace(/o/g, '0');
  return compact.length === RECOVERY_LENGTH && [...compact].every((c) => RECOVERY_ALPHABET.includes(c)) ? compact : undefined;
}
