import { randomBytes, randomInt } from 'node:crypto';
import nacl from 'tweetnacl';
import { TransportError } from '../../core/errors.js';
import { assertContributoryPublicKey, KEY_LENGTH } from './keys.js';

/** Length of a crypto_box / secretbox nonce. */
export const NONCE_LENGTH = 24;
/** Bytes a box adds to its plaintext (the Poly1305 tag). */
export const BOX_OVERHEAD = 16;
/** The padded data (without the type byte) is at least this long, so short texts do not stand out. */
export const MIN_PADDED_LENGTH = 32;
/** Largest padding a single length byte can express. */
export const MAX_PADDING = 255;

/** Why a received box was refused: stable values in `TransportError.details.reason`. */
export type ReceiveFailure = 'bad-mac' | 'bad-box' | 'bad-padding' | 'bad-content' | 'wrong-recipient' | 'bad-field';

/** Throws the error of a refused incoming message. */
export function receiveError(reason: ReceiveFailure, message: string, field?: string): never {
  throw new TransportError(reason === 'bad-mac' ? 'AUTH_FAILED' : 'MESSAGE_INVALID', message, { retryable: false, details: { reason }, field });
}

/** A container split into its type byte and unpadded data. */
export interface Container {
  readonly type: number;
  readonly data: Uint8Array;
}

/**
 * The padding length for `dataLength` bytes of data: uniform in 1..`max` (CSPRNG), raised so
 * data + padding is at least {@link MIN_PADDED_LENGTH}. `max` (default 255) lets a caller keep
 * the box under the gateway's size limit.
 */
export function paddingLength(dataLength: number, max = MAX_PADDING): number {
  const upper = Math.min(MAX_PADDING, max);
  const floor = Math.max(1, MIN_PADDED_LENGTH - dataLength);
  if (upper < floor) throw new TransportError('MESSAGE_INVALID', 'message is too long for the gateway box size limit', { field: 'message' });
  return Math.max(randomInt(1, upper + 1), floor);
}

/**
 * `type ‖ data ‖ n × n`. `padding` is chosen by {@link paddingLength} unless given (tests pass it
 * to reproduce known boxes); a given value must respect the rules.
 */
export function padContainer(type: number, data: Uint8Array, padding: number = paddingLength(data.length)): Uint8Array {
  if (!Number.isInteger(type) || type < 0 || type > 255) throw new TransportError('MESSAGE_INVALID', 'message type must be a byte', { field: 'type' });
  if (!Number.isInteger(padding) || padding < 1 || padding > MAX_PADDING || data.length + padding < MIN_PADDED_LENGTH) {
    throw new TransportError('MESSAGE_INVALID', `padding must be 1-${MAX_PADDING} bytes and reach ${MIN_PADDED_LENGTH} bytes with the data`, { field: 'padding' });
  }
  const out = new Uint8Array(1 + data.length + padding);
  out[0] = type;
  out.set(data, 1);
  out.fill(padding, 1 + data.length);
  return out;
}

/**
 * Splits a decrypted container and removes the padding strictly: the last byte n must be 1..255,
 * leave the type byte, and all n padding bytes must equal n. The 32-byte minimum is not required
 * on receipt, as older senders never applied it.
 */
export function unpadContainer(plaintext: Uint8Array): Container {
  const n = plaintext[plaintext.length - 1] ?? 0;
  if (n === 0 || n > plaintext.length - 1) receiveError('bad-padding', 'message padding is invalid');
  let diff = 0;
  for (let i = plaintext.length - n; i < plaintext.length; i++) diff |= plaintext[i]! ^ n;
  if (diff !== 0) receiveError('bad-padding', 'message padding is invalid');
  return { type: plaintext[0]!, data: plaintext.subarray(1, plaintext.length - n) };
}

/**
 * The precomputed NaCl box key of a key pair (X25519 + HSalsa20, `box.before`). It is the same
 * from both sides, so one cached value serves sending to and receiving from a peer.
 * Refuses low-order public keys.
 */
export function sharedKey(publicKey: Uint8Array, privateKey: Uint8Array, owner?: string): Uint8Array {
  if (privateKey.length !== KEY_LENGTH) throw new TransportError('CONFIG_INVALID', 'private key must be 32 bytes', { field: 'privateKey' });
  assertContributoryPublicKey(publicKey, { owner });
  return nacl.box.before(publicKey, privateKey);
}

/** A fresh random nonce from the OS CSPRNG. */
export function randomNonce(): Uint8Array {
  return new Uint8Array(randomBytes(NONCE_LENGTH));
}

/** An encrypted container: what `send_e2e` and the callback carry. */
export interface EncryptedBox {
  readonly nonce: Uint8Array;
  /** Tag ‖ ciphertext. */
  readonly box: Uint8Array;
}

/** Encrypts a padded container with a precomputed key; the nonce is random unless given. */
export function encryptBox(plaintext: Uint8Array, key: Uint8Array, nonce: Uint8Array = randomNonce()): EncryptedBox {
  if (nonce.length !== NONCE_LENGTH) throw new TransportError('MESSAGE_INVALID', `nonce must be ${NONCE_LENGTH} bytes`, { field: 'nonce' });
  return { nonce, box: nacl.box.after(plaintext, nonce, key) };
}

/** Decrypts a box with a precomputed key; a forged or corrupted box is `MESSAGE_INVALID`. */
export function decryptBox(box: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array {
  if (nonce.length !== NONCE_LENGTH) receiveError('bad-field', `nonce must be ${NONCE_LENGTH} bytes`, 'nonce');
  const plaintext = nacl.box.open.after(box, nonce, key);
  if (plaintext === null) receiveError('bad-box', 'message box could not be decrypted (wrong key or corrupted)');
  return plaintext;
}

/** Fixed nonce of a file blob (safe: every file gets a fresh key). */
export const FILE_NONCE = nonceEndingWith(1);
/** Fixed nonce of a thumbnail blob. */
export const THUMBNAIL_NONCE = nonceEndingWith(2);

function nonceEndingWith(last: number): Uint8Array {
  const nonce = new Uint8Array(NONCE_LENGTH);
  nonce[NONCE_LENGTH - 1] = last;
  return nonce;
}

/** Which fixed nonce a blob uses. */
export type BlobKind = 'file' | 'thumbnail';

/** Encrypts a file or thumbnail blob with secretbox under its fixed nonce. */
export function encryptBlob(data: Uint8Array, key: Uint8Array, kind: BlobKind): Uint8Array {
  if (key.length !== KEY_LENGTH) throw new TransportError('MESSAGE_INVALID', 'blob key must be 32 bytes', { field: 'key' });
  return nacl.secretbox(data, kind === 'file' ? FILE_NONCE : THUMBNAIL_NONCE, key);
}

/** Decrypts a downloaded blob; a wrong key or corrupted blob is `MESSAGE_INVALID`. */
export function decryptBlob(blob: Uint8Array, key: Uint8Array, kind: BlobKind): Uint8Array {
  if (key.length !== KEY_LENGTH) receiveError('bad-content', 'blob key must be 32 bytes', 'key');
  const data = nacl.secretbox.open(blob, kind === 'file' ? FILE_NONCE : THUMBNAIL_NONCE, key);
  if (data === null) receiveError('bad-box', `${kind} blob could not be decrypted`);
  return data;
}

/** A fresh random blob key. */
export function randomBlobKey(): Uint8Array {
  return new Uint8Array(randomBytes(KEY_LENGTH));
}
