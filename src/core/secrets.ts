import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { TransportError } from './errors.js';

/**
 * Key material: 32 or more random bytes, or a string `base64:...` / `hex:...` of them (what
 * {@link generateSecretKey} returns). Plain text is refused: a typed password is no key.
 */
export type SecretKeyMaterial = Uint8Array | string;

/** Versioned keys for sealing secrets; `current` seals, all of them open. */
export interface SecretKeys {
  readonly keys: Readonly<Record<string, SecretKeyMaterial>>;
  readonly current: string;
}

/** Where a sealed value belongs; bound as additional authenticated data. */
export interface SealContext {
  /** The record it belongs to (provider id, or `totp:<provider>:<user>`). */
  readonly recordId: string;
  /** The field name (`password`, `privateKey`, ...). */
  readonly field: string;
}

const PREFIX = 'tk1';
const MIN_KEY_BYTES = 32;
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

const HOW_TO_MAKE = 'make one with generateSecretKey() (or `npx transportkit secret-key`)';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2,3})?$/;
const HEX = /^(?:[0-9a-fA-F]{2})+$/;

/** The key bytes of one material; refuses anything that is not exactly a key, saying why. */
function keyBytes(id: string, material: unknown): Buffer {
  const invalid = (why: string) => new TransportError('CONFIG_INVALID', `secret key "${id}" ${why}; ${HOW_TO_MAKE}`, { field: `secretKeys.keys.${id}` });
  if (material instanceof Uint8Array) return Buffer.from(material);
  if (material === undefined || material === null || material === '') {
    throw invalid(`is missing (${material === '' ? 'empty' : String(material)}): is the environment variable that should hold it set?`);
  }
  if (typeof material !== 'string') throw invalid('must be a string (base64:… or hex:…) or bytes');
  const text = material.trim();
  if (text.startsWith('base64:')) {
    if (!BASE64.test(text.slice(7))) throw invalid('is not valid base64 after "base64:"');
    return Buffer.from(text.slice(7), 'base64');
  }
  if (text.startsWith('hex:')) {
    if (!HEX.test(text.slice(4))) throw invalid('is not valid hex after "hex:" (an even number of 0-9a-f digits, nothing else)');
    return Buffer.from(text.slice(4), 'hex');
  }
  throw invalid('must start with "base64:" or "hex:" (plain text is no key)');
}

function decodeKey(id: string, material: unknown): Buffer {
  const bytes = keyBytes(id, material);
  if (bytes.length < MIN_KEY_BYTES) {
    throw new TransportError('CONFIG_INVALID', `secret key "${id}" is too short: at least ${MIN_KEY_BYTES} bytes are required; ${HOW_TO_MAKE}`, {
      field: `secretKeys.keys.${id}`,
    });
  }
  // Derive the AES key so any material of at least 32 bytes yields a uniform 256-bit key.
  return Buffer.from(hkdfSync('sha256', bytes, Buffer.alloc(0), 'transportkit secret box v1', 32));
}

/** A fresh random key, in the `base64:` string form {@link SecretKeys} accepts. */
export function generateSecretKey(): string {
  return `base64:${randomBytes(32).toString('base64')}`;
}

/**
 * Seals and opens secrets with AES-256-GCM, a random 96-bit IV per value, versioned keys, and
 * the record id + field name as additional authenticated data, so a sealed value copied to
 * another record or field does not open.
 *
 * Envelope: `tk1.<keyId>.<iv base64url>.<ciphertext+tag base64url>`.
 */
export class SecretBox {
  // Private fields: the keys open every stored secret, so no printout may show them.
  readonly #keys: Map<string, Buffer>;
  /** Id of the key new values are sealed with. */
  readonly currentKeyId: string;

  constructor(keys: SecretKeys) {
    if (!keys || !keys.keys || typeof keys.keys !== 'object' || typeof keys.current !== 'string') {
      throw new TransportError('CONFIG_INVALID', 'secretKeys must be { keys: { <id>: <key> }, current: <id> }', { field: 'secretKeys' });
    }
    this.#keys = new Map();
    for (const [id, material] of Object.entries(keys.keys)) {
      if (!KEY_ID.test(id)) {
        throw new TransportError('CONFIG_INVALID', `secret key id "${id}" must be 1-32 letters, digits, _ or -`, { field: 'secretKeys.keys' });
      }
      this.#keys.set(id, decodeKey(id, material));
    }
    if (!this.#keys.has(keys.current)) {
      throw new TransportError('CONFIG_INVALID', `secretKeys.current names no key ("${String(keys.current).slice(0, 40)}")`, { field: 'secretKeys.current' });
    }
    this.currentKeyId = keys.current;
  }

  /** What `console.log` and `util.inspect` show: the key ids, never key bytes. */
  [inspect.custom](): string {
    return `SecretBox { current: '${this.currentKeyId}', keys: [${[...this.#keys.keys()].map((k) => `'${k}'`).join(', ')}] }`;
  }

  /** JSON form: the key ids only. */
  toJSON(): Record<string, unknown> {
    return { current: this.currentKeyId, keys: [...this.#keys.keys()] };
  }

  private static aad(context: SealContext): Buffer {
    return Buffer.from(`transportkit\u0000${context.recordId}\u0000${context.field}`);
  }

  /** Seals `plaintext` for the given record and field. */
  seal(plaintext: string, context: SealContext): string {
    const key = this.#keys.get(this.currentKeyId) as Buffer;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(SecretBox.aad(context));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return [PREFIX, this.currentKeyId, iv.toString('base64url'), body.toString('base64url')].join('.');
  }

  /** Opens a sealed value; SECRET_UNREADABLE when tampered with, moved, or sealed under an unknown key. */
  open(envelope: string, context: SealContext): string {
    const parts = typeof envelope === 'string' ? envelope.split('.') : undefined;
    const unreadable = (why: string, cause?: unknown) =>
      new TransportError('SECRET_UNREADABLE', `secret "${context.field}" of ${context.recordId} cannot be opened: ${why}`, { cause, field: context.field });
    if (parts?.length !== 4 || parts[0] !== PREFIX) throw unreadable('not a sealed value');
    const [, keyId, ivText, bodyText] = parts as [string, string, string, string];
    const key = this.#keys.get(keyId);
    if (!key) throw unreadable(`sealed under key "${keyId}", which this registry does not have (add it to secretKeys.keys)`);
    const iv = Buffer.from(ivText, 'base64url');
    const body = Buffer.from(bodyText, 'base64url');
    if (iv.length !== 12 || body.length < 16) throw unreadable('malformed envelope');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv);
      decipher.setAAD(SecretBox.aad(context));
      decipher.setAuthTag(body.subarray(body.length - 16));
      return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]).toString('utf8');
    } catch (cause) {
      throw unreadable(
        `it does not open with key "${keyId}": most likely that key is not the one it was sealed with (a key generated at start-up with a persistent store changes on every start); else the value was tampered with or moved from another record or field`,
        cause,
      );
    }
  }

  /** The key id a sealed value was sealed with, or undefined when it is not an envelope. */
  keyIdOf(envelope: string): string | undefined {
    const parts = envelope.split('.');
    return parts.length === 4 && parts[0] === PREFIX ? parts[1] : undefined;
  }

  /** True when the value is sealed under another key than the current one. */
  needsRotation(envelope: string): boolean {
    return this.keyIdOf(envelope) !== this.currentKeyId;
  }
}

/** Where a per-user secret (a TOTP shared secret) is sealed: its own record id and field. */
export function userSecretContext(providerId: string, userId: string): SealContext {
  return { recordId: `user:${providerId}:${userId}`, field: 'secret' };
}
