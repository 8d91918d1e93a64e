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
