import nacl from 'tweetnacl';
import { TransportError, type TransportErrorCode } from '../../core/errors.js';
import { bytesToHex, hexToBytes, isAllZero } from './bytes.js';

/** Length in bytes of Curve25519 keys. */
export const KEY_LENGTH = 32;

/** A key pair in the official Threema string format (`private:<64 hex>` / `public:<64 hex>`). */
export interface ThreemaKeyPair {
  /** `private:` + 64 lowercase hex digits; store it sealed, it never leaves the host. */
  readonly privateKey: string;
  /** `public:` + 64 lowercase hex digits; register it with the Gateway ID. */
  readonly publicKey: string;
}

/** Which half of a key pair a string holds. */
export type KeyKind = 'private' | 'public';

/** Options of the key decoders: what error to raise and which field to name. */
export interface KeyDecodeOptions {
  /** Code of the error for a malformed key (default `CONFIG_INVALID`). */
  readonly code?: TransportErrorCode;
  /** Field named in the error (default `privateKey` / `publicKey`). */
  readonly field?: string;
}

/**
 * Generates a fresh key pair with a CSPRNG, the first step of setting up a Gateway ID in
 * end-to-end mode (the public key is uploaded to the Gateway admin, the private key stays here).
 */
export function generateKeyPair(): ThreemaKeyPair {
  const pair = nacl.box.keyPair();
  return { privateKey: encodeKey('private', pair.secretKey), publicKey: encodeKey('public', pair.publicKey) };
}

/** Encodes raw key bytes in the official string format. */
export function encodeKey(kind: KeyKind, key: Uint8Array): string {
  if (!(key instanceof Uint8Array) || key.length !== KEY_LENGTH) {
    throw new TransportError('CONFIG_INVALID', `a ${kind} key must be ${KEY_LENGTH} bytes`, { field: `${kind}Key` });
  }
  return `${kind}:${bytesToHex(key)}`;
}

/**
 * Decodes a key string: `private:`/`public:` plus 64 hex digits, or the bare 64 hex digits.
 * A key of the other kind is refused, so a public key pasted as the private key is caught early.
 * Error messages never contain the key.
 */
export function decodeKey(kind: KeyKind, value: string | Uint8Array, options: KeyDecodeOptions = {}): Uint8Array {
  const field = options.field ?? `${kind}Key`;
  const code = options.code ?? 'CONFIG_INVALID';
  if (value instanceof Uint8Array) {
    if (value.length !== KEY_LENGTH) throw new TransportError(code, `${field} must be ${KEY_LENGTH} bytes`, { field });
    return value;
  }
  if (typeof value !== 'string') throw new TransportError(code, `${field} must be a string`, { field });
  const trimmed = value.trim();
  const colon = trimmed.indexOf(':');
  const prefix = colon < 0 ? undefined : trimmed.slice(0, colon).toLowerCase();
  if (prefix !== undefined && prefix !== kind) {
    const hint = prefix === 'private' || prefix === 'public' ? `a ${prefix} key was given where a ${kind} key is expected` : 'unknown key prefix';
    throw new TransportError(code, `${field}: invalid key type (${hint})`, { field });
  }
  const hex = colon < 0 ? trimmed : trimmed.slice(colon + 1);
  try {
    return hexToBytes(hex, KEY_LENGTH, { code, field });
  } catch {
    throw new TransportError(code, `${field}: invalid key format (expected "${kind}:" followed by 64 hex digits)`, { field });
  }
}

/** Decodes a private key string (see {@link decodeKey}). */
export function decodePrivateKey(value: string | Uint8Array, options: KeyDecodeOptions = {}): Uint8Array {
  return decodeKey('private', value, options);
}

/**
 * Decodes a public key string (see {@link decodeKey}) and refuses non-contributory keys
 * (see {@link isLowOrderPublicKey}).
 */
export function decodePublicKey(value: string | Uint8Array, options: KeyDecodeOptions = {}): Uint8Array {
  const key = decodeKey('public', value, options);
  assertContributoryPublicKey(key, options);
  return key;
}

/** The public key of a private key, in the official string format. */
export function derivePublicKey(privateKey: string | Uint8Array): string {
  return encodeKey('public', nacl.scalarMult.base(decodePrivateKey(privateKey)));
}

/** A clamped scalar is a multiple of 8, so it maps every point of order 1, 2, 4 or 8 to zero. */
const PROBE_SCALAR = new Uint8Array(KEY_LENGTH).fill(0x5a);

/**
 * True for the all-zero key and every other low-order (small-subgroup) point, including their
 * non-canonical encodings. With such a key the X25519 result is all zeros, so the "shared" key
 * is a constant anyone can compute. libsodium refuses these; tweetnacl does not, hence this check.
 */
export function isLowOrderPublicKey(publicKey: Uint8Array): boolean {
  return publicKey.length !== KEY_LENGTH || isAllZero(publicKey) || isAllZero(nacl.scalarMult(PROBE_SCALAR, publicKey));
}

/** Throws `INVALID_RECIPIENT` (or the given code) for a low-order public key. */
export function assertContributoryPublicKey(publicKey: Uint8Array, options: KeyDecodeOptions & { readonly owner?: string } = {}): void {
  if (!isLowOrderPublicKey(publicKey)) return;
  const whose = options.owner === undefined ? 'the public key' : `the public key of ${options.owner}`;
  throw new TransportError(options.code ?? 'INVALID_RECIPIENT', `${whose} is invalid (non-contributory, low-order point)`, {
    field: options.field ?? 'publicKey',
    details: { reason: 'low-order-public-key' },
  });
}
